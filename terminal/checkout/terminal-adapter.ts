/**
 * Presents a running Terminal to the checkout page: journal rows become transaction views with
 * their receipts, and device states are remembered from the terminal's events so a page that
 * connects later gets the current picture. Attach it before the terminal starts, or the first
 * device events are missed.
 */
import { receipt } from '../receipt.js';
import { tenderOf } from '../tender.js';
import type { Terminal } from '../terminal.js';
import type { TxnRow } from '../journal.js';
import type { CheckoutTerminal, DeviceState, StatusEvent, TransactionView } from './types.js';

export function checkoutTerminal(terminal: Terminal): CheckoutTerminal {
  const devices = new Map<string, DeviceState>();
  // Drivers are started before the terminal; until one reports otherwise, a configured device is ready.
  const { reader, scanners, msr, pinPad } = terminal.config;
  if (reader) devices.set('reader', { name: 'reader', state: 'ready' });
  if (scanners?.length) devices.set('scanner', { name: 'scanner', state: 'ready' });
  if (msr) devices.set('msr', { name: 'msr', state: 'ready' });
  if (pinPad) devices.set('pinpad', { name: 'pinpad', state: 'ready' });
  terminal.on('device', (device) => devices.set(device.name, device));

  const view = (row: TxnRow): TransactionView => {
    const data = { ...row, merchantId: terminal.config.merchantId, terminalId: terminal.config.terminalId, at: new Date(row.createdAt) };
    const printable = row.state === 'approved' || row.state === 'declined' || row.state === 'reversed';
    return {
      id: row.id,
      kind: row.kind,
      state: row.voidedBy ? 'voided' : row.state,
      amount: row.amount,
      tender: tenderOf(row),
      createdAt: row.createdAt,
      ...optional(row),
      ...(printable ? { receipt: { merchant: receipt(data, 'merchant'), customer: receipt(data, 'customer') } } : {}),
    };
  };

  /** A result with what only the journal knows: when, and the tender actually used. */
  const withJournal = (result: TransactionView): TransactionView => {
    const row = terminal.transaction(result.id);
    return row ? { ...result, tender: view(row).tender, createdAt: row.createdAt } : result;
  };

  return {
    sale: async (request) => withJournal(await terminal.sale(request)),
    refund: async (request) => withJournal(await terminal.refund(request)),
    void: async (request) => withJournal(await terminal.void(request)),
    batchClose: () => terminal.batchClose(),
    history: ({ limit }) => terminal.history({ limit }).map(view),
    cancel: () => terminal.cancel(),
    devices: () => [...devices.values()],
    on: (event: 'status' | 'device', listener: (value: StatusEvent & DeviceState) => void) => terminal.on(event as 'status', listener as never),
    off: (event, listener) => terminal.off(event as 'status', listener as never),
  };
}

function optional(row: TxnRow): Partial<TransactionView> {
  const out: Partial<TransactionView> = {};
  for (const key of ['responseCode', 'reason', 'reasonCode', 'maskedPan', 'scheme', 'entryMode', 'authCode', 'rrn'] as const) {
    const value = row[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}
