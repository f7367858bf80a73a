/**
 * Presents a running Terminal to the checkout page: journal rows become transaction views with
 * their receipts, and device states are remembered from the terminal's events so a page that
 * connects later gets the current picture. Attach it before the terminal starts, or the first
 * device events are missed.
 */
import { batchSlip, cvmOf, receipt, type ReceiptLanguage } from '../receipt.js';
import { tenderOf } from '../tender.js';
import { BusyError, type Terminal } from '../terminal.js';
import { refusedReversalCode } from '../forwarder.js';
import { HostBadMacError, HostTimeoutError, HostUnavailableError } from '../host-link.js';
import type { TxnRow } from '../journal.js';
import type { BatchView, CheckoutTerminal, DeviceState, StatusEvent, TransactionView } from './types.js';

const languages: ReceiptLanguage[] = ['en', 'zh-CN'];
/** States a slip is printed for: the host answered (or the answer was undone). */
const printable = new Set(['approved', 'declined', 'reversed']);

/** `merchantName` is printed on top of every receipt. */
export function checkoutTerminal(terminal: Terminal, options: { merchantName?: string } = {}): CheckoutTerminal {
  const devices = new Map<string, DeviceState>();
  // Drivers are started before the terminal; until one reports otherwise, a configured device is ready.
  const { reader, scanners, msr, pinPad } = terminal.config;
  if (reader) devices.set('reader', { name: 'reader', state: 'ready' });
  if (scanners?.length) devices.set('scanner', { name: 'scanner', state: 'ready' });
  if (msr) devices.set('msr', { name: 'msr', state: 'ready' });
  if (pinPad) devices.set('pinpad', { name: 'pinpad', state: 'ready' });
  terminal.on('device', (device) => devices.set(device.name, device));

  /**
   * The slips of a journal row, in each language. The live receipt and a reprint from the history
   * come from here, so they print the same lines; a reprint is marked as one. The CVM is read from
   * the journaled request (cvmOf: DE55 9F34, else DE26): a tap under the CVM-required limit signs
   * nothing. The PIN was verified when an approved request carried a PIN block: the journal keeps no
   * PIN block, but the request's DE26 (PIN capture code) is set with it and only with it.
   */
  const receipts = (row: TxnRow, state: string, reprint: boolean): TransactionView['receipts'] => {
    if (!printable.has(state)) return undefined;
    const request = terminal.journal.request(row.id);
    const cvm = cvmOf(request);
    const pinVerified = state === 'approved' && request['26'] !== undefined;
    // A refund's, void's or completion's slip names its original (trace, RRN, auth code, date).
    const original = row.originalId ? terminal.transaction(row.originalId) : undefined;
    const data = { ...row, state, pinVerified, cvm, original, merchantName: options.merchantName, merchantId: terminal.config.merchantId, terminalId: terminal.config.terminalId, at: new Date(row.createdAt) };
    const slips = (language: ReceiptLanguage) => ({ merchant: receipt(data, 'merchant', { language, reprint }), customer: receipt(data, 'customer', { language, reprint }) });
    return Object.fromEntries(languages.map((language) => [language, slips(language)])) as TransactionView['receipts'];
  };

  const view = (row: TxnRow, reprint = true): TransactionView => {
    const slips = receipts(row, row.state, reprint);
    return {
      id: row.id,
      kind: row.kind,
      state: row.voidedBy ? 'voided' : row.state,
      amount: row.amount,
      tender: tenderOf(row),
      createdAt: row.createdAt,
      // Offered exactly when the terminal's void would accept it (open batch, not refunded, …).
      voidable: terminal.referenceRefusal('void', row) === undefined,
      ...refundable(row),
      ...optional(row),
      ...(slips ? { receipt: slips.en, receipts: slips } : {}),
    };
  };

  /** What is left to refund of a row that can be refunded at all (the history offers Refund by it). */
  const refundable = (row: TxnRow): { refundable?: number } => {
    if (terminal.referenceRefusal('refund', row) !== undefined) return {};
    const left = terminal.refundable(row);
    return left > 0 ? { refundable: left } : {};
  };

  /** A result with what only the journal knows: when, and the tender actually used. */
  const withJournal = (result: TransactionView): TransactionView => {
    const row = terminal.transaction(result.id);
    if (!row) return result;
    const { receipt: _terminals, ...rest } = result;
    const slips = receipts(row, result.state, false);
    return { ...rest, ...reversalRefusal(result), tender: tenderOf(row), createdAt: row.createdAt, ...(slips ? { receipt: slips.en, receipts: slips } : {}) };
  };

  return {
    sale: async (request) => withJournal(await terminal.sale(request)),
    refund: async (request) => withJournal(await terminal.refund(request)),
    void: async (request) => withJournal(await terminal.void(request)),
    batchClose: async () => {
      const result = await terminal.batchClose().catch((error: unknown) => {
        throw batchFailure(terminal, error);
      });
      const data = { ...result, merchantName: options.merchantName, merchantId: terminal.config.merchantId, terminalId: terminal.config.terminalId, currency: terminal.config.currency ?? '156', at: new Date() };
      return { ...result, slips: Object.fromEntries(languages.map((language) => [language, batchSlip(data, { language })])) as BatchView['slips'] };
    },
    openBatch: () => {
      const batch = terminal.journal.batch;
      const open = { batch, salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 };
      // The rows batchClose counts: approved, not voided or reversed, of the kinds a settlement carries.
      for (const row of terminal.journal.settled(batch)) {
        if (row.kind === 'refund') {
          open.refundsCount++;
          open.refundsAmount += row.amount;
        } else if (row.kind === 'sale' || row.kind === 'completion') {
          open.salesCount++;
          open.salesAmount += row.amount;
        }
      }
      return open;
    },
    history: ({ limit }) => terminal.history({ limit }).map((row) => view(row)),
    transaction: (id) => {
      const row = terminal.transaction(id);
      return row && view(row, false);
    },
    refundRefusal: (originalId, amount) => {
      const original = terminal.transaction(originalId);
      if (!original) return { reasonCode: 'original-not-found', reason: 'the original transaction is not in this terminal’s journal' };
      const refusal = terminal.referenceRefusal('refund', original, amount);
      return refusal && { ...refusal, ...refundable(original) };
    },
    cancel: () => terminal.cancel(),
    devices: () => [...devices.values()],
    hostTimeoutMs: terminal.hostTimeoutMs,
    on: (event: 'status' | 'device', listener: (value: StatusEvent & DeviceState) => void) => terminal.on(event as 'status', listener as never),
    off: (event, listener) => terminal.off(event as 'status', listener as never),
  };
}

