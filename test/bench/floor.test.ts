// bench:switch --floor's servers do the work they stand for: every answer in sqlite mode is a
// journal row and a debit (committed before the answer), and the load keeps one request in flight per
// connection. Nothing is timed here: a short load, then the database is read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runFloorLoad } from '../../bench/support/floor-client.js';
import { saleBytes, startFloorServer } from '../../bench/support/floor.js';

const dir = mkdtempSync(join(tmpdir(), 'floor-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('sqlite mode: each answer is one journal row and one debit, keyed by connection and sequence', async () => {
  const db = join(dir, 'floor.db');
  const { server, port } = await startFloorServer('sqlite', db);
  try {
    const result = await runFloorLoad(port, 4, 300, saleBytes.request);
    expect(result.answered).toBeGreaterThan(4);
    const journal = new Database(db, { readonly: true });
    try {
      expect(journal.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT connection) AS connections FROM journal').get()).toEqual({ n: result.answered, connections: 4 });
      expect(journal.prepare('SELECT balance FROM accounts').get()).toEqual({ balance: 1_000_000_000_000 - 1000 * result.answered });
    } finally {
      journal.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
});

it('the load: one request in flight per connection, every answer timed', async () => {
  const { server, port } = await startFloorServer('tcp', join(dir, 'unused.db'));
  try {
    const result = await runFloorLoad(port, 3, 200, saleBytes.request);
    expect(result.answered).toBeGreaterThan(3);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p50).toBeLessThanOrEqual(result.latencyMs.p99);
  } finally {
    server.kill('SIGTERM');
  }
});
