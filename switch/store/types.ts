/**
 * The switch's durable journal and account balances, behind one interface with a SQLite and a
 * PostgreSQL implementation. Every answer the switch sends is in the journal first: the pipeline
 * hands its entry to `commit()` and writes to the socket only after the promise resolves.
 * Exactly-once rests on the unique key (terminal, STAN, transmission date-time) and on effects
 * (debits, reversals, voids) that apply only when their journal row is new, in the same transaction.
 */

export type TxKind =
  | 'authorization'
  | 'preauthorization'
  | 'sale'
  | 'refund'
  | 'void'
  | 'balance'
  | 'completion'
  | 'advice'
  | 'reversal'
  | 'upload'
  | 'settlement'
  /** The key of a request whose reversal arrived first: the request, if it comes, is not applied. */
  | 'reversed-before-arrival';

/** What the answer carries besides the request's echoed fields: DE37, 38, 39, 54, 55 (hex). Never secrets. */
export type AnswerFields = Record<string, string>;

export interface JournalRow {
  id: number;
  terminalId: string;
  merchantId: string;
  stan: string;
  /** DE7 MMDDhhmmss */
  transmitted: string;
  mti: string;
  kind: TxKind;
  processingCode: string;
  /** minor units */
  amount: number;
  currency: string;
  maskedPan: string | null;
  wallet: string | null;
  entryMode: string | null;
  issuer: string | null;
  account: string | null;
  responseCode: string;
  authCode: string | null;
  rrn: string | null;
  /** What this row took from its account (negative: credited); 0 for rows without money. */
  debit: number;
  /** null while the row stands; 'reversed', 'voided' or 'completed' once undone. */
  closed: string | null;
  refunded: number;
  originalId: number | null;
  /** Settlement batch the row was closed in, or null while unsettled. */
  batch: string | null;
  answer: AnswerFields;
  /** MTI + processing code + amount of the request, to tell a retry from a different message reusing the key. */
  fingerprint: string;
  createdAt: string;
}

export type NewRow = Omit<JournalRow, 'id' | 'closed' | 'refunded' | 'batch' | 'createdAt'>;

export type Effect =
  /** Take `amount` from the account (negative: credit). `check`: refuse (51) when the balance is short. */
  | { type: 'debit'; account: string; amount: number; check: boolean }
  /**
   * Undo an original row's debit and mark it closed; refused (`refusal`) when it is already closed, or
   * stamped by a settlement (a hold, never counted, excepted: it can still be completed).
   */
  | { type: 'close'; originalId: number; as: 'reversed' | 'voided' | 'completed'; refusal: string | null }
  /**
   * Reverse the request with the tombstone's key. When no such row exists the tombstone takes its
   * key (so the request, arriving late, is answered from it and applied never) and the reversal is
   * refused with 25 — again by each later reversal while the tombstone is all there is; the unique key
   * decides which came first, also between processes. An original already closed or declined needs
   * nothing (00); one stamped by a settlement is not undone (12; holds and balance inquiries excepted),
   * nor one whose amount or masked PAN differs from the tombstone's (12: no partial reversal, no DE95).
   */
  | { type: 'reverse'; tombstone: NewRow }
  /**
   * Record the ATC (9F36) of a card's verified ARQC as the highest seen for `card`; refused (05) when
   * it is not above it — a replayed cryptogram. Kept in the journal, so it holds across processes and restarts.
   */
  | { type: 'atc'; card: string; atc: number }
  /** Count a refund against its original; refused (13) above the original amount. */
  | { type: 'refund'; originalId: number; amount: number }
  /**
   * Close the terminal's settlement batch: its unsettled approved rows get the batch number and are
   * counted in the same statement; refused (95, nothing stamped) when those totals differ from the
   * terminal's, unless this is the 0500 after the batch upload. Closed: the report is written — a
   * report of its own also when the terminal closed a batch of this number before (counter reset or wrapped).
   */
  | { type: 'settle'; terminalId: string; merchantId: string; batch: string; terminal: Totals; afterUpload: boolean; closedAt: string };

/**
 * A DUKPT PIN block's key serial number, split: `device` is the KSN with its transaction counter bits
 * zeroed (key set ID + device ID, hex; no secret, DE53 travels in clear), `counter` its counter.
 */
