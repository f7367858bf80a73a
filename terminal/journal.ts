/**
 * The terminal's journal (SQLite, WAL): every transaction is a row written BEFORE its request is
 * sent, and moved through its states as answers come; the STAN and batch counters live here so a
 * restart never reuses a STAN; the store-and-forward queue holds reversals and advices until the
 * host acknowledges them. Replayable request fields (PAN included) are sealed with AES-256-GCM
 * under a key derived from the terminal master key; track data, PIN blocks and keys are never
 * written at all. A journal belongs to one terminal: it records the terminal ID it was opened
 * for first and refuses to open for another (a journal from before the ID was kept takes the
 * first terminal that opens it). A journal is held by one process (one Journal) at a time: an
 * exclusive SQLite lock taken at open and kept until close (the OS drops it if the process dies),
 * so a second opener's start-up recovery cannot take the first's in-flight requests for interrupted.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

export type TxnKind = 'sale' | 'refund' | 'void' | 'preauth' | 'completion' | 'balance';
/**
 * pending: the request is journaled and may be on the wire; approved/declined: the host answered;
 * failed: nothing reached the host (or the host's answer was unusable and nothing was charged);
 * reversing: a reversal is queued; reversed: the host acknowledged it.
 */
export type TxnState = 'pending' | 'approved' | 'declined' | 'failed' | 'reversing' | 'reversed';

export interface TxnRow {
  id: string;
  kind: TxnKind;
  /** MTI of the request (0100, 0200, 0220): what a reversal's DE90 names. */
  mti: string;
  state: TxnState;
  tender: 'card' | 'code';
  amount: number;
  currency: string;
  stan: string;
  /** DE7 of the request, MMDDhhmmss (UTC). */
  transmitted: string;
  batch: number;
  entryMode: string;
  maskedPan?: string;
  scheme?: string;
  aid?: string;
  label?: string;
  tvr?: string;
  tsi?: string;
  authCode?: string;
  rrn?: string;
  responseCode?: string;
  reason?: string;
  reasonCode?: string;
  originalId?: string;
  /** Set on an approved sale/completion/refund once a void of it was approved. */
  voidedBy?: string;
  /** An approved balance inquiry: the host's DE54 (additional amounts), kept so a reprint prints the balance. */
  balance?: string;
  createdAt: string;
  updatedAt: string;
}

/** One queued message: a reversal (0400, 0420 when repeated) or an advice (0220). */
export interface QueueEntry {
  id: number;
  txnId: string;
  kind: 'reversal' | 'advice';
  /** ISO 8583 fields to send (by path), including DE11/DE7 fixed when the entry was queued. */
  fields: Record<string, string>;
  attempts: number;
  /** Acknowledged by the host. */
  done: boolean;
  /** Set aside because it can never be encoded (never sent). */
  parked: boolean;
}

/** Thrown when a journal is already open in another process (or another Journal of this one). */
export class JournalInUseError extends Error {
  override readonly name = 'JournalInUseError';
  constructor(readonly path: string) {
    super(`journal ${path} is in use by another process: a terminal journal is held by one process at a time`);
  }
}

