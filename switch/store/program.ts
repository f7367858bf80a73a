/**
 * The journal's SQL, written once for both databases: each operation is a generator that yields
 * queries (with `?` placeholders) and receives their results, so SQLite runs it synchronously inside
 * one transaction and PostgreSQL runs it over a network connection, with the same logic.
 */
import type { AnswerFields, CommitResult, Effect, JournalEntry, JournalRow, KsnUse, NewRow, SettlementReport, Totals, TransactionFilter } from './types.js';

export interface Query {
  sql: string;
  params: unknown[];
  /**
   * A single-row INSERT whose result is the new row's id: rows `[{ id }]`, or none when its ON CONFLICT
   * skipped it. PostgreSQL runs it with `RETURNING id`; SQLite runs it as written and reads the rowid,
   * which `id` (INTEGER PRIMARY KEY) is: its RETURNING keeps rows in a temporary table until the
   * statement ends, about 10 µs more per journal row.
   */
  returnsId?: true;
}
export interface QueryResult {
  rows: Array<Record<string, unknown>>;
  changes: number;
}
export type Program<T> = Generator<Query, T, QueryResult>;

export type Dialect = 'sqlite' | 'postgres';

export function schema(dialect: Dialect): string[] {
  const id = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY';
  const big = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return [
    `CREATE TABLE IF NOT EXISTS transactions (
      id ${id},
      terminal_id TEXT NOT NULL, merchant_id TEXT NOT NULL, stan TEXT NOT NULL, transmitted TEXT NOT NULL,
      mti TEXT NOT NULL, kind TEXT NOT NULL, processing_code TEXT NOT NULL, amount ${big} NOT NULL, currency TEXT NOT NULL,
      masked_pan TEXT, wallet TEXT, entry_mode TEXT, issuer TEXT, account TEXT,
      response_code TEXT NOT NULL, auth_code TEXT, rrn TEXT,
      debit ${big} NOT NULL DEFAULT 0, closed TEXT, refunded ${big} NOT NULL DEFAULT 0, original_id ${big}, batch TEXT,
      answer TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL, request_class TEXT NOT NULL,
      UNIQUE (terminal_id, stan, transmitted, request_class)
    )`,
    'CREATE INDEX IF NOT EXISTS transactions_rrn ON transactions (rrn)',
    // No (terminal_id, batch) index: the unique key's index starts with terminal_id and serves the
    // settlement's stamp (once per batch close); a second per-terminal index cost every insert ~30 µs.
    'DROP INDEX IF EXISTS transactions_terminal_batch',
    'CREATE INDEX IF NOT EXISTS transactions_created ON transactions (created_at)',
    'CREATE INDEX IF NOT EXISTS transactions_merchant ON transactions (merchant_id)',
    'CREATE INDEX IF NOT EXISTS transactions_pan ON transactions (masked_pan)',
    `CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, balance ${big} NOT NULL)`,
    // The highest ATC of a verified ARQC per card: a cryptogram whose ATC is not above it is a replay.
    `CREATE TABLE IF NOT EXISTS card_atc (card TEXT PRIMARY KEY, atc ${big} NOT NULL)`,
    // The highest DUKPT transaction counter per PIN pad (KSN without its counter): a PIN block under a
    // counter not above it reuses a key (X9.24-1 uses each once). New journals and old ones alike get it on open.
    `CREATE TABLE IF NOT EXISTS dukpt_counters (device TEXT PRIMARY KEY, counter ${big} NOT NULL)`,
    // Wrong PINs per card account in a row (3: blocked); here, not in memory, so neither concurrent
    // requests nor several processes nor a restart give more tries.
    `CREATE TABLE IF NOT EXISTS pin_tries (account TEXT PRIMARY KEY, tries ${big} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value ${big} NOT NULL)`,
    `INSERT INTO counters (name, value) VALUES ('rrn', 0) ON CONFLICT (name) DO NOTHING`,
    // One row per closing 0500, not per batch number: a terminal reuses numbers (counter reset, wrap
    // at 999999), and each closing is a settlement of its own (see the settle effect).
    `CREATE TABLE IF NOT EXISTS settlement_reports (
      id ${id}, terminal_id TEXT NOT NULL, batch TEXT NOT NULL, report TEXT NOT NULL, closed_at TEXT NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS settlement_reports_terminal ON settlement_reports (terminal_id, closed_at)',
    migrateSettlements(dialect),
  ];
}

/**
 * Journals written before kept reports in `settlements`, keyed (terminal_id, batch): moved over once.
 * SQLite runs schema statements outside a transaction, so there the move is one transaction of its own
 * (another process opening the file meanwhile waits); PostgreSQL runs the whole schema in one under a lock.
 */
function migrateSettlements(dialect: Dialect): string {
  const steps = [
    'CREATE TABLE IF NOT EXISTS settlements (terminal_id TEXT NOT NULL, batch TEXT NOT NULL, report TEXT NOT NULL, closed_at TEXT NOT NULL, PRIMARY KEY (terminal_id, batch))',
    'INSERT INTO settlement_reports (terminal_id, batch, report, closed_at) SELECT terminal_id, batch, report, closed_at FROM settlements ORDER BY closed_at',
    'DROP TABLE settlements',
  ];
  return dialect === 'sqlite' ? `BEGIN IMMEDIATE; ${steps.join('; ')}; COMMIT;` : steps.join('; ');
}

const columns =
  'terminal_id, merchant_id, stan, transmitted, mti, kind, processing_code, amount, currency, masked_pan, wallet, entry_mode, issuer, account, response_code, auth_code, rrn, debit, original_id, answer, fingerprint, created_at, request_class';
const insertSql = `INSERT INTO transactions (${columns}) VALUES (${columns
  .split(',')
  .map(() => '?')
  .join(', ')}) ON CONFLICT (terminal_id, stan, transmitted, request_class) DO NOTHING`;
const selectRow = 'SELECT * FROM transactions';

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : num(value));
const str = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function toRow(r: Record<string, unknown>): JournalRow {
  return {
    id: num(r.id),
    terminalId: String(r.terminal_id),
    merchantId: String(r.merchant_id),
    stan: String(r.stan),
    transmitted: String(r.transmitted),
    mti: String(r.mti),
    kind: String(r.kind) as JournalRow['kind'],
    processingCode: String(r.processing_code),
    amount: num(r.amount),
    currency: String(r.currency),
    maskedPan: str(r.masked_pan),
    wallet: str(r.wallet),
    entryMode: str(r.entry_mode),
    issuer: str(r.issuer),
    account: str(r.account),
    responseCode: String(r.response_code),
    authCode: str(r.auth_code),
    rrn: str(r.rrn),
    debit: num(r.debit),
    closed: str(r.closed),
    refunded: num(r.refunded),
    originalId: numOrNull(r.original_id),
    batch: str(r.batch),
    answer: JSON.parse(String(r.answer)) as AnswerFields,
    fingerprint: String(r.fingerprint),
    createdAt: String(r.created_at),
  };
}

function* one(sql: string, params: unknown[]): Program<JournalRow | undefined> {
  const result = yield { sql, params };
  const first = result.rows[0];
  return first ? toRow(first) : undefined;
}

/**
 * The request key is (DE41, DE11, DE7) within a message class: a batch upload (0320) may repeat its
 * original's STAN and time, and a repeated reversal (0420) is the same request as its 0400.
 */
export function requestClass(mti: string): string {
  return mti === '0420' || mti === '0421' ? '0400' : `${mti.slice(0, 3)}0`;
}

export const byKey = (terminalId: string, stan: string, transmitted: string, mti: string) =>
  one(`${selectRow} WHERE terminal_id = ? AND stan = ? AND transmitted = ? AND request_class = ?`, [terminalId, stan, transmitted, requestClass(mti)]);
export const byRrn = (rrn: string) => one(`${selectRow} WHERE rrn = ? ORDER BY id LIMIT 1`, [rrn]);
/**
 * A DE61 reference names a request the terminal can void, refund or complete: an authorization (0100),
 * a financial request (0200) or an advice/completion (0220). Other classes repeat the STAN: a batch
 * upload (0320) that of the sale it uploads, and being newer it was found instead (the refund got 12).
 */
const originalClasses = "request_class IN ('0100', '0200', '0220')";
export const byStan = (terminalId: string, stan: string, mmdd: string | undefined) =>
  mmdd
    ? one(`${selectRow} WHERE terminal_id = ? AND stan = ? AND transmitted LIKE ? AND ${originalClasses} ORDER BY id DESC LIMIT 1`, [terminalId, stan, `${mmdd}%`])
    : one(`${selectRow} WHERE terminal_id = ? AND stan = ? AND ${originalClasses} ORDER BY id DESC LIMIT 1`, [terminalId, stan]);

/**
 * Whether a void or reversal may still undo a row: not once a settlement stamped it (the merchant was
 * paid for it, or paid back: undoing it would move the cardholder's money with nothing to claw back in a
 * later batch; a stamped void's reversal would reopen a sale no batch counts). In the undoing statement
 * itself, so it holds whatever the pipeline read before (a 0500 may commit in between; on PostgreSQL one
 * waiting for the 0500's row lock re-checks the condition on the stamped row). Holds and balance
 * inquiries are never counted: a stamped pre-authorization can still be completed or its hold reversed.
 */
const undoable = "(batch IS NULL OR kind IN ('authorization', 'preauthorization', 'balance'))";

/**
 * Applies one effect; returns the response code that refuses the entry, or null. `stampable`
 * (PostgreSQL): the only rows a settlement may stamp — those its batch locked, and those it inserted.
 */
function* applyEffect(effect: Effect, now: string, stampable: string[] | undefined): Program<string | null> {
  switch (effect.type) {
    case 'debit': {
      const check = effect.check ? 1 : 0;
      const result = yield {
        sql: 'UPDATE accounts SET balance = balance - ? WHERE id = ? AND (? = 0 OR balance >= ?)',
        params: [effect.amount, effect.account, check, effect.amount],
      };
      return result.changes === 0 && effect.check ? '51' : null;
    }
    case 'close': {
      // A void never closes a row with refunds (that money went back already); a refund never counts against a closed row.
      // A refund does count against a settled one: after settlement, money goes back by refund.
      const closed = yield {
        sql: `UPDATE transactions SET closed = ? WHERE id = ? AND closed IS NULL AND (? = 0 OR refunded = 0) AND ${undoable} RETURNING ${undone}`,
        params: [effect.as, effect.originalId, effect.as === 'voided' ? 1 : 0],
      };
      const original = closed.rows[0];
      if (!original) return effect.refusal;
      yield* undo(original, effect.as === 'reversed');
      return null;
    }
    case 'reverse': {
      const t = effect.tombstone;
      const placed = yield { sql: insertSql, params: insertParams(t, now), returnsId: true };
      if (placed.rows.length) return '25';
      const key = [t.terminalId, t.stan, t.transmitted, requestClass(t.mti)];
      // In a savepoint of its own, taken back when the original cannot come back; the tombstone above must stay.
      yield { sql: 'SAVEPOINT reversal', params: [] };
      const closed = yield {
        sql: `UPDATE transactions SET closed = 'reversed' WHERE terminal_id = ? AND stan = ? AND transmitted = ? AND request_class = ?
              AND closed IS NULL AND response_code = '00' AND refunded = 0 AND ${undoable} AND ${sameOriginal} RETURNING ${undone}`,
        params: [...key, t.amount, t.maskedPan, t.maskedPan],
      };
      const original = closed.rows[0];
      // A void whose sale a settlement stamped meanwhile: nothing moves (12, as for a settled original).
      const settled = original !== undefined && !(yield* undo(original, true));
      if (settled) yield { sql: 'ROLLBACK TO SAVEPOINT reversal', params: [] };
      yield { sql: 'RELEASE SAVEPOINT reversal', params: [] };
      if (original) return settled ? '12' : null;
      // An original a void or completion closed already: they gave its money back (or took its hold's
      // place), so nothing moves (00); marked reversed, so that reversing the void or completion later
      // does not put back what this reversal, answered 00, cancelled. A settled one stays as it is.
      const superseded = yield {
        sql: `UPDATE transactions SET closed = 'reversed' WHERE terminal_id = ? AND stan = ? AND transmitted = ? AND request_class = ?
              AND closed IN ('voided', 'completed') AND response_code = '00' AND ${undoable} AND ${sameOriginal} RETURNING id`,
        params: [...key, t.amount, t.maskedPan, t.maskedPan],
      };
      if (superseded.rows.length) return null;
      // Nothing undone: one more read, on this path only, to say why.
      return yield* unreversed(key, t);
    }
    case 'atc': {
      const result = yield {
        sql: 'INSERT INTO card_atc (card, atc) VALUES (?, ?) ON CONFLICT (card) DO UPDATE SET atc = excluded.atc WHERE card_atc.atc < excluded.atc',
        params: [effect.card, effect.atc],
      };
      return result.changes === 0 ? '05' : null;
    }
    case 'refund': {
      const result = yield {
        sql: 'UPDATE transactions SET refunded = refunded + ? WHERE id = ? AND closed IS NULL AND refunded + ? <= amount',
        params: [effect.amount, effect.originalId, effect.amount],
      };
      if (result.changes) return null;
      // Refused: 13 for more than is left of the original, 12 for an original voided or reversed (nothing left to refund).
      const original = yield { sql: 'SELECT closed FROM transactions WHERE id = ?', params: [effect.originalId] };
      const closed = original.rows[0]?.closed;
      return closed === null || closed === undefined ? '13' : '12';
    }
    case 'settle': {
      // Count and stamp in ONE statement, decide after: a statement sees one snapshot (PostgreSQL's
      // READ COMMITTED; SQLite has a single writer), so a row is stamped exactly when it is counted and
      // one not committed yet is neither — it waits for the next batch. Reading the totals first and
      // stamping later let a row with a lower id, committed in between, be settled without being counted.
      // On PostgreSQL only the rows this batch locked or inserted: one committed since its locks may be
      // held by another process's batch waiting for an account this one holds (a deadlock); it was not
      // the terminal's when it sent this close, and stays for the next batch.
      const stamped = yield {
        sql: `UPDATE transactions SET batch = ? WHERE terminal_id = ? AND batch IS NULL AND response_code = '00'${stampable ? ' AND id = ANY(?::bigint[])' : ''}
              RETURNING kind, amount, closed`,
        params: stampable ? [effect.batch, effect.terminalId, stampable] : [effect.batch, effect.terminalId],
      };
      const { uploaded, ...host } = batchTotals(stamped.rows);
      const t = effect.terminal;
      // Nothing left to count, and the terminal's totals are those of this batch's last report: the same
      // close again, its 0510 lost (a terminal retries with a new STAN). 00 as before, no second report;
      // a 95 would send it through an upload into a report of zero host totals.
      if (host.creditCount === 0 && host.debitCount === 0 && uploaded === 0 && (yield* closedWith(effect.terminalId, effect.batch, t))) return null;
      const inBalance = sameTotals(t, host);
      // Refused, the entry's savepoint takes the stamp back (see needsSavepoint).
      if (!inBalance && !effect.afterUpload) return '95';
      const report: SettlementReport = {
        terminalId: effect.terminalId, merchantId: effect.merchantId, batch: effect.batch, inBalance, terminal: t, host, uploaded, closedAt: effect.closedAt,
      };
      // A new 0500 reusing a number the terminal closed before (its counter reset or wrapped) is a settlement
      // of its own, not refused: the terminal keeps its number until a 00 (terminal.ts batchClose), so a
      // refusal would leave it never able to close. Its report is kept beside the earlier one's, each
      // counting the rows its own statement stamped. (A retransmitted 0500 is a journal duplicate: no effect.)
      yield {
        sql: 'INSERT INTO settlement_reports (terminal_id, batch, report, closed_at) VALUES (?, ?, ?, ?)',
        params: [effect.terminalId, effect.batch, JSON.stringify(report), report.closedAt],
      };
      return null;
    }
  }
}

/**
 * Why a reversal undid nothing at its key: a tombstone there is an earlier reversal's of a request never
 * seen, and the original is still unknown (25 each time, not 00 from the second on, when a 0420 with a new
 * STAN met the tombstone); an approved row still standing is settled or refunded (12: a refunded sale
 * reversed left its refunds counted against the merchant in a batch that never paid it the sale, as a
 * void would; a refund is the way back); a row closed already (reversed, voided, completed) or declined
 * needs nothing more (00, idempotent).
 */
function* unreversed(key: unknown[], reversal: NewRow): Program<string | null> {
  const found = yield {
    sql: 'SELECT kind, response_code, closed, amount, masked_pan FROM transactions WHERE terminal_id = ? AND stan = ? AND transmitted = ? AND request_class = ?',
    params: key,
  };
  const row = found.rows[0];
  if (!row || row.kind === 'reversed-before-arrival') return '25';
  if (num(row.amount) !== reversal.amount || (reversal.maskedPan !== null && row.masked_pan !== null && row.masked_pan !== reversal.maskedPan)) return '12';
  return row.response_code === '00' && (row.closed === null || row.closed === undefined) ? '12' : null;
}

/**
 * A reversal undoes its original in full or not at all: its DE4 must be the original's amount and its
 * card (masked PAN), where both carry one, the original's; else 12 and nothing moves. A 1.00 reversal
 * with another card reversed a 500.00 sale in full. Partial reversals (DE95) are not supported.
 */
const sameOriginal = 'amount = ? AND (masked_pan IS NULL OR CAST(? AS TEXT) IS NULL OR masked_pan = ?)';

const sameTotals = (a: Totals, b: Totals): boolean =>
  a.creditCount === b.creditCount && a.creditAmount === b.creditAmount && a.debitCount === b.debitCount && a.debitAmount === b.debitAmount;

/** Whether the terminal's latest report for this batch number holds these terminal totals. */
function* closedWith(terminalId: string, batch: string, terminal: Totals): Program<boolean> {
  const last = yield { sql: 'SELECT report FROM settlement_reports WHERE terminal_id = ? AND batch = ? ORDER BY id DESC LIMIT 1', params: [terminalId, batch] };
  const report = last.rows[0];
  return report !== undefined && sameTotals((JSON.parse(String(report.report)) as SettlementReport).terminal, terminal);
}

/**
 * What undoing a row needs. `debit` is what the row still takes: its debit less what refunds gave
 * back already (a refunded sale's reversal credits only the rest), read in the closing UPDATE itself.
 */
const undone = 'debit - refunded AS debit, account, kind, original_id, amount';

/**
 * Gives back what a closed row took; reversing a void or a completion puts its original back, reversing a
 * refund un-counts it. False, having written part of it, when the original cannot come back: a settlement
 * stamped the voided sale (on PostgreSQL a void committed during its statement stays unstamped), and a
 * sale put back into a closed batch would be charged and never paid to the merchant. An original a
 * reversal closed meanwhile stays closed (see `reverse`).
 */
function* undo(original: Record<string, unknown>, reversed: boolean): Program<boolean> {
  yield* credit(str(original.account), num(original.debit));
  if (!reversed || original.original_id === null || original.original_id === undefined) return true;
  const kind = String(original.kind);
  if (kind === 'void' || kind === 'completion') {
    const closedAs = kind === 'void' ? 'voided' : 'completed';
    const reopened = yield {
      sql: `UPDATE transactions SET closed = NULL WHERE id = ? AND closed = ? AND ${undoable} RETURNING debit - refunded AS debit, account`,
      params: [original.original_id, closedAs],
    };
    const back = reopened.rows[0];
    if (back) {
      yield* credit(str(back.account), -num(back.debit));
      return true;
    }
    const still = yield { sql: 'SELECT closed FROM transactions WHERE id = ?', params: [original.original_id] };
    return still.rows[0]?.closed !== closedAs;
  } else if (kind === 'refund') {
    const uncounted = yield {
      sql: 'UPDATE transactions SET refunded = refunded - ? WHERE id = ? RETURNING closed, account',
      params: [original.amount, original.original_id],
    };
    // The original was reversed after this refund (journals written before such reversals were refused, 12),
    // crediting only what the refund had not: the refund's money is owed back to it.
    const sale = uncounted.rows[0];
    if (sale && sale.closed !== null && sale.closed !== undefined) yield* credit(str(sale.account), num(original.amount));
  }
  return true;
}

function* credit(account: string | null, amount: number): Program<void> {
  if (account === null || amount === 0) return;
  yield { sql: 'UPDATE accounts SET balance = balance + ? WHERE id = ?', params: [amount, account] };
}

/** A new row as stored. Listed field by field: `{ ...r, id, … }` was a measurable share of the switch's CPU per commit. */
function storedRow(r: NewRow, id: number, now: string): JournalRow {
  return {
    id, terminalId: r.terminalId, merchantId: r.merchantId, stan: r.stan, transmitted: r.transmitted, mti: r.mti, kind: r.kind,
    processingCode: r.processingCode, amount: r.amount, currency: r.currency, maskedPan: r.maskedPan, wallet: r.wallet, entryMode: r.entryMode,
    issuer: r.issuer, account: r.account, responseCode: r.responseCode, authCode: r.authCode, rrn: r.rrn, debit: r.debit, closed: null,
    refunded: 0, originalId: r.originalId, batch: null, answer: r.answer, fingerprint: r.fingerprint, createdAt: now,
  };
}

function insertParams(r: NewRow, now: string): unknown[] {
  return [
    r.terminalId, r.merchantId, r.stan, r.transmitted, r.mti, r.kind, r.processingCode, r.amount, r.currency, r.maskedPan, r.wallet,
    r.entryMode, r.issuer, r.account, r.responseCode, r.authCode, r.rrn, r.debit, r.originalId, JSON.stringify(r.answer), r.fingerprint, now, requestClass(r.mti),
  ];
}

const mayRefuse = (effect: Effect): boolean => (effect.type === 'debit' ? effect.check : effect.type === 'close' ? effect.refusal !== null : true);
/**
 * An effect refused after something of the entry was written must take it back: a refusable effect
 * after the first (a completion's checked debit after its hold was released), or a settle (it stamps,
 * then decides). Not the hot path's single debit. A reversal's tombstone (`reverse`, alone) must stay.
 */
const needsSavepoint = (effects: Effect[]): boolean => effects.some((effect, i) => effect.type === 'settle' || (i > 0 && mayRefuse(effect)));

function* applyEntry(entry: JournalEntry, now: string, stampable: string[] | undefined): Program<CommitResult> {
  const r = entry.row;
  const inserted = yield { sql: insertSql, params: insertParams(r, now), returnsId: true };
  const id = inserted.rows[0]?.id;
  if (id === undefined) {
    const original = yield* byKey(r.terminalId, r.stan, r.transmitted, r.mti);
    if (!original) throw new Error('journal: conflicting row vanished');
    return { status: 'duplicate', row: original };
  }
  stampable?.push(String(id));
  let refusal: string | null = null;
  let refusedBy: Effect['type'] | 'ksn' | 'pin' | undefined;
  // Before the effects and outside their savepoint: the counter stays used, and the try counted, whatever they decide.
  if (entry.ksn && !(yield* recordKsn(entry.ksn))) [refusal, refusedBy] = ['63', 'ksn'];
  else if (entry.pin && (yield* pinBlocked(entry.pin))) [refusal, refusedBy] = ['75', 'pin'];
  else {
    const partial = needsSavepoint(entry.effects);
    if (partial) yield { sql: 'SAVEPOINT effects', params: [] };
    for (const effect of entry.effects) {
      refusal = yield* applyEffect(effect, now, stampable);
      if (refusal) {
        refusedBy = effect.type;
        break;
      }
    }
    if (partial && refusal) yield { sql: 'ROLLBACK TO SAVEPOINT effects', params: [] };
    if (partial) yield { sql: 'RELEASE SAVEPOINT effects', params: [] };
  }
  const row = storedRow(r, num(id), now);
  if (refusal) {
    // Built from scratch, never the decided answer less some fields: a refused request gets nothing it
    // was decided to get (an authorization code, an ARPC computed for the approval, a balance — which
    // would also tell a replayed block's sender that its PIN was right).
    const answer: AnswerFields = { '39': refusal };
    if (r.rrn !== null) answer['37'] = r.rrn;
    yield { sql: 'UPDATE transactions SET response_code = ?, auth_code = NULL, debit = 0, answer = ? WHERE id = ?', params: [refusal, JSON.stringify(answer), row.id] };
    Object.assign(row, { responseCode: refusal, authCode: null, debit: 0, answer });
    return { status: 'new', row, refusedBy: refusedBy! };
  }
  return { status: 'new', row };
}

/**
 * Records a PIN pad's counter as its highest; false when it is not above the recorded one. One upsert:
 * on PostgreSQL a concurrent transaction with the same device waits for the other's row (or its
 * insert) and re-checks `WHERE` against the committed counter, so of two uses of one counter one passes.
 */
function* recordKsn(ksn: KsnUse): Program<boolean> {
  const result = yield {
    sql: 'INSERT INTO dukpt_counters (device, counter) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET counter = excluded.counter WHERE dukpt_counters.counter < excluded.counter',
    params: [ksn.device, ksn.counter],
  };
  return result.changes > 0;
}

/**
 * Counts a PIN try; true when the card is blocked (this was its third wrong PIN, or it was blocked
 * before). One conditional upsert, as for the counters: on PostgreSQL a concurrent try on the same card
 * waits for the other's row and re-checks `WHERE`, so three wrong PINs block whatever their timing.
 */
function* pinBlocked(pin: { account: string; ok: boolean }): Program<boolean> {
  if (pin.ok) {
    const reset = yield {
      sql: 'INSERT INTO pin_tries (account, tries) VALUES (?, 0) ON CONFLICT (account) DO UPDATE SET tries = 0 WHERE pin_tries.tries < ?',
      params: [pin.account, pinTriesAllowed],
    };
    return reset.changes === 0;
  }
  const counted = yield {
    sql: 'INSERT INTO pin_tries (account, tries) VALUES (?, 1) ON CONFLICT (account) DO UPDATE SET tries = pin_tries.tries + 1 WHERE pin_tries.tries < ? RETURNING tries',
    params: [pin.account, pinTriesAllowed],
  };
  const tries = counted.rows[0]?.tries;
  return tries === undefined || num(tries) >= pinTriesAllowed;
}

export const pinTriesAllowed = 3;

/**
 * `lockAccounts` (PostgreSQL): take the locks the batch's entries need first, each kind in sorted order,
 * so that concurrent batches (several per process, several processes) do not deadlock on them: an
 * advisory lock per PIN pad counter, card PIN tries and card ATC row the batch upserts (rows that may
 * not exist yet, so no row lock can be taken ahead) and per terminal closing its batch; then, in one
 * statement sorted by id, the journal rows its voids, completions, refunds and reversals change (the
 * originals, and for a reversed void or completion the row it reopens) and those its settlements will
 * stamp; then every account it changes: those it debits and those those rows credit back (see
 * originals()). Rows before accounts, in every batch: a settlement batched with a sale on card K took
 * K, then waited to stamp a sale of K that a refund on another process held while it waited for K.
 * Without the account locks, two batches naming two cards' PIN tries, or reversing each other's
 * cards' sales, in opposite order deadlocked, and both waited PostgreSQL's deadlock_timeout (1 s)
 * before the retry. Without the journal rows' locks, a reversal of a voided sale read it voided,
 * while another process's reversal of the void reopened it, and found it neither voided nor open: 12,
 * the sale left standing (a card with no account row had nothing else to queue on). Not covered (the
 * store retries): a reversal whose original another batch journals after this one's read (it
 * overtook it). A row committed between a settlement's locks and its stamp is not stamped (see settle).
 */
export function* commitEntries(entries: JournalEntry[], now: string, lockAccounts = false): Program<CommitResult[]> {
  /** PostgreSQL: the rows its settlements may stamp (locked below, or inserted by this batch). */
  const stampable: string[] = [];
  if (lockAccounts) {
    const rows = new Set<string>();
    for (const entry of entries) {
      if (entry.ksn) rows.add(`dukpt:${entry.ksn.device}`);
      if (entry.pin) rows.add(`pin:${entry.pin.account}`);
      for (const effect of entry.effects) {
        if (effect.type === 'atc') rows.add(`atc:${effect.card}`);
        // A terminal's closes one at a time: with nothing to stamp no row lock orders them, and two
        // closes of one empty batch (the retry on another process) each wrote a report.
        if (effect.type === 'settle') rows.add(`settle:${effect.terminalId}`);
      }
    }
    if (rows.size) {
      yield {
        sql: 'SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0))) FROM (SELECT key FROM unnest(?::text[]) AS key ORDER BY key) AS sorted',
        params: [[...rows].sort()],
      };
    }
    const touched = yield* originals(entries);
    const settling = [...new Set(entries.flatMap((entry) => entry.effects.flatMap((effect) => (effect.type === 'settle' ? [effect.terminalId] : []))))];
    if (touched.rows.length || settling.length) {
      const locked = yield {
        sql: `SELECT id FROM transactions WHERE id = ANY(?::bigint[]) OR (terminal_id = ANY(?::text[]) AND batch IS NULL AND response_code = '00')
              ORDER BY id FOR UPDATE`,
        params: [touched.rows, settling],
      };
      for (const row of locked.rows) stampable.push(String(row.id));
    }
    const accounts = new Set<string>(touched.accounts);
    for (const entry of entries) for (const effect of entry.effects) if (effect.type === 'debit') accounts.add(effect.account);
    for (const account of [...accounts].sort()) yield { sql: 'UPDATE accounts SET balance = balance WHERE id = ?', params: [account] };
  }
  const results: CommitResult[] = [];
  for (const entry of entries) results.push(yield* applyEntry(entry, now, lockAccounts ? stampable : undefined));
  return results;
}

/**
 * The journal rows the batch's `close`, `refund` and `reverse` effects may change (their original rows
 * and those rows' own originals: a reversed void or completion reopens its sale or hold, a reversed
 * refund un-counts its sale's refunded amount) and the accounts those rows may credit. A plain read
 * before any lock: a row's account and original never change, and what still happens to them (their
 * state may change meanwhile) is decided by the conditional updates after the locks. A superset is
 * harmless: it only takes a lock more.
 */
function* originals(entries: JournalEntry[]): Program<{ rows: string[]; accounts: string[] }> {
  const ids: number[] = [];
  const keys: [string[], string[], string[], string[]] = [[], [], [], []];
  for (const entry of entries) {
    for (const effect of entry.effects) {
      if (effect.type === 'close' || effect.type === 'refund') ids.push(effect.originalId);
      if (effect.type !== 'reverse') continue;
      const t = effect.tombstone;
      [t.terminalId, t.stan, t.transmitted, requestClass(t.mti)].forEach((value, i) => keys[i]!.push(value));
    }
  }
  if (ids.length === 0 && keys[0].length === 0) return { rows: [], accounts: [] };
  const found = yield {
    sql: `SELECT t.id, t.account, t.original_id, o.account AS original FROM transactions t LEFT JOIN transactions o ON o.id = t.original_id WHERE t.id = ANY(?::bigint[])
          UNION ALL
          SELECT t.id, t.account, t.original_id, o.account FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS k (terminal_id, stan, transmitted, request_class)
          JOIN transactions t USING (terminal_id, stan, transmitted, request_class) LEFT JOIN transactions o ON o.id = t.original_id`,
    params: [ids, ...keys],
  };
  const present = <T>(values: Array<T | null>) => values.filter((value): value is T => value !== null);
  return {
    rows: present(found.rows.flatMap((row) => [str(row.id), str(row.original_id)])),
    accounts: present(found.rows.flatMap((row) => [str(row.account), str(row.original)])),
  };
}

export function* reserveRrns(size: number): Program<number> {
  const result = yield { sql: "UPDATE counters SET value = value + ? WHERE name = 'rrn' RETURNING value", params: [size] };
  return num(result.rows[0]!.value) - size + 1;
}

/** A batch's host totals: approved sales, completions and advices (credits) and refunds (debits) still standing; uploads counted apart. */
function batchTotals(rows: Array<Record<string, unknown>>): Totals & { uploaded: number } {
  const totals = { creditCount: 0, creditAmount: 0, debitCount: 0, debitAmount: 0, uploaded: 0 };
  for (const row of rows) {
    if (row.closed !== null && row.closed !== undefined) continue;
    if (row.kind === 'upload') totals.uploaded++;
    else if (row.kind === 'refund') {
      totals.debitCount++;
      totals.debitAmount += num(row.amount);
    } else if (row.kind === 'sale' || row.kind === 'completion' || row.kind === 'advice') {
      totals.creditCount++;
      totals.creditAmount += num(row.amount);
    }
  }
  return totals;
}

/**
 * Newest first by journal time, the id breaking ties (rows of one group commit share a created_at):
 * the order the created_at index gives (SQLite's index holds the rowid after the key), so a date
 * range reads `limit` rows off the index. `ORDER BY id` made SQLite walk the whole table backwards
 * by rowid, testing each row's date. `before` continues after that row in this order (keyset paging:
 * nothing skipped or listed twice while rows are added); an id that is no row's continues after the
 * nearest row below it.
 */
export function* search(filter: TransactionFilter): Program<JournalRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.before !== undefined) {
    const cursor = yield { sql: 'SELECT created_at FROM transactions WHERE id <= ? ORDER BY id DESC LIMIT 1', params: [filter.before] };
    const at = cursor.rows[0]?.created_at;
    if (at === undefined) return [];
    add('created_at <= ? AND (created_at < ? OR id < ?)', at, at, filter.before);
  }
  if (filter.terminalId) add('terminal_id = ?', filter.terminalId);
  if (filter.merchantId) add('merchant_id = ?', filter.merchantId);
  if (filter.maskedPan) {
    const pans = maskings(filter.maskedPan);
    add(`masked_pan IN (${pans.map(() => '?').join(', ')})`, ...pans);
  }
  if (filter.rrn) add('rrn = ?', filter.rrn);
  if (filter.from) add('created_at >= ?', filter.from);
  // Both ends are included: a bare date as `to` means the whole of that day, a date-time that instant too.
  if (filter.to) /^\d{4}-\d{2}-\d{2}$/.test(filter.to) ? add('created_at < ?', `${filter.to}T99`) : add('created_at <= ?', filter.to);
  params.push(Math.min(filter.limit ?? 100, 1000));
  const result = yield { sql: `${selectRow}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`, params };
  return result.rows.map(toRow);
}

/**
 * A masked PAN as the journal may hold it: first 6 and last 4 with one star per hidden digit, so a
 * 12- to 19-digit PAN has 2 to 9 stars. Whoever types it need not know the length: each length is
 * an equality on the masked_pan index.
 */
function maskings(maskedPan: string): string[] {
  const parts = /^(\d{6})\*+(\d{4})$/.exec(maskedPan);
  if (!parts) return [maskedPan];
  return Array.from({ length: 8 }, (_, i) => `${parts[1]}${'*'.repeat(i + 2)}${parts[2]}`);
}

export function* settlements(terminalId: string | undefined): Program<SettlementReport[]> {
  const result = yield terminalId
    ? { sql: 'SELECT report FROM settlement_reports WHERE terminal_id = ? ORDER BY closed_at DESC, id DESC', params: [terminalId] }
    : { sql: 'SELECT report FROM settlement_reports ORDER BY closed_at DESC, id DESC LIMIT 1000', params: [] };
  return result.rows.map((row) => JSON.parse(String(row.report)) as SettlementReport);
}

export function* ensureAccounts(accounts: Array<{ id: string; balance: number }>): Program<void> {
  for (const account of accounts)
    yield { sql: 'INSERT INTO accounts (id, balance) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', params: [account.id, account.balance] };
}

export function* setBalance(account: string, balance: number): Program<void> {
  yield { sql: 'INSERT INTO accounts (id, balance) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance', params: [account, balance] };
}

export function* highestAtc(card: string): Program<number | undefined> {
  const result = yield { sql: 'SELECT atc FROM card_atc WHERE card = ?', params: [card] };
  const row = result.rows[0];
  return row ? num(row.atc) : undefined;
}

export function* highestKsnCounter(device: string): Program<number | undefined> {
  const result = yield { sql: 'SELECT counter FROM dukpt_counters WHERE device = ?', params: [device] };
  const row = result.rows[0];
  return row ? num(row.counter) : undefined;
}

/** Wrong PINs in a row journaled for a card account (0: none, or reset). */
export function* pinTries(account: string): Program<number> {
  const result = yield { sql: 'SELECT tries FROM pin_tries WHERE account = ?', params: [account] };
  const row = result.rows[0];
  return row ? num(row.tries) : 0;
}

/** Unblocks a card: as if its last PIN had been right (the issuer's PIN try counter reset). */
export function* resetPinTries(account: string): Program<void> {
  yield { sql: 'DELETE FROM pin_tries WHERE account = ?', params: [account] };
}

/** A cheap round trip: the journal answers (GET /health). */
export function* ping(): Program<void> {
  yield { sql: 'SELECT 1 AS ok', params: [] };
}

export function* balance(account: string): Program<number | undefined> {
  const result = yield { sql: 'SELECT balance FROM accounts WHERE id = ?', params: [account] };
  const row = result.rows[0];
  return row ? num(row.balance) : undefined;
}