/** A batch close that did not happen, with the reason code the page words it by (and the host's response code when it refused). */
export class BatchCloseError extends Error {
  override readonly name = 'BatchCloseError';
  constructor(
    readonly reasonCode: string,
    message: string,
    readonly responseCode?: string,
  ) {
    super(message);
  }
}

function batchFailure(terminal: Terminal, error: unknown): BatchCloseError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BusyError) return new BatchCloseError('busy', message);
  if (error instanceof HostBadMacError) return new BatchCloseError('bad-mac', message);
  // The connection dropped or the answer did not come: the terminal keeps the batch open.
  if (error instanceof HostTimeoutError) return new BatchCloseError('no-answer', message);
  // Signed on but entries still queued: the flush before the 0500 is what failed.
  if (error instanceof HostUnavailableError) return new BatchCloseError(terminal.signedOn && terminal.journal.pendingQueue().length > 0 ? 'queue-waiting' : 'host-unavailable', message);
  // terminal.batchClose's refusals: "settlement answered 95 (…)", "batch upload of … answered 96".
  const refused = /answered (\w{2})\b/.exec(message);
  if (refused) return new BatchCloseError(message.startsWith('batch upload') ? 'upload-refused' : 'settlement-refused', message, refused[1]);
  return new BatchCloseError('batch-failed', message);
}

function optional(row: TxnRow): Partial<TransactionView> {
  const out: Partial<TransactionView> = {};
  for (const key of ['responseCode', 'reason', 'reasonCode', 'maskedPan', 'scheme', 'entryMode', 'authCode', 'rrn'] as const) {
    const value = row[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return { ...out, ...reversalRefusal(row) };
}

/** A transaction whose reversal the host refused: the code it refused with (the page asks the cashier to act on it). */
function reversalRefusal(row: { reasonCode?: string; reason?: string }): Pick<TransactionView, 'reversalResponseCode'> {
  const code = refusedReversalCode(row);
  return code === undefined ? {} : { reversalResponseCode: code };
}