export interface KsnUse {
  device: string;
  counter: number;
}

export interface JournalEntry {
  row: NewRow;
  /** Applied only when the row is new and its answer is 00. */
  effects: Effect[];
  /**
   * The DUKPT counter of the request's PIN block, recorded as the device's highest for every new row
   * whatever its answer (the block was used: X9.24-1 allows each key once), before the effects; refused
   * (63, no effect applied) when it is not above the highest already recorded — a replayed or rolled-back KSN.
   */
  ksn?: KsnUse | undefined;
  /**
   * A PIN the HSM found right or wrong: the card account's try, counted in the journal (table
   * `pin_tries`) after the counter, so a refused replay (63) is none. A wrong one is the third → 75;
   * a right one resets the count unless the card is blocked already, when the entry is refused 75.
   */
  pin?: { account: string; ok: boolean } | undefined;
}

export type CommitResult =
  /** Written: the row as stored (its response code may differ from the entry's when an effect was refused: `refusedBy` says which). */
  | { status: 'new'; row: JournalRow; refusedBy?: Effect['type'] | 'ksn' | 'pin' }
  /** The key was already journaled (a retry): the original row, nothing applied. */
  | { status: 'duplicate'; row: JournalRow };

export interface Totals {
  creditCount: number;
  creditAmount: number;
  debitCount: number;
  debitAmount: number;
}

export interface SettlementReport {
  terminalId: string;
  merchantId: string;
  batch: string;
  inBalance: boolean;
  /** What the terminal reported in the 0500 that closed the batch (after a 95, the one after the upload): a refused 0500 writes no report. */
  terminal: Totals;
  /** Counted from exactly the rows stamped with this batch: those still standing (not closed) of the counted kinds; voids, closed rows and the 0500 itself are stamped, not counted. */
  host: Totals;
  uploaded: number;
  closedAt: string;
}

export interface TransactionFilter {
  terminalId?: string;
  merchantId?: string;
  /** ISO date (YYYY-MM-DD) of the journal time, or a range. */
  from?: string;
  to?: string;
  /** First 6 and last 4 digits with stars between: any number of stars matches any PAN length. */
  maskedPan?: string;
  rrn?: string;
  limit?: number;
  /** Continue after the row with this id (the last of the previous page), in the search's order. */
  before?: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** One transaction for all entries; resolves once it is durable. */
  commit(entries: JournalEntry[]): Promise<CommitResult[]>;
  /** The row of a request key; `mti` selects the message class (see requestClass). */
  byKey(terminalId: string, stan: string, transmitted: string, mti: string): Promise<JournalRow | undefined>;
  byRrn(rrn: string): Promise<JournalRow | undefined>;
  /** For DE61 originals: the terminal's 0100, 0200 or 0220 row with this STAN, the latest when the date matches several. */
  byStan(terminalId: string, stan: string, mmdd: string | undefined): Promise<JournalRow | undefined>;
  /** Balance in minor units; undefined: no such account. */
  balance(account: string): Promise<number | undefined>;
  /** The highest ATC of a verified ARQC journaled for the card (the `atc` effect's); undefined: none yet. */
  highestAtc(card: string): Promise<number | undefined>;
  /** The highest DUKPT transaction counter recorded for a PIN pad (`KsnUse.device`); undefined: none yet. */
  highestKsnCounter(device: string): Promise<number | undefined>;
  /** Creates the accounts that do not exist yet (balances of existing ones are kept). */
  ensureAccounts(accounts: Array<{ id: string; balance: number }>): Promise<void>;
  setBalance(account: string, balance: number): Promise<void>;
  /** Wrong PINs in a row for a card account (`pin_tries`); 3 or more: blocked (75). */
  pinTries(account: string): Promise<number>;
  resetPinTries(account: string): Promise<void>;
  /** Reserves `size` retrieval reference numbers; returns the first. Unique across processes sharing the database. */
  reserveRrns(size: number): Promise<number>;
  search(filter: TransactionFilter): Promise<JournalRow[]>;
  settlements(terminalId?: string): Promise<SettlementReport[]>;
  /** Rejects when the journal does not answer a trivial query (its database gone, its file closed). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
