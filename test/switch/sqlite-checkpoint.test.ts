// The SQLite journal checkpoints in a worker thread (switch/store/checkpointer.ts), with the journal's
// writes paused meanwhile. SQLite starts the WAL over only after a checkpoint that copied every frame,
// so checkpoints that raced a steady stream of commits let the WAL grow without end; the event-loop
// autocheckpoint it replaces ran every 1000 pages (4 MB of WAL).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../switch/store/checkpointer.js';
import { openSqliteStore } from '../../switch/store/sqlite.js';
import type { JournalEntry } from '../../switch/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sale = (terminal: number, stan: number): JournalEntry => ({
  row: {
    terminalId: `T${String(terminal).padStart(7, '0')}`, merchantId: 'M00000000000001', stan: String(stan).padStart(6, '0'), transmitted: '1128103000',
    mti: '0200', kind: 'sale', processingCode: '000000', amount: 1000, currency: '156', maskedPan: '476173******0010', wallet: null,
    entryMode: '071', issuer: 'visa', account: 'card:test', responseCode: '00', authCode: '123456', rrn: null, debit: 1000,
    originalId: null, answer: { '39': '00' }, fingerprint: '0200:000000:1000',
  },
  effects: [{ type: 'debit', account: 'card:test', amount: 1000, check: true }],
});

describe('SQLite journal checkpoints', () => {
  it('run while the store is open, and under a steady stream of commits the WAL still starts over', async () => {
    const path = join(dir, 'steady.db');
    const store = openSqliteStore(path, { checkpointIntervalMs: 0 });
    await store.ensureAccounts([{ id: 'card:test', balance: 10_000_000 }]);
    const schemaOnly = statSync(path).size;
    // Four writers, each committing again as soon as its last commit is durable: there is always a commit waiting.
    const writer = async (terminal: number) => {
      for (let stan = 1; stan <= 150; stan++) expect((await store.commit([sale(terminal, stan)]))[0]!.status).toBe('new');
    };
    await Promise.all([1, 2, 3, 4].map(writer));
    // Copied into the database file while the store is open: only a checkpoint writes there.
    expect(statSync(path).size).toBeGreaterThan(schemaOnly + 100 * 1024);
    // Started over after each checkpoint, the file never held a megabyte (without the hold: 21 MB after these 600 commits).
    expect(statSync(`${path}-wal`).size).toBeLessThan(1024 * 1024);
    expect(await store.balance('card:test')).toBe(10_000_000 - 600 * 1000);
    await store.close();

    const reopened = openSqliteStore(path);
    expect((await reopened.search({ limit: 1000 })).length).toBe(600);
    await reopened.close();
  });

  it('never checkpoints on the event loop: with the worker held off, the WAL keeps every frame past SQLite\'s 1000-page autocheckpoint', async () => {
    const path = join(dir, 'no-autocheckpoint.db');
    const store = openSqliteStore(path, { checkpointIntervalMs: Infinity });
    await store.ensureAccounts([{ id: 'card:test', balance: 10_000_000 }]);
    const schemaOnly = statSync(path).size;
    const walPages = () => statSync(`${path}-wal`).size / (4096 + 24);
    for (let batch = 0; batch < 400 && walPages() < 1500; batch++)
      await store.commit(Array.from({ length: 50 }, (_, i) => sale(i + 1, batch + 1)));
    // An autocheckpoint in a COMMIT would have copied frames into the database file and started the WAL over near 1000 pages.
    expect(walPages()).toBeGreaterThanOrEqual(1500);
    expect(statSync(path).size).toBe(schemaOnly);
    await store.close();
  });

  it('a checkpointer that cannot open the journal reports it (the store then breaks the journal)', async () => {
    const failures: Error[] = [];
    const checkpointer = startCheckpointer(join(dir, 'missing.db'), (error) => failures.push(error));
    await expect(checkpointer.run()).rejects.toThrow(/WAL checkpointer/);
    // Refused at once afterwards, never left waiting on a worker that is gone (the journal's writes would wait behind it).
    await expect(checkpointer.run()).rejects.toThrow(/WAL checkpointer/);
    expect(failures).toHaveLength(1);
    await checkpointer.close();
  });
});
