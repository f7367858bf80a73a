import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type * from './types.js';

/**
 * `postgres://…` or `postgresql://…` (optional `?schema=NAME`), `sqlite:PATH`, a file path, or
 * `:memory:` (tests and demos only: not durable).
 */
export async function openStore(db: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    // Not `new URL()`: libpq-style URLs such as postgresql://user@/db?host=/run/postgresql have no host.
    const schema = /[?&]schema=([^&]*)/.exec(db)?.[1];
    const url = db.replace(/([?&])schema=[^&]*&?/, '$1').replace(/[?&]$/, '');
    return openPostgresStore(url, schema ? { schema: decodeURIComponent(schema) } : {});
  }
  return openSqliteStore(db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : db);
}