/** Thrown when a journal is opened for a terminal other than the one it belongs to. */
export class JournalOwnerError extends Error {
  override readonly name = 'JournalOwnerError';
  constructor(
    readonly path: string,
    readonly owner: string,
    readonly terminalId: string,
  ) {
    super(`journal ${path} belongs to terminal ${owner}, not ${terminalId}: give each terminal its own journal`);
  }
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txns (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, mti TEXT, state TEXT NOT NULL, tender TEXT NOT NULL,
  amount INTEGER NOT NULL, currency TEXT NOT NULL, stan TEXT NOT NULL, transmitted TEXT NOT NULL,
  batch INTEGER NOT NULL, entry_mode TEXT NOT NULL, masked_pan TEXT, scheme TEXT, aid TEXT, label TEXT,
  tvr TEXT, tsi TEXT, auth_code TEXT, rrn TEXT, response_code TEXT, reason TEXT, reason_code TEXT,
  original_id TEXT, voided_by TEXT, balance TEXT, request BLOB, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS txns_batch ON txns (batch, state);
CREATE TABLE IF NOT EXISTS queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT, txn_id TEXT NOT NULL, kind TEXT NOT NULL, fields BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  created_at TEXT NOT NULL, UNIQUE (txn_id, kind));
`;

const columns: Record<string, string> = {
  state: 'state', maskedPan: 'masked_pan', scheme: 'scheme', aid: 'aid', label: 'label', tvr: 'tvr', tsi: 'tsi',
  authCode: 'auth_code', rrn: 'rrn', responseCode: 'response_code', reason: 'reason', reasonCode: 'reason_code',
  voidedBy: 'voided_by', entryMode: 'entry_mode', balance: 'balance',
};

export type TxnUpdate = Partial<Pick<TxnRow, 'state' | 'maskedPan' | 'scheme' | 'aid' | 'label' | 'tvr' | 'tsi' | 'authCode' | 'rrn' | 'responseCode' | 'reason' | 'reasonCode' | 'voidedBy' | 'entryMode' | 'balance'>>;

export class Journal {
  private readonly db: Database.Database;
  private readonly key: Buffer;

  /**
   * `path` is a file (or ':memory:'); `secret` (the TMK) keys the sealing of stored request fields;
   * `terminalId`, when given, is claimed for a journal that has none yet and must match one that has.
   * `warn` hears that a claimed journal (from before the owner was kept) already held work (default: a process warning).
   */
  constructor(path: string, secret: Buffer, terminalId?: string, warn: (message: string) => void = (message) => process.emitWarning(message, 'JournalWarning')) {
    // No busy wait: a second opener fails at once rather than queueing behind a running terminal.
    this.db = new Database(path, { timeout: 0 });
    try {
      // Held from the first write until close; WAL then uses no shared memory, so no one else can read either.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new JournalInUseError(path);
      throw error;
    }
    try {
      this.prepareSchema(path, terminalId, warn);
    } catch (error) {
      if (this.db.open) this.db.close(); // a journal that failed to open keeps no lock in this process
      throw error;
    }
    this.key = createHash('sha256').update('pos-terminal journal').update(secret).digest();
  }

  /** Settings, tables, the owner claim and the columns added since older journals. */
  private prepareSchema(path: string, terminalId: string | undefined, warn: (message: string) => void): void {
    this.db.pragma('synchronous = FULL'); // a journaled row must survive a power cut before its request goes out
    this.db.exec(schema);
    if (terminalId !== undefined) {
      // One statement: two terminals opening a fresh journal at once cannot both claim it.
      const claimed = this.db.prepare(`INSERT OR IGNORE INTO meta (name, value) VALUES ('terminal_id', ?)`).run(terminalId).changes === 1;
      const owner = this.terminalId;
      if (owner !== terminalId) throw new JournalOwnerError(path, owner!, terminalId);
      if (claimed) this.warnIfInherited(path, terminalId, warn);
    }
    // Journals from before the request's MTI was kept: add the column (rows without it fall back to their kind).
    const existing = (this.db.pragma('table_info(txns)') as Array<{ name: string }>).map((c) => c.name);
    if (!existing.includes('mti')) this.db.exec('ALTER TABLE txns ADD COLUMN mti TEXT');
    // And from before a balance inquiry's DE54 was kept.
    if (!existing.includes('balance')) this.db.exec('ALTER TABLE txns ADD COLUMN balance TEXT');
    this.db.prepare(`INSERT OR IGNORE INTO counters (name, value) VALUES ('stan', 0), ('batch', 1), ('seq', 0)`).run();
  }

  close(): void {
    this.db.close();
  }

  /** A journal from before the owner check with rows or queued messages: they go out under the claiming terminal's ID (DE41). */
  private warnIfInherited(path: string, terminalId: string, warn: (message: string) => void): void {
    const count = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    const rows = count('SELECT COUNT(*) AS n FROM txns');
    const queued = count('SELECT COUNT(*) AS n FROM queue WHERE done = 0');
    if (rows === 0 && queued === 0) return;
    warn(`journal ${path} recorded no terminal ID and now belongs to ${terminalId}: its ${rows} transaction(s) and ${queued} queued reversal(s)/advice(s) go out under ${terminalId}; if another terminal wrote them, stop and give it this journal back`);
  }

  /** The terminal this journal belongs to (undefined: opened only without one so far). */
  get terminalId(): string | undefined {
    return (this.db.prepare(`SELECT value FROM meta WHERE name = 'terminal_id'`).get() as { value: string } | undefined)?.value;
  }

  /** The next STAN, 000001–999999 then 000001 again, persisted before it is returned. */
  nextStan(): string {
    const next = this.db.transaction(() => {
      const current = this.counter('stan');
      const value = current >= 999999 ? 1 : current + 1;
      this.db.prepare(`UPDATE counters SET value = ? WHERE name = 'stan'`).run(value);
      return value;
    })();
    return String(next).padStart(6, '0');
  }

  /** Sets the STAN counter (tests of the wrap; a replacement terminal continuing a range). */
  setStan(value: number): void {
    this.db.prepare(`UPDATE counters SET value = ? WHERE name = 'stan'`).run(value);
  }

  get batch(): number {
    return this.counter('batch');
  }

  nextBatch(): number {
    const value = this.batch >= 999999 ? 1 : this.batch + 1;
    this.db.prepare(`UPDATE counters SET value = ? WHERE name = 'batch'`).run(value);
    return value;
  }

  private counter(name: string): number {
    return (this.db.prepare(`SELECT value FROM counters WHERE name = ?`).get(name) as { value: number }).value;
  }

  /** Writes a new transaction as `pending` together with the fields needed to reverse or upload it. */
  insert(row: Omit<TxnRow, 'state' | 'mti' | 'createdAt' | 'updatedAt'> & { mti?: string }, request: Record<string, string>): TxnRow {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      const seq = this.counter('seq') + 1;
      this.db.prepare(`UPDATE counters SET value = ? WHERE name = 'seq'`).run(seq);
      this.db
        .prepare(
          `INSERT INTO txns (id, seq, kind, mti, state, tender, amount, currency, stan, transmitted, batch, entry_mode, masked_pan, scheme, aid, label, original_id, request, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(row.id, seq, row.kind, row.mti ?? mtiOfKind(row.kind), row.tender, row.amount, row.currency, row.stan, row.transmitted, row.batch, row.entryMode,
          row.maskedPan ?? null, row.scheme ?? null, row.aid ?? null, row.label ?? null, row.originalId ?? null, this.seal(request), now, now);
    })();
    return this.get(row.id)!;
  }

  update(id: string, changes: TxnUpdate): TxnRow {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      sets.push(`${columns[key]!} = ?`);
      values.push(value);
    }
    sets.push('updated_at = ?');
    values.push(new Date().toISOString(), id);
    this.db.prepare(`UPDATE txns SET ${sets.join(', ')} WHERE id = ?`).run(...values);
    return this.get(id)!;
  }

  /** Stores replayable request fields again (a request completed with DE37/DE38 for a batch upload). */
  updateRequest(id: string, request: Record<string, string>): void {
    this.db.prepare(`UPDATE txns SET request = ? WHERE id = ?`).run(this.seal(request), id);
  }

  get(id: string): TxnRow | undefined {
    const raw = this.db.prepare(`SELECT * FROM txns WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    return raw ? toRow(raw) : undefined;
  }

  request(id: string): Record<string, string> {
    const raw = this.db.prepare(`SELECT request FROM txns WHERE id = ?`).get(id) as { request: Buffer } | undefined;
    return raw ? (this.open(raw.request) as Record<string, string>) : {};
  }

  history(limit: number): TxnRow[] {
    return (this.db.prepare(`SELECT * FROM txns ORDER BY seq DESC LIMIT ?`).all(limit) as Array<Record<string, unknown>>).map(toRow);
  }

  /**
   * Refunds of a transaction that stand (approved and not voided) or may still stand at the host:
   * sent and not answered yet (pending, possibly by another process on this journal) or being reversed.
   */
  standingRefunds(originalId: string): TxnRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM txns WHERE original_id = ? AND kind = 'refund' AND ((state = 'approved' AND voided_by IS NULL) OR state IN ('pending', 'reversing')) ORDER BY seq`)
        .all(originalId) as Array<Record<string, unknown>>
    ).map(toRow);
  }

  /** Voids of a transaction whose outcome is not settled (not answered yet, or being reversed): they may still stand at the host. */
  voidsInDoubt(originalId: string): TxnRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM txns WHERE original_id = ? AND kind = 'void' AND state IN ('pending', 'reversing') ORDER BY seq`)
        .all(originalId) as Array<Record<string, unknown>>
    ).map(toRow);
  }

  /**
   * Completions of a pre-authorization that took its hold or may have: approved (a void of a
   * completion does not give the hold back at the host), being reversed, or not answered yet.
   */
  standingCompletions(preauthId: string): TxnRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM txns WHERE original_id = ? AND kind = 'completion' AND state IN ('approved', 'reversing', 'pending') ORDER BY seq`)
        .all(preauthId) as Array<Record<string, unknown>>
    ).map(toRow);
  }

  /** Transactions whose outcome is not known (journaled, maybe sent, never answered): resolved at start. */
  unresolved(): TxnRow[] {
    return (this.db.prepare(`SELECT * FROM txns WHERE state = 'pending' ORDER BY seq`).all() as Array<Record<string, unknown>>).map(toRow);
  }

  /** Approved and not voided or reversed, in one batch: what the batch totals count and an upload sends. */
  settled(batch: number): TxnRow[] {
    return (
      this.db.prepare(`SELECT * FROM txns WHERE batch = ? AND state = 'approved' AND voided_by IS NULL ORDER BY seq`).all(batch) as Array<Record<string, unknown>>
    ).map(toRow);
  }

  /** Queues a reversal or advice once per transaction (a second call returns the first entry). */
  enqueue(txnId: string, kind: QueueEntry['kind'], fields: Record<string, string>): QueueEntry {
    this.db
      .prepare(`INSERT OR IGNORE INTO queue (txn_id, kind, fields, created_at) VALUES (?, ?, ?, ?)`)
      .run(txnId, kind, this.seal(fields), new Date().toISOString());
    return this.queueEntry(txnId, kind)!;
  }

  queueEntry(txnId: string, kind: QueueEntry['kind']): QueueEntry | undefined {
    const raw = this.db.prepare(`SELECT * FROM queue WHERE txn_id = ? AND kind = ?`).get(txnId, kind) as Record<string, unknown> | undefined;
    return raw ? this.toEntry(raw) : undefined;
  }

  pendingQueue(): QueueEntry[] {
    return (this.db.prepare(`SELECT * FROM queue WHERE done = 0 ORDER BY id`).all() as Array<Record<string, unknown>>).map((raw) => this.toEntry(raw));
  }

  /** Counts an attempt BEFORE it is sent, so the next one is known to be a repeat (0420). */
  markAttempt(id: number): number {
    this.db.prepare(`UPDATE queue SET attempts = attempts + 1 WHERE id = ?`).run(id);
    return (this.db.prepare(`SELECT attempts FROM queue WHERE id = ?`).get(id) as { attempts: number }).attempts;
  }

  /**
   * The host acknowledged an entry: marks it done and, for a reversal, moves its transaction from
   * `reversing` to `reversed` in the same SQLite transaction (a crash between the two would leave
   * the row `reversing` with nothing left to send). True when the row moved.
   */
  acknowledge(entry: Pick<QueueEntry, 'id' | 'txnId' | 'kind'>): boolean {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE queue SET done = 1, last_error = NULL WHERE id = ?`).run(entry.id);
      if (entry.kind !== 'reversal') return false;
      return this.db.prepare(`UPDATE txns SET state = 'reversed', updated_at = ? WHERE id = ? AND state = 'reversing'`).run(new Date().toISOString(), entry.txnId).changes > 0;
    })();
  }

  /**
   * The host refused an entry for good (`code`): the entry is finished (done, the answer kept as its
   * last error) and its transaction takes `update`, in one SQLite transaction (a crash between the two
   * would leave a row the host contradicts, or send a refused entry again).
   */
  refuse(entry: Pick<QueueEntry, 'id' | 'txnId'>, code: string, update: TxnUpdate): TxnRow {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE queue SET done = 1, last_error = ? WHERE id = ?`).run(`refused ${code}`, entry.id);
      return this.update(entry.txnId, update);
    })();
  }

  /** Rows left `reversing` although their reversal was acknowledged (a journal written before `acknowledge` was atomic): now `reversed`. */
  settleAcknowledgedReversals(): string[] {
    const rows = this.db
      .prepare(`SELECT t.id FROM txns t JOIN queue q ON q.txn_id = t.id AND q.kind = 'reversal' WHERE t.state = 'reversing' AND q.done = 1`)
      .all() as Array<{ id: string }>;
    for (const { id } of rows) this.update(id, { state: 'reversed' });
    return rows.map((r) => r.id);
  }

  /** Sets aside an entry that can never be sent (done = 2): out of the queue, kept for the record. */
  park(id: number, error: string): void {
    this.db.prepare(`UPDATE queue SET done = 2, last_error = ? WHERE id = ?`).run(error, id);
  }

  markFailed(id: number, error: string): void {
    this.db.prepare(`UPDATE queue SET last_error = ? WHERE id = ?`).run(error, id);
  }

  private toEntry(raw: Record<string, unknown>): QueueEntry {
    return {
      id: raw.id as number,
      txnId: raw.txn_id as string,
      kind: raw.kind as QueueEntry['kind'],
      fields: this.open(raw.fields as Buffer) as Record<string, string>,
      attempts: raw.attempts as number,
      done: raw.done === 1,
      parked: raw.done === 2,
    };
  }

  private seal(value: unknown): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  private open(sealed: Buffer): unknown {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8'));
  }
}

function toRow(raw: Record<string, unknown>): TxnRow {
  const optional = (key: string) => (raw[key] === null ? undefined : (raw[key] as string));
  const row: TxnRow = {
    id: raw.id as string,
    kind: raw.kind as TxnKind,
    mti: (raw.mti as string | null) ?? mtiOfKind(raw.kind as TxnKind),
    state: raw.state as TxnState,
    tender: raw.tender as 'card' | 'code',
    amount: raw.amount as number,
    currency: raw.currency as string,
    stan: raw.stan as string,
    transmitted: raw.transmitted as string,
    batch: raw.batch as number,
    entryMode: raw.entry_mode as string,
    createdAt: raw.created_at as string,
    updatedAt: raw.updated_at as string,
  };
  for (const [key, column] of Object.entries({ ...columns, originalId: 'original_id' })) {
    const value = optional(column);
    if (value !== undefined && !(key in row)) (row as unknown as Record<string, string>)[key] = value;
  }
  return row;
}

/** The MTI each kind of request goes out as (rows journaled before the MTI was kept). */
function mtiOfKind(kind: TxnKind): string {
  return kind === 'preauth' ? '0100' : kind === 'completion' ? '0220' : '0200';
}
