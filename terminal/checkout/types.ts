/**
 * What the checkout page needs from the terminal runtime and, when virtual devices are in use, from
 * the tester's controls. The page server knows only these shapes, so the demo can compose any
 * terminal (real or virtual devices) and any host with it.
 */

import type { TxnKind } from '../journal.js';
import type { Tender } from '../tender.js';
import type { BatchResult, TerminalEvents } from '../terminal.js';

/** A transaction as the page shows it: the terminal's result or journal row, plus its receipt. */
export interface TransactionView {
  id: string;
  kind: TxnKind;
  state: string;
  amount: number;
  responseCode?: string;
  reason?: string;
  reasonCode?: string;
  /** With reason code `reversal-refused`: the code the host refused the reversal with (the transaction stands). */
  reversalResponseCode?: string;
  maskedPan?: string;
  scheme?: string;
  entryMode?: string;
  tender?: Tender;
  authCode?: string;
  rrn?: string;
  createdAt?: string;
  /** An approved sale of the open batch, not voided yet: the history offers Void for it. */
  voidable?: boolean;
  /** What is left to refund (minor units), when a refund of it is possible: the history offers Refund for it. */
  refundable?: number;
  /** The English slips (as `receipts.en`): kept for scripts that read this field. */
  receipt?: { merchant: string; customer: string };
  /** The slips in each language the page offers. */
  receipts?: Record<'en' | 'zh-CN', { merchant: string; customer: string }>;
}

export interface RefundRefusal {
  reasonCode: string;
  reason: string;
  /** What is left to refund (minor units), when the original can be refunded at all. */
  refundable?: number;
}

export type StatusEvent = TerminalEvents['status'][0];
export type DeviceState = TerminalEvents['device'][0];
/** The terminal's batch result, with its settlement slip in each language the page offers. */
export type BatchView = BatchResult & { slips?: Record<'en' | 'zh-CN', string> };
/** A settlement as the page keeps it: the batch view and when it closed (ISO 8601). */
export type SettlementView = BatchView & { closedAt: string };

/** What a batch close would settle now: the open batch's approved sales and refunds (what its totals count). */
export interface OpenBatch {
  batch: number;
  salesCount: number;
  salesAmount: number;
  refundsCount: number;
  refundsAmount: number;
}

/** The subset of the terminal's API the page drives (terminal/index.ts implements it). */
export interface CheckoutTerminal {
  sale(request: { amount: number }): Promise<TransactionView>;
  refund(request: { amount: number; original: string }): Promise<TransactionView>;
  void(request: { original: string }): Promise<TransactionView>;
  batchClose(): Promise<BatchView>;
  /** The open batch's totals, asked before a close is confirmed. */
  openBatch(): OpenBatch;
  /**
   * Why a refund of `amount` against `original` would be refused (not found, not refundable, more
   * than is left to refund), or undefined: checked before the supervisor's PIN is asked for.
   */
  refundRefusal(original: string, amount: number): RefundRefusal | undefined;
  history(options: { limit: number }): Promise<TransactionView[]> | TransactionView[];
  /** One transaction as the journal has it now, with the receipts a live result carries (not marked as reprints). */
  transaction(id: string): TransactionView | undefined;
  cancel(): void;
  devices(): DeviceState[];
  /** How long the terminal waits for the host's answer before it reverses (the page counts the wait against it). */
  readonly hostTimeoutMs: number;
  on(event: 'status', listener: (status: StatusEvent) => void): unknown;
  on(event: 'device', listener: (device: DeviceState) => void): unknown;
  off(event: 'status' | 'device', listener: (...args: never[]) => void): unknown;
}

export type HostFaultState = { fault: string | null } | { fault: 'custom'; custom: Record<string, unknown> };

/** A tester's hands on the virtual devices and the host (only present in virtual setups). */
export interface TesterControls {
  /** Card profiles a tester can tap or swipe, and sample customer codes to scan. */
  catalogue(): {
    /** Virtual contactless cards to tap. */
    cards: Array<{ id: string; label: string; maskedPan: string }>;
    /** Magnetic stripes to swipe (the page shows the service code: 201/220 chip, so a swipe is refused or fallback). */
    stripes: Array<{ id: string; label: string; serviceCode: string; maskedPan: string }>;
    codes: Array<{ id: string; label: string; text: string }>;
    /** Amount cents the host turns into an outcome (English labels: the page words them by cents). */
    outcomes: Array<{ cents: string; label: string }>;
    /** Host faults by name. */
    faults: string[];
  };
  tap(card: string): Promise<void>;
  removeCard(): Promise<void>;
  swipe(card: string): Promise<void>;
  scan(text: string): Promise<void>;
  /** Types a PIN on the virtual PIN pad, or cancels it. */
  pin(entry: { pin: string } | { cancel: true }): Promise<void>;
  /** Switches a host fault on (by name) or all faults off (null). */
  hostFault(fault: string | null): Promise<void>;
  /**
   * The fault the host has now for this terminal, read from it (never what a page last chose: the
   * host may have restarted, or been set through its admin API): a catalogue name, or `custom` with
   * the fault itself when it matches none, or null.
   */
  hostFaultState(): HostFaultState;
}
