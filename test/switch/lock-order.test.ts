// PostgreSQL batches take every lock they need up front, each kind in one sorted order, so concurrent
// batches cannot deadlock: before, only debited accounts were locked ahead, and two batches with two
// cards' PIN tries or chip balance inquiries (card_atc) in opposite order deadlocked (a review measured
// 38 deadlocks in 360 requests on two switch processes, each stalling its batch for deadlock_timeout).
// Likewise the journal rows a batch's voids, refunds and reversals change, and the accounts they credit
// back: read first, locked before the rest (test/switch/pg-lock-order.test.ts races such batches on a
// real server).
// The program is run by hand here: the statements a batch issues before its first row, in order.
import { describe, expect, it } from 'vitest';
import { commitEntries, type Query } from '../../switch/store/program.js';
import type { JournalEntry, NewRow } from '../../switch/store/index.js';

const row = (stan: string): NewRow => ({
  terminalId: 'T0000001', merchantId: 'M00000000000001', stan, transmitted: '1127230000', mti: '0200', kind: 'sale', processingCode: '000000',
  amount: 100, currency: '156', maskedPan: null, wallet: null, entryMode: '051', issuer: 'visa', account: null, responseCode: '00', authCode: null,
  rrn: null, debit: 0, originalId: null, answer: { '39': '00' }, fingerprint: 'x',
});

/** The statements the batch issues before its first INSERT; `originals` answers its read of the originals' accounts. */
function locksTaken(entries: JournalEntry[], originals: Array<Record<string, unknown>> = []): Query[] {
  const program = commitEntries(entries, '2026-11-27T23:00:00Z', true);
  const taken: Query[] = [];
  for (let step = program.next(); !step.done && !step.value.sql.startsWith('INSERT'); ) {
    taken.push(step.value);
    step = program.next({ rows: step.value.sql.startsWith('SELECT t.id') ? originals : [], changes: 1 });
  }
  return taken;
}

describe('lock order of a PostgreSQL batch', () => {
  it('advisory locks on every PIN pad, PIN-tries and ATC row it upserts, sorted, then the debited accounts, sorted', () => {
    const entries: JournalEntry[] = [
      { row: row('000001'), effects: [{ type: 'atc', card: 'card:622094…0016', atc: 7 }], pin: { account: 'card:476173…0010', ok: false } },
      { row: row('000002'), effects: [{ type: 'debit', account: 'card:411111…1111', amount: 100, check: true }], pin: { account: 'card:411111…1111', ok: true }, ksn: { device: 'FFFF9876543210E00000', counter: 3 } },
      { row: row('000003'), effects: [{ type: 'debit', account: 'card:400000…0515', amount: 100, check: true }] },
    ];
    const [advisory, ...accounts] = locksTaken(entries);
    expect(advisory!.sql).toMatch(/pg_advisory_xact_lock.*ORDER BY key/);
    expect(advisory!.params).toEqual([['atc:card:622094…0016', 'dukpt:FFFF9876543210E00000', 'pin:card:411111…1111', 'pin:card:476173…0010']]);
    expect(accounts.map((q) => q.params)).toEqual([['card:400000…0515'], ['card:411111…1111']]);
  });

  it('the same set whichever order the entries come in: two batches cannot wait on each other', () => {
    const a: JournalEntry = { row: row('000001'), effects: [], pin: { account: 'card:X', ok: false } };
    const b: JournalEntry = { row: row('000002'), effects: [{ type: 'atc', card: 'card:Y', atc: 2 }] };
    expect(locksTaken([a, b])).toEqual(locksTaken([b, a]));
  });

  it('reads the journal rows its voids, refunds and reversals change (and a reversed void’s original) and their accounts, then locks the rows, then the accounts with the debited ones, sorted', () => {
    const voidEntry: JournalEntry = { row: row('000001'), effects: [{ type: 'close', originalId: 42, as: 'voided', refusal: '12' }] };
    const refundEntry: JournalEntry = { row: row('000004'), effects: [{ type: 'refund', originalId: 43, amount: 50 }] };
    const tombstone = { ...row('000007'), mti: '0400' };
    const reversalEntry: JournalEntry = { row: { ...row('000002'), mti: '0400' }, effects: [{ type: 'reverse', tombstone }] };
    const sale: JournalEntry = { row: row('000003'), effects: [{ type: 'debit', account: 'card:B', amount: 100, check: true }] };
    const originals = [
      { id: '42', original_id: null, account: 'card:D', original: null },
      { id: '43', original_id: null, account: null, original: null },
      { id: '50', original_id: '41', account: 'card:C', original: 'card:A' },
    ];
    const [read, rows, ...accounts] = locksTaken([voidEntry, refundEntry, reversalEntry, sale], originals);
    expect(read!.params).toEqual([[42, 43], ['T0000001'], ['000007'], ['1127230000'], ['0400']]);
    expect(rows!.sql).toMatch(/FROM transactions WHERE id = ANY\(\?::bigint\[\]\) OR \(terminal_id = ANY\(\?::text\[\]\) AND batch IS NULL AND response_code = '00'\)\s+ORDER BY id FOR UPDATE/);
    expect([...(rows!.params[0] as string[])].sort()).toEqual(['41', '42', '43', '50']);
    expect(rows!.params[1]).toEqual([]);
    expect(accounts.map((q) => [q.sql, q.params])).toEqual(['card:A', 'card:B', 'card:C', 'card:D'].map((id) => ['UPDATE accounts SET balance = balance WHERE id = ?', [id]]));
  });

  it('a close locks the rows it will stamp (the terminal\'s unsettled approvals) with the others, after its advisory lock and before the accounts', () => {
    const zero = { creditCount: 0, creditAmount: 0, debitCount: 0, debitAmount: 0 };
    const close: JournalEntry = { row: { ...row('000009'), mti: '0500' }, effects: [{ type: 'settle', terminalId: 'T0000001', merchantId: 'M00000000000001', batch: '000001', afterUpload: false, closedAt: '2026-11-27T23:00:00Z', terminal: zero }] };
    const sale: JournalEntry = { row: row('000003'), effects: [{ type: 'debit', account: 'card:B', amount: 100, check: true }] };
    const [advisory, rows, account] = locksTaken([sale, close]);
    expect(advisory!.params).toEqual([['settle:T0000001']]);
    expect(rows!.params).toEqual([[], ['T0000001']]);
    expect(account!.params).toEqual(['card:B']);
  });

  it('a magstripe sale batch takes no advisory lock (nothing of it is upserted per card)', () => {
    const sale: JournalEntry = { row: row('000001'), effects: [{ type: 'debit', account: 'card:411111…1111', amount: 100, check: true }] };
    expect(locksTaken([sale]).map((q) => q.sql)).toEqual(['UPDATE accounts SET balance = balance WHERE id = ?']);
  });
});
