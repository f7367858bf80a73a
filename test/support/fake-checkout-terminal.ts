// The terminal side of the checkout server, for server and page tests that drive it by hand: every
// operation waits for ever, the open batch is empty, and the history is `history` (kept by reference,
// so a test can add rows), unless `overrides` says otherwise. `events` is what on/off listen to.
import { EventEmitter } from 'node:events';
import type { CheckoutTerminal, StatusEvent, TransactionView } from '../../terminal/checkout/types.js';

export function fakeCheckoutTerminal(history: TransactionView[] = [], overrides: Partial<CheckoutTerminal> = {}) {
  const events = new EventEmitter();
  const terminal: CheckoutTerminal = {
    sale: () => new Promise(() => {}),
    refund: () => new Promise(() => {}),
    void: () => new Promise(() => {}),
    batchClose: () => new Promise(() => {}),
    openBatch: () => ({ batch: 1, salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 }),
    refundRefusal: () => undefined,
    hostTimeoutMs: 30_000,
    history: () => history,
    transaction: (id: string) => history.find((row) => row.id === id),
    cancel: () => {},
    devices: () => [],
    on: (event: string, listener: (value: never) => void) => events.on(event, listener as (value: unknown) => void),
    off: (event: string, listener: (...args: never[]) => void) => events.off(event, listener as (value: unknown) => void),
    ...overrides,
  };
  return { terminal, events, history, emit: (status: StatusEvent) => events.emit('status', status) };
}
