// Two switch processes' batches on one PostgreSQL journal, each debiting one card and reversing (then
// voiding) a sale of the other's card: they change the same two accounts in opposite orders. Before a
// batch locked the accounts its reversals and voids credit back along with those it debits, this
// deadlocked every time (each batch held its debited account and waited for the other's), and one of
// them was retried after deadlock_timeout (1 s). A gate transaction holding both accounts lines the
// two batches up at their first lock, so the interleaving is the same on every run.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEntry, NewRow, Store } from '../../switch/store/index.js';
import { openPostgresStore } from '../../switch/store/postgres.js';
import { testDatabases } from './databases.js';

const database = testDatabases().find((d) => d.name === 'postgres')!;

const row = (terminalId: string, stan: string, amount: number, over: Partial<NewRow> = {}): NewRow => ({
  terminalId, merchantId: 'M00000000000001', stan, transmitted: '1128003000', mti: '0200', kind: 'sale', processingCode: '000000', amount,
  currency: '156', maskedPan: null, wallet: null, entryMode: '011', issuer: 'visa', account: `card:${terminalId}`, responseCode: '00',
  authCode: '123456', rrn: null, debit: amount, originalId: null, answer: { '39': '00' }, fingerprint: `0200:000000:${amount}`, ...over,
});
const sale = (terminalId: string, stan: string, amount: number): JournalEntry => ({
  row: row(terminalId, stan, amount), effects: [{ type: 'debit', account: `card:${terminalId}`, amount, check: true }],
});
/** A reversal (0400, its own STAN) of the sale with this key. */
const reversal = (terminalId: string, stan: string, of: string, amount: number): JournalEntry => ({
  row: row(terminalId, stan, amount, { mti: '0400', kind: 'reversal', debit: 0, account: null }),
  effects: [{ type: 'reverse', tombstone: row(terminalId, of, amount, { kind: 'reversed-before-arrival', responseCode: '12', debit: 0, account: null }) }],
});
const voidOf = (terminalId: string, stan: string, originalId: number, amount: number): JournalEntry => ({
  row: row(terminalId, stan, amount, { kind: 'void', processingCode: '020000', debit: 0 }),
  effects: [{ type: 'close', originalId, as: 'voided', refusal: '12' }],
});

const zero = { creditCount: 0, creditAmount: 0, debitCount: 0, debitAmount: 0 };
/** A 0500 of the terminal closing `batch` with the terminal's totals (zero unless given). */
const closeOf = (terminalId: string, stan: string, batch: string, afterUpload: boolean, totals = zero): JournalEntry => ({
  row: row(terminalId, stan, 0, { mti: '0500', kind: 'settlement', processingCode: '920000', debit: 0, account: null }),
  effects: [{ type: 'settle', terminalId, merchantId: 'M00000000000001', batch, afterUpload, closedAt: new Date().toISOString(), terminal: totals }],
});

