import { openPostgresStore } from './postgres.js';
import { openSqliteStore, type SqliteOptions } from './sqlite.js';
import type { Store } from './types.js';

export type * from './types.js';
export { JournalBroken, JournalOutcomeUnknown, unanswerable } from './errors.js';

/**
 * `postgres://…` or `postgresql://…` (optional `?schema=NAME`), `sqlite:PATH`, a file path, or
 * `:memory:` (tests and demos only: not durable).
 */
export async function openStore(db: string, options: SqliteOptions & { onRetry?(error: unknown): void } = {}): Promise<Store> {
  const { onRetry, ...sqlite } = options;
  const file = sqliteFilePath(db);
  if (file === undefined) {
    // Not `new URL()`: libpq-style URLs such as postgresql://user@/db?host=/run/postgresql have no host.
    const schema = /[?&]schema=([^&]*)/.exec(db)?.[1];
    const url = db.replace(/([?&])schema=[^&]*&?/, '$1').replace(/[?&]$/, '');
    return openPostgresStore(url, { ...(schema ? { schema: decodeURIComponent(schema) } : {}), ...(onRetry ? { onRetry } : {}) });
  }
  // SQLite opens an empty name as an anonymous temporary file, deleted on close: no journal at all.
  if (file === '') throw new Error('no SQLite file named (sqlite:PATH, PATH, or :memory: for tests)');
  return openSqliteStore(file, sqlite);
}

/** The SQLite file (or `:memory:`) a `--db` value names; undefined for a PostgreSQL URL. */
export function sqliteFilePath(db: string): string | undefined {
  if (/^postgres(ql)?:\/\//.test(db)) return undefined;
  return db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : db;
}
