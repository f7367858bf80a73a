import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type JournalEntry, type NewRow, type Store, type Totals } from '../../switch/store/index.js';
import { testDatabases } from './databases.js';

function row(over: Partial<NewRow> = {}): NewRow {
  return {
    terminalId: 'T0000001', merchantId: 'M00000000000001', stan: '000001', transmitted: '1127103000', mti: '0200', kind: 'sale',
    processingCode: '000000', amount: 1000, currency: '156', maskedPan: '476173******0010', wallet: null, entryMode: '071',
    issuer: 'visa', account: 'card:visa', responseCode: '00', authCode: '123456', rrn: '000000000001', debit: 1000,
    originalId: null, answer: { '37': '000000000001', '38': '123456', '39': '00' }, fingerprint: '0200:000000:1000', ...over,
  };
}
const sale = (over: Partial<NewRow> = {}): JournalEntry => {
  const r = row(over);
  return { row: r, effects: [{ type: 'debit', account: r.account!, amount: r.amount, check: true }] };
};

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`journal on ${database.name}`, () => {
    const stores: Store[] = [];
    const open = async (url = database.url()) => {
      const store = await openStore(url);
      stores.push(store);
      await store.ensureAccounts([{ id: 'card:visa', balance: 5000 }]);
      return store;
    };
    afterAll(async () => {
      for (const store of stores) await store.close();
      await database.cleanup();
    });

    it('journals a sale once and answers a repeat with the original, without a second debit', async () => {
      const store = await open();
      const [first] = await store.commit([sale()]);
      expect(first!.status).toBe('new');
      const [again] = await store.commit([sale({ rrn: '000000000002', authCode: '999999' })]);
      expect(again).toMatchObject({ status: 'duplicate', row: { rrn: '000000000001', authCode: '123456', responseCode: '00' } });
      expect(await store.balance('card:visa')).toBe(4000);
      expect((await store.byKey('T0000001', '000001', '1127103000', '0200'))!.id).toBe(first!.row.id);
      expect((await store.byRrn('000000000001'))!.stan).toBe('000001');
      expect((await store.byStan('T0000001', '000001', '1127'))!.stan).toBe('000001');
    });

    it('keeps the highest ATC per card: a cryptogram not above it is refused (05) and leaves it as it was', async () => {
      const store = await open();
      const chip = (stan: string, atc: number): JournalEntry => {
        const entry = sale({ stan, amount: 100 });
        return { ...entry, effects: [{ type: 'atc', card: 'card:visa', atc }, ...entry.effects] };
      };
      expect(await store.highestAtc('card:visa')).toBeUndefined();
      await store.commit([chip('000011', 7)]);
      const [replay] = await store.commit([chip('000012', 7)]);
      expect(replay).toMatchObject({ status: 'new', refusedBy: 'atc', row: { responseCode: '05' } });
      expect(await store.highestAtc('card:visa')).toBe(7);
      expect(await store.balance('card:visa')).toBe(4900);
    });

    const device = 'FFFF9876543210E00000';
    const pinSale = (stan: string, counter: number, over: Partial<NewRow> = {}): JournalEntry => ({ ...sale({ stan, amount: 100, ...over }), ksn: { device, counter } });
    /** A raw SQL client on the store's database (the PostgreSQL schema of `url`); `$n` placeholders (PostgreSQL only). */
    const raw = async (url: string): Promise<{ query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>; close(): Promise<void> }> => {
      if (database.name === 'sqlite') {
        const db = new Database(url);
        return { query: async (sql) => (db.exec(sql), []), close: async () => void db.close() };
      }
      const [base, schema] = url.split(/[?&]schema=/);
      const client = new pg.Client({ connectionString: base, options: `-c search_path=${schema}` });
      await client.connect();
      return { query: async (sql, params = []) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>, close: () => client.end() };
    };

    it('keeps the highest DUKPT counter per PIN pad: one not above it is refused (63) before any effect; a declined row uses its counter; a repeat does not', async () => {
      const store = await open();
      expect(await store.highestKsnCounter(device)).toBeUndefined();
      expect((await store.commit([pinSale('000031', 5)]))[0]).toMatchObject({ status: 'new', row: { responseCode: '00' } });
      const [reused, rolledBack] = await store.commit([pinSale('000032', 5), pinSale('000033', 4)]);
      for (const refused of [reused, rolledBack])
        expect(refused).toMatchObject({ status: 'new', refusedBy: 'ksn', row: { responseCode: '63', authCode: null, debit: 0, answer: { '37': '000000000001', '39': '63' } } });
      expect(await store.balance('card:visa')).toBe(4900);
      expect((await store.byKey('T0000001', '000032', '1127103000', '0200'))!.responseCode).toBe('63');
      // Declined by its debit (51): the PIN block was used all the same, its counter with it.
      expect((await store.commit([pinSale('000034', 6, { amount: 999999 })]))[0]!.row.responseCode).toBe('51');
      expect(await store.highestKsnCounter(device)).toBe(6);
      expect((await store.commit([pinSale('000031', 5)]))[0]).toMatchObject({ status: 'duplicate', row: { responseCode: '00' } });
      expect((await store.commit([pinSale('000035', 7)]))[0]!.row.responseCode).toBe('00');
      expect((await store.commit([{ ...pinSale('000036', 1), ksn: { device: 'FFFF9876543299E00000', counter: 1 } }]))[0]!.row.responseCode).toBe('00');
      expect(await store.highestKsnCounter(device)).toBe(7);
      expect(await store.balance('card:visa')).toBe(4700);
    });

    it('a journal from before the DUKPT counters opens and gets their table', async () => {
      const url = database.url();
      await (await open(url)).close();
      stores.pop();
      const before = await raw(url);
      await before.query('DROP TABLE dukpt_counters');
      await before.close();
      const store = await open(url);
      expect((await store.commit([pinSale('000037', 3)]))[0]!.row.responseCode).toBe('00');
      expect((await store.commit([pinSale('000038', 3)]))[0]!.row.responseCode).toBe('63');
    });

    // PostgreSQL only (SQLite has one writer): not defined on SQLite, so a CI run reports no skipped test.
    if (database.name === 'postgres') it('a counter another process holds uncommitted: the commit waits, then is refused when the other commits and passes when it rolls back', async () => {
      const url = database.url();
      const store = await open(url);
      for (const [end, counter, expected] of [['COMMIT', 9, '63'], ['ROLLBACK', 10, '00']] as const) {
        const other = await raw(url);
        await other.query('BEGIN');
        await other.query('INSERT INTO dukpt_counters (device, counter) VALUES ($1, $2) ON CONFLICT (device) DO UPDATE SET counter = excluded.counter', [device, counter]);
        const [{ pid }] = (await other.query('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
        const pending = store.commit([pinSale(`00004${counter}`, counter)]);
        const watcher = await raw(url);
        while (Number((await watcher.query('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]))[0]!.n) === 0);
        await watcher.close();
        await other.query(end);
        await other.close();
        expect((await pending)[0]!.row.responseCode, end).toBe(expected);
      }
      expect(await store.highestKsnCounter(device)).toBe(10);
    });

    it('refuses a debit above the balance with 51 and keeps the balance', async () => {
      const store = await open();
      const [result] = await store.commit([sale({ amount: 6000 })]);
      expect(result!.row).toMatchObject({ responseCode: '51', authCode: null, debit: 0, answer: { '39': '51' } });
      expect(await store.balance('card:visa')).toBe(5000);
      expect((await store.byKey('T0000001', '000001', '1127103000', '0200'))!.responseCode).toBe('51');
    });

    it('applies a reversal once, reopens a voided sale when the void is reversed, and bounds refunds', async () => {
      const store = await open();
      const [s] = await store.commit([sale()]);
      const id = s!.row.id;
      const reversal = (stan: string, originalId: number): JournalEntry => ({
        row: row({ mti: '0400', kind: 'reversal', stan, debit: 0, originalId, rrn: null, authCode: null }),
        effects: [{ type: 'close', originalId, as: 'reversed', refusal: null }],
      });
      const [v] = await store.commit([
        { row: row({ kind: 'void', stan: '000002', processingCode: '020000', debit: 0, originalId: id, rrn: '000000000003' }), effects: [{ type: 'close', originalId: id, as: 'voided', refusal: '12' }] },
      ]);
      expect(await store.balance('card:visa')).toBe(5000);
      const [secondVoid] = await store.commit([
        { row: row({ kind: 'void', stan: '000003', debit: 0, originalId: id, rrn: '000000000004' }), effects: [{ type: 'close', originalId: id, as: 'voided', refusal: '12' }] },
      ]);
      expect(secondVoid!.row.responseCode).toBe('12');
      await store.commit([reversal('000004', v!.row.id), reversal('000005', v!.row.id)]);
      expect(await store.balance('card:visa')).toBe(4000);
      expect((await store.byKey('T0000001', '000001', '1127103000', '0200'))!.closed).toBeNull();

      const refund = (stan: string, amount: number): JournalEntry => ({
        row: row({ kind: 'refund', stan, amount, debit: -amount, originalId: id, rrn: null }),
        effects: [{ type: 'refund', originalId: id, amount }, { type: 'debit', account: 'card:visa', amount: -amount, check: false }],
      });
      const [r1, r2] = await store.commit([refund('000006', 600), refund('000007', 600)]);
      expect([r1!.row.responseCode, r2!.row.responseCode]).toEqual(['00', '13']);
      expect(await store.balance('card:visa')).toBe(4600);
      await store.commit([reversal('000008', r1!.row.id)]);
      expect(await store.balance('card:visa')).toBe(4000);
      expect((await store.byKey('T0000001', '000001', '1127103000', '0200'))!.refunded).toBe(0);
    });

    it('reverses by key: a reversal that overtakes its original leaves a tombstone the original cannot apply over', async () => {
      const store = await open();
      const tombstone = row({ kind: 'reversed-before-arrival', responseCode: '12', answer: { '39': '12' }, authCode: null, rrn: null, debit: 0, account: null });
      const reversal = (stan: string): JournalEntry => ({
        row: row({ mti: '0400', kind: 'reversal', stan, debit: 0, rrn: null, authCode: null, account: null }),
        effects: [{ type: 'reverse', tombstone }],
      });
      const [early] = await store.commit([reversal('000009')]);
      expect(early!.row.responseCode).toBe('25');
      const [late] = await store.commit([sale()]);
      expect(late).toMatchObject({ status: 'duplicate', row: { responseCode: '12', kind: 'reversed-before-arrival' } });
      expect(await store.balance('card:visa')).toBe(5000);

      const [s2] = await store.commit([sale({ stan: '000002' })]);
      expect(s2!.status).toBe('new');
      const after = { ...reversal('000010'), effects: [{ type: 'reverse' as const, tombstone: { ...tombstone, stan: '000002' } }] };
      const [r1, r2] = await store.commit([after, { ...after, row: { ...after.row, stan: '000011' } }]);
      expect([r1!.row.responseCode, r2!.row.responseCode]).toEqual(['00', '00']);
      expect(await store.balance('card:visa')).toBe(5000);
      expect((await store.byKey('T0000001', '000002', '1127103000', '0200'))!.closed).toBe('reversed');
    });

    it('closes a batch over exactly the rows it counts; out of balance it stamps nothing, after the upload it closes anyway', async () => {
      const store = await open();
      await store.commit([sale(), sale({ stan: '000002', amount: 500 }), sale({ stan: '000003', amount: 9999 })]);
      await store.commit([{ row: row({ kind: 'refund', stan: '000004', amount: 200, debit: -200 }), effects: [] }]);
      const closedAt = new Date().toISOString();
      const settle = (stan: string, batch: string, terminal: Totals, afterUpload = false): JournalEntry => ({
        row: row({ mti: '0500', kind: 'settlement', stan, amount: 0, debit: 0 }),
        effects: [{ type: 'settle', terminalId: 'T0000001', merchantId: 'M00000000000001', batch, terminal, afterUpload, closedAt }],
      });
      const batchOf = async () => (await store.search({ terminalId: 'T0000001' })).map((r) => `${r.stan}/${r.mti}:${r.batch}`).sort();

      const [wrong] = await store.commit([settle('000005', '000001', { creditCount: 3, creditAmount: 11499, debitCount: 1, debitAmount: 200 })]);
      expect(wrong).toMatchObject({ status: 'new', refusedBy: 'settle', row: { responseCode: '95', answer: { '39': '95' } } });
      expect((await store.search({ terminalId: 'T0000001' })).every((r) => r.batch === null)).toBe(true);
      expect(await store.settlements('T0000001')).toEqual([]);

      const sums = { creditCount: 2, creditAmount: 1500, debitCount: 1, debitAmount: 200 };
      const [ok] = await store.commit([settle('000006', '000001', sums)]);
      expect(ok!.row.responseCode).toBe('00');
      const first = { terminalId: 'T0000001', merchantId: 'M00000000000001', batch: '000001', inBalance: true, terminal: sums, host: sums, uploaded: 0, closedAt };
      expect(await store.settlements('T0000001')).toEqual([first]);
      // The declined sale and the refused 0500 stay out of every batch; the closing 0500 is in its own.
      expect(await batchOf()).toEqual(['000001/0200:000001', '000002/0200:000001', '000003/0200:null', '000004/0200:000001', '000005/0500:null', '000006/0500:000001']);

      await store.commit([sale({ stan: '000007', amount: 700 }), { row: row({ mti: '0320', kind: 'upload', stan: '000001', debit: 0 }), effects: [] }]);
      const terminal = { creditCount: 2, creditAmount: 1700, debitCount: 0, debitAmount: 0 };
      const [after] = await store.commit([settle('000008', '000002', terminal, true)]);
      expect(after!.row.responseCode).toBe('00');
      expect((await store.settlements('T0000001')).find((r) => r.batch === '000002')).toEqual({
        ...first, batch: '000002', inBalance: false, terminal, host: { creditCount: 1, creditAmount: 700, debitCount: 0, debitAmount: 0 }, uploaded: 1,
      });
      expect((await store.search({ terminalId: 'T0000001', maskedPan: '476173******0010' })).length).toBe(9);
      expect((await store.search({ rrn: 'nope' })).length).toBe(0);
      const today = new Date().toISOString().slice(0, 10);
      expect((await store.search({ from: today, to: today, limit: 2 })).length).toBe(2);
    });

    it('a 0500 sent again after its 0510 was lost (new STAN, same batch and totals, nothing new to count) is answered 00 without a second report', async () => {
      const store = await open();
      await store.commit([sale({ stan: '000021', amount: 300 })]);
      const closedAt = new Date().toISOString();
      const sums = { creditCount: 1, creditAmount: 300, debitCount: 0, debitAmount: 0 };
      const settle = (stan: string): JournalEntry => ({
        row: row({ mti: '0500', kind: 'settlement', stan, amount: 0, debit: 0 }),
        effects: [{ type: 'settle', terminalId: 'T0000001', merchantId: 'M00000000000001', batch: '000007', terminal: sums, afterUpload: false, closedAt }],
      });
      expect((await store.commit([settle('000022')]))[0]!.row.responseCode).toBe('00');
      // The terminal never saw that 00: it closes the same batch again. Counting nothing now, a 95 would
      // send it through an upload into a second report with zero host totals.
      const [again] = await store.commit([settle('000023')]);
      expect(again!.row.responseCode).toBe('00');
      expect((await store.settlements('T0000001')).filter((r) => r.batch === '000007')).toHaveLength(1);
    });

    it('a new 0500 reusing a closed batch number settles as a settlement of its own: both reports kept, each counting its rows', async () => {
      // A terminal whose batch counter was reset (new journal) or wrapped at 999999 sends a number it closed before.
      const store = await open();
      const settle = (stan: string, terminal: Totals, closedAt: string): JournalEntry => ({
        row: row({ mti: '0500', kind: 'settlement', stan, amount: 0, debit: 0 }),
        effects: [{ type: 'settle', terminalId: 'T0000001', merchantId: 'M00000000000001', batch: '000001', terminal, afterUpload: false, closedAt }],
      });
      const one = { creditCount: 1, creditAmount: 1000, debitCount: 0, debitAmount: 0 };
      await store.commit([sale()]);
      expect((await store.commit([settle('000002', one, '2024-11-27T10:00:00.000Z')]))[0]!.row.responseCode).toBe('00');
      await store.commit([sale({ stan: '000003', amount: 300 }), sale({ stan: '000004', amount: 400 })]);
      const two = { creditCount: 2, creditAmount: 700, debitCount: 0, debitAmount: 0 };
      expect((await store.commit([settle('000005', two, '2024-11-28T10:00:00.000Z')]))[0]!.row.responseCode).toBe('00');
      const reports = await store.settlements('T0000001');
      expect(reports.map((r) => [r.batch, r.closedAt, r.host])).toEqual([
        ['000001', '2024-11-28T10:00:00.000Z', two],
        ['000001', '2024-11-27T10:00:00.000Z', one],
      ]);
      expect(reports.every((r) => r.inBalance)).toBe(true);
      const stamped = (await store.search({ terminalId: 'T0000001' })).filter((r) => r.kind === 'sale').map((r) => r.batch);
      expect(stamped).toEqual(['000001', '000001', '000001']);
    });

    it('moves the reports of a journal written before (settlements keyed by terminal and batch) on open', async () => {
      const url = database.url();
      await (await open(url)).close();
      stores.pop();
      const legacy = [
        'CREATE TABLE settlements (terminal_id TEXT NOT NULL, batch TEXT NOT NULL, report TEXT NOT NULL, closed_at TEXT NOT NULL, PRIMARY KEY (terminal_id, batch))',
        `INSERT INTO settlements VALUES ('T0000009', '000003', '{"batch":"000003"}', '2024-01-01T00:00:00.000Z')`,
      ];
      if (database.name === 'sqlite') {
        const db = new Database(url);
        for (const statement of legacy) db.exec(statement);
        db.close();
      } else {
        const [base, schema] = url.split(/[?&]schema=/);
        const client = new pg.Client({ connectionString: base, options: `-c search_path=${schema}` });
        await client.connect();
        for (const statement of legacy) await client.query(statement);
        await client.end();
      }
      const store = await open(url);
      expect(await store.settlements('T0000009')).toEqual([{ batch: '000003' }]);
      await store.close();
      stores.pop();
      expect(await (await open(url)).settlements('T0000009')).toEqual([{ batch: '000003' }]);
    });

    it('keeps exactly-once and unique RRNs between two processes sharing the database', async () => {
      const url = database.url();
      const a = await open(url);
      const b = await open(url);
      const entries = Array.from({ length: 20 }, (_, i) => sale({ stan: String(i + 1).padStart(6, '0'), amount: 10 }));
      const [ra, rb] = await Promise.all([a.commit(entries), b.commit(entries)]);
      const fresh = [...ra, ...rb].filter((r) => r.status === 'new');
      expect(fresh.length).toBe(20);
      expect(await a.balance('card:visa')).toBe(5000 - 200);
      const blocks = await Promise.all([a.reserveRrns(100), b.reserveRrns(100), a.reserveRrns(100)]);
      expect(new Set(blocks).size).toBe(3);
    });
  });
}

// SQLite runs the settlements move as a transaction of its own inside the schema list (program.ts).
it('SQLite: a schema statement failing inside its own transaction (the settlements move) leaves the file unlocked', async () => {
  // A `settlements` table of another shape makes the move's INSERT fail after its BEGIN IMMEDIATE:
  // the open must fail without keeping that transaction (and the file's write lock) open.
  const dir = mkdtempSync(join(tmpdir(), 'pos-schema-'));
  try {
    const file = join(dir, 'journal.db');
    const db = new Database(file);
    db.exec('CREATE TABLE settlements (terminal_id TEXT NOT NULL, batch TEXT NOT NULL, report TEXT NOT NULL, PRIMARY KEY (terminal_id, batch))');
    db.close();
    await expect(openStore(file)).rejects.toThrow('closed_at');
    const other = new Database(file, { timeout: 100 });
    try {
      expect(() => other.exec('CREATE TABLE probe (a)')).not.toThrow();
    } finally {
      other.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
