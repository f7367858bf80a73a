// A settlement racing a request transaction on PostgreSQL: a row that took its id before the 0500
// but commits around it must land in a batch whose report counts it, never in one that does not.
// (SQLite has one writer on one connection: a request cannot commit in the middle of a settlement.)
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import type { JournalEntry, Store } from '../../switch/store/index.js';
import { testDatabases } from './databases.js';
import { terminal, terminalIds, testSwitch } from './harness.js';

const database = testDatabases().find((d) => d.name === 'postgres')!;
const sums = { creditCount: 0, creditAmount: 0, debitCount: 0, debitAmount: 0 };

describe.skipIf(!database.available)('settlement racing an uncommitted request on postgres', () => {
  let sw: RunningSwitch;
  let url: string;
  // Each test on a terminal of its own (its own batches).
  let t: IsoClient | undefined;
  let terminalId: string;
  let stan = 900000;
  beforeAll(async () => {
    url = database.url();
    sw = await testSwitch(url);
  });
  const use = async (id: string) => {
    terminalId = id;
    t = await terminal(sw, id);
  };
  afterEach(async () => {
    await t?.close();
  });
  afterAll(async () => {
    await sw?.stop();
    await database.cleanup();
  });

  const sale = async (amount: number) => {
    const answer = await t!.send(t!.message('0200', { '2': '4111111111111111', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' }));
    expect(answer.getString('39')).toBe('00');
  };
  const settle = async (batch: string, credits: number, amount: number, after = '00') =>
    (await t!.send(t!.message('0500', { '60.1': after, '60.2': batch, '74': credits, '86': amount, '76': 0, '88': 0 }))).getString('39');

  /** Another transaction journals an approved sale for the terminal (as the journal does) and keeps it open: it has its id, nobody sees it. */
  const hold = async (amount: number): Promise<{ id: number; commit(): Promise<void> }> => {
    const [base, schema] = url.split(/[?&]schema=/);
    const client = new pg.Client({ connectionString: base, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query('BEGIN');
    const s = String(++stan);
    const inserted = await client.query(
      `INSERT INTO transactions (terminal_id, merchant_id, stan, transmitted, mti, kind, processing_code, amount, currency, response_code, debit, answer, fingerprint, created_at, request_class)
       VALUES ($1, 'M00000000000001', $2, '1127103000', '0200', 'sale', '000000', $3, '156', '00', $3, '{"39":"00"}', $4, $5, '0200') RETURNING id`,
      [terminalId, s, amount, `02:000000:${amount}`, new Date().toISOString()],
    );
    return {
      id: Number(inserted.rows[0].id),
      commit: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  };

  /** Every closed batch holds exactly the rows its report counted. */
  const batchesMatchReports = async (): Promise<void> => {
    const rows = await sw.store.search({ terminalId, limit: 1000 });
    for (const report of await sw.store.settlements(terminalId)) {
      const stamped = { ...sums };
      for (const row of rows) {
        if (row.batch !== report.batch || row.closed !== null || row.responseCode !== '00') continue;
        if (row.kind === 'refund') Object.assign(stamped, { debitCount: stamped.debitCount + 1, debitAmount: stamped.debitAmount + row.amount });
        else if (['sale', 'completion', 'advice'].includes(row.kind)) Object.assign(stamped, { creditCount: stamped.creditCount + 1, creditAmount: stamped.creditAmount + row.amount });
      }
      expect(stamped, `batch ${report.batch}`).toEqual(report.host);
    }
  };
  const batchOf = async (id: number) => (await sw.store.search({ terminalId, limit: 1000 })).find((row) => row.id === id)?.batch;

  it('a row committed between the settlement request and its journal write is counted wherever it is stamped', async () => {
    await use(terminalIds[0]!);
    await sale(1000);
    const held = await hold(400);
    await sale(700);
    // The request commits just as the settlement reaches the journal: after any read the switch made before deciding.
    const store: Store = sw.store;
    const commit = store.commit;
    store.commit = async (entries: JournalEntry[]) => {
      if (entries.some((entry) => entry.row.kind === 'settlement')) {
        store.commit = commit;
        await held.commit();
      }
      return commit(entries);
    };
    try {
      // The terminal counts what it was answered: not the held sale, which the journal counts once
      // committed — out of balance, nothing stamped (before the fix: 00, and the held sale stamped uncounted).
      expect(await settle('000001', 2, 1700)).toBe('95');
      await batchesMatchReports();
      expect(await settle('000001', 2, 1700, '01')).toBe('00');
      await batchesMatchReports();
      expect(await batchOf(held.id)).toBe('000001');
      expect((await sw.store.settlements(terminalId))[0]!.host).toEqual({ ...sums, creditCount: 3, creditAmount: 2100 });
    } finally {
      store.commit = commit;
    }
  });

  it('a row still uncommitted during the settlement stays out of its batch and is counted in the next', async () => {
    await use(terminalIds[1]!);
    await sale(1000);
    const held = await hold(400);
    await sale(700);
    expect(await settle('000001', 2, 1700)).toBe('00');
    await held.commit();
    expect(await batchOf(held.id)).toBeNull();
    expect(await settle('000002', 1, 400)).toBe('00');
    expect(await batchOf(held.id)).toBe('000002');
    expect((await sw.store.settlements(terminalId))[0]).toMatchObject({ batch: '000002', inBalance: true, host: { ...sums, creditCount: 1, creditAmount: 400 } });
    await batchesMatchReports();
  });
});
