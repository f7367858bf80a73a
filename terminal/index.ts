/**
 * The terminal runtime's public API (CONTRACTS.md "Terminal API"): `startTerminal(config)` gives a
 * started `Terminal` (an EventEmitter with sale/refund/void/preauth/completion/balance,
 * batchClose, history, cancel, stop). The CLI and the checkout page use only this module.
 */
import type { TerminalConfig } from './config.js';
import { Terminal } from './terminal.js';

export async function startTerminal(config: TerminalConfig): Promise<Terminal> {
  const terminal = new Terminal(config);
  try {
    await terminal.start();
  } catch (error) {
    await terminal.stop().catch(() => {});
    throw error;
  }
  return terminal;
}

export { Terminal, BusyError, type TransactionResult, type TransactionState, type BatchResult, type StatusStep, type TerminalEvents } from './terminal.js';
export { defaultAids, defaultLimits, defaultTimeouts, type TerminalConfig, type Timeouts } from './config.js';
export { VirtualPinPad, NoPinKeyError, type PinPad, type PinResult, type PinAction } from './pinpad.js';
export type { ScannerSource, MagstripeSource, ScanEvent, SwipeEvent } from './devices.js';
export type { TxnRow, TxnKind, TxnState } from './journal.js';
export { HostUnavailableError, HostTimeoutError, HostBadMacError } from './host-link.js';
export { parseAmount, AmountError, maxAmountMinor, type AmountProblem } from './amount.js';
export { additionalAmounts, type AdditionalAmount } from './balance.js';