describe.skipIf(!database.available)('PostgreSQL batches reversing and voiding each other’s cards’ sales', () => {
  const url = database.url();
  const [base, schema] = url.split(/[?&]schema=/) as [string, string];
  // Names the stores' connections, to see when both batches wait at the gate.
  const application = `pos_lock_test_${process.pid}`;
  const named = `${base}${base.includes('?') ? '&' : '?'}application_name=${application}`;
  const stores: Store[] = [];
  const gate = new pg.Client({ connectionString: base, options: `-c search_path=${schema}` });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await gate.end();
    await database.cleanup();
  });

  /** Two stores on the schema (two switch processes), closed after the tests; `retries` collects the SQLSTATE of each retried transaction. */
  const twoStores = async (retries: string[] = []): Promise<[Store, Store]> => {
    const open = () => openPostgresStore(named, { schema, poolSize: 2, onRetry: (error) => retries.push((error as { code?: string }).code ?? String(error)) });
    const pair: [Store, Store] = [await open(), await open()];
    stores.push(...pair);
    return pair;
  };

  /** Until `n` of the stores' connections wait for a lock. */
  const waiting = async (n: number) => {
    for (;;) {
      const { rows } = await gate.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [application]);
      if (rows[0].n >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  /** Runs the two batches at once, both held at their first account lock until both wait there. */
  const race = async (a: Store, b: Store, batchA: JournalEntry[], batchB: JournalEntry[]) => {
    await gate.query('BEGIN');
    await gate.query("UPDATE accounts SET balance = balance WHERE id IN ('card:T0000001', 'card:T0000002')");
    const both = Promise.all([a.commit(batchA), b.commit(batchB)]);
    await waiting(2);
    await gate.query('COMMIT');
    return both;
  };

  it('take every account they change in one order: no deadlock, no retry, each reversal and void credited once', async () => {
    const retried: string[] = [];
    const [a, b] = await twoStores(retried);
    await gate.connect();
    await a.ensureAccounts([{ id: 'card:T0000001', balance: 10000 }, { id: 'card:T0000002', balance: 10000 }]);
    const originals = await a.commit([sale('T0000001', '000001', 100), sale('T0000002', '000001', 10), sale('T0000001', '000002', 200), sale('T0000002', '000002', 20)]);
    const [x2, y2] = [originals[2]!.row.id, originals[3]!.row.id];

    const reversed = await race(
      a, b,
      [sale('T0000001', '000003', 300), reversal('T0000002', '000003', '000001', 10)],
      [sale('T0000002', '000004', 30), reversal('T0000001', '000004', '000001', 100)],
    );
    const voided = await race(
      a, b,
      [sale('T0000001', '000005', 400), voidOf('T0000002', '000005', y2, 20)],
      [sale('T0000002', '000006', 40), voidOf('T0000001', '000006', x2, 200)],
    );

    expect(retried).toEqual([]);
    for (const result of [...reversed, ...voided].flat()) {
      expect(result).toMatchObject({ status: 'new', row: { responseCode: '00' } });
      expect(result.status === 'new' && result.refusedBy).toBeUndefined();
    }
    // Each card: charged for the sales left standing (300 + 400, 30 + 40), its reversed and voided ones given back once.
    expect(await a.balance('card:T0000001')).toBe(10000 - 300 - 400);
    expect(await a.balance('card:T0000002')).toBe(10000 - 30 - 40);
    expect((await a.byKey('T0000001', '000001', '1128003000', '0200'))!.closed).toBe('reversed');
    expect((await b.byKey('T0000002', '000002', '1128003000', '0200'))!.closed).toBe('voided');
  });

  // Review of session 13: a sale of a card without an account row (nothing to queue on), voided; then its
  // void's reversal and its own reversal on two processes at once. The sale's reversal read it voided, the
  // void's reversal reopened it meanwhile, and the sale's reversal then found it neither voided nor open:
  // 12, the sale standing (the next 0500 paid the merchant for it). Here a gate holding the sale's row
  // queues the void's reversal first (at the sale it reopens), then the sale's: the order that went wrong.
  it('a reversal of a voided sale and the reversal of its void, at once: both 00, the sale ends reversed', async () => {
    const [a, b] = await twoStores();
    const noAccount = { account: null, maskedPan: '424242******4242' };
    const [sold] = await a.commit([{ row: row('T0000003', '000001', 500, noAccount), effects: [] }]);
    const saleId = sold!.row.id;
    await a.commit([{ row: row('T0000003', '000002', 500, { ...noAccount, kind: 'void', processingCode: '020000', debit: 0, originalId: saleId }), effects: [{ type: 'close', originalId: saleId, as: 'voided', refusal: '12' }] }]);
    const reversalOf = (stan: string, of: string, over: Partial<NewRow> = {}): JournalEntry => ({
      row: row('T0000003', stan, 500, { ...noAccount, mti: '0400', kind: 'reversal', debit: 0 }),
      effects: [{ type: 'reverse', tombstone: row('T0000003', of, 500, { ...noAccount, kind: 'reversed-before-arrival', responseCode: '12', debit: 0, ...over }) }],
    });
    await gate.query('BEGIN');
    await gate.query('SELECT id FROM transactions WHERE id = $1 FOR UPDATE', [saleId]);
    const voidReversed = a.commit([reversalOf('000003', '000002', { processingCode: '020000' })]);
    await waiting(1);
    const saleReversed = b.commit([reversalOf('000004', '000001')]);
    await waiting(2);
    await gate.query('COMMIT');
    const results = [...(await voidReversed), ...(await saleReversed)];
    expect(results.map((r) => r.row.responseCode)).toEqual(['00', '00']);
    expect((await a.byKey('T0000003', '000001', '1128003000', '0200'))!.closed).toBe('reversed');
  });

  // Review of session 13: a 0500 and its retry (a new STAN, the same batch and totals) on two processes at
  // once, for a batch with nothing to count: no row to stamp, so no row lock ordered them, and each wrote a
  // report of its own (88 of 100 rounds). docs/switch.md: the same close sent again is 00, no second report.
  it('two closes of one empty batch at once: one report', async () => {
    const [a, b] = await twoStores();
    const close = (stan: string, batch: string) => closeOf('T0000004', stan, batch, false);
    for (let round = 1; round <= 20; round++) {
      const batch = String(round).padStart(6, '0');
      const answers = await Promise.all([a.commit([close(`1${batch.slice(1)}`, batch)]), b.commit([close(`2${batch.slice(1)}`, batch)])]);
      expect(answers.flat().map((r) => r.row.responseCode), `batch ${batch}`).toEqual(['00', '00']);
    }
    const reports = await a.settlements('T0000004');
    expect(reports.map((r) => r.batch).sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(6, '0')));
  });

  // Regression review of session 13: with the journal rows locked before the accounts, a settlement
  // batched with a sale of card K took K, then waited to stamp a sale of K that a refund on the other
  // process had locked while it waited for K: a deadlock (40P01) in every round, retried after 1 s. A
  // settlement now locks the rows it stamps with the others, before the accounts.
  it('a close batched with a sale of a card, and a refund of that terminal\'s sale of the card on the other process: no deadlock', async () => {
    const deadlocks: string[] = [];
    const [a, b] = await twoStores(deadlocks);
    await a.ensureAccounts([{ id: 'card:T0000005', balance: 10000 }]);
    const [x] = await a.commit([sale('T0000005', '000001', 1000)]);
    expect(x!.row.responseCode).toBe('00');
    const close = closeOf('T0000005', '000009', '000001', true, { ...zero, debitCount: 1, debitAmount: 1000 });
    const refund: JournalEntry = {
      row: row('T0000005', '000002', 500, { kind: 'refund', processingCode: '200000', debit: -500, originalId: x!.row.id }),
      effects: [{ type: 'debit', account: 'card:T0000005', amount: -500, check: false }, { type: 'refund', originalId: x!.row.id, amount: 500 }],
    };
    await gate.query('BEGIN');
    await gate.query("UPDATE accounts SET balance = balance WHERE id = 'card:T0000005'");
    // The close's batch waits first (at the card), then the refund's: the order that deadlocked.
    const otherSale: JournalEntry = { row: row('T0000006', '000001', 10), effects: [{ type: 'debit', account: 'card:T0000005', amount: 10, check: true }] };
    const closing = a.commit([otherSale, close]);
    await waiting(1);
    const refunding = b.commit([refund]);
    await waiting(2);
    await gate.query('COMMIT');
    const [closed, refunded] = await Promise.all([closing, refunding]);
    expect(deadlocks).toEqual([]);
    expect([...closed, ...refunded].map((r) => r.row.responseCode)).toEqual(['00', '00', '00']);
  });

  // Second regression review of session 13: a close stamped every unsettled row of its terminal, also
  // one committed after its locks, while it waited for an account: another process's refund of that row
  // held it and waited for the same account (40P01, 1 s). A close now stamps only the rows it locked or
  // inserted; one committed later was not the terminal's when it sent the close, and stays for the next batch.
  it('a close waiting at an account while a sale of its terminal commits, then is refunded on the other process: no deadlock, the sale left for the next batch', async () => {
    const deadlocks: string[] = [];
    const [a, b] = await twoStores(deadlocks);
    await a.ensureAccounts([{ id: 'card:J', balance: 10000 }]);
    const saleOfJ = (terminalId: string): JournalEntry => ({ row: row(terminalId, '000001', 100, { account: 'card:J' }), effects: [{ type: 'debit', account: 'card:J', amount: 100, check: true }] });
    const close = closeOf('T0000007', '000010', '000001', true);
    await gate.query('BEGIN');
    await gate.query("UPDATE accounts SET balance = balance WHERE id = 'card:J'");
    const closing = a.commit([saleOfJ('T0000008'), close]);
    await waiting(1);
    const [x] = await b.commit([{ row: row('T0000007', '000002', 500, { account: null }), effects: [] }]);
    const refund: JournalEntry = {
      row: row('T0000007', '000003', 200, { kind: 'refund', processingCode: '200000', debit: -200, account: null, originalId: x!.row.id }),
      effects: [{ type: 'refund', originalId: x!.row.id, amount: 200 }],
    };
    const refunding = b.commit([refund, saleOfJ('T0000009')]);
    await waiting(2);
    await gate.query('COMMIT');
    const [closed, refunded] = await Promise.all([closing, refunding]);
    expect(deadlocks).toEqual([]);
    expect([...closed, ...refunded].map((r) => r.row.responseCode)).toEqual(['00', '00', '00', '00']);
    expect((await a.byKey('T0000007', '000002', '1128003000', '0200'))!.batch).toBeNull();
  });
});
