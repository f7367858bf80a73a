/**
 * The journals every switch suite runs against: SQLite in a temp dir, and PostgreSQL at
 * $POS_TEST_PG_URL in a schema of its own per run (dropped afterwards). Without the URL the
 * PostgreSQL cases skip locally and fail under CI=true.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  available: boolean;
  /** A fresh database URL (new file / new schema) for one test. */
  url(): string;
  cleanup(): Promise<void>;
}

const pgUrl = process.env.POS_TEST_PG_URL;
if (!pgUrl && process.env.CI === 'true') throw new Error('POS_TEST_PG_URL is required under CI=true (PostgreSQL journal tests)');

export function testDatabases(): TestDatabase[] {
  const dir = mkdtempSync(join(tmpdir(), 'pos-switch-'));
  let files = 0;
  const schemas: string[] = [];
  const run = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return [
    {
      name: 'sqlite',
      available: true,
      url: () => join(dir, `journal-${++files}.db`),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: 'postgres',
      available: pgUrl !== undefined,
      url: () => {
        const schema = `pos_test_${run}_${schemas.length}`;
        schemas.push(schema);
        return `${pgUrl}${pgUrl!.includes('?') ? '&' : '?'}schema=${schema}`;
      },
      cleanup: async () => {
        if (!pgUrl || schemas.length === 0) return;
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    },
  ];
}
