import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckout, type RunningCheckout } from '../../terminal/checkout/server.js';
import { fakeCheckoutTerminal } from '../support/fake-checkout-terminal.js';
import type { BatchView, OpenBatch, SettlementView, StatusEvent, TransactionView } from '../../terminal/checkout/types.js';

/** The terminal's side the page server listens to: status events and one batch close held open until the test lets it finish. */
function heldTerminal(history: TransactionView[] = [], open: OpenBatch = { batch: 1, salesCount: 1, salesAmount: 100, refundsCount: 0, refundsAmount: 0 }) {
  let finishBatch: (batch: BatchView) => void = () => {};
  const fake = fakeCheckoutTerminal(history, { batchClose: () => new Promise<BatchView>((resolve) => (finishBatch = resolve)), openBatch: () => open });
  return { ...fake, finishBatch: (batch: BatchView) => finishBatch(batch) };
}

/** Close batch as a page sends it: with the figures the cashier confirmed. */
const closeBatch = (url: string, confirmed: OpenBatch = { batch: 1, salesCount: 1, salesAmount: 100, refundsCount: 0, refundsAmount: 0 }) =>
  fetch(`${url}/api/batch/close`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(confirmed) });

let checkout: RunningCheckout | undefined;
afterEach(async () => {
  await checkout?.close();
  checkout = undefined;
});

describe('checkout server', () => {
  // Batch close first empties the store-and-forward queue: a completion advice the host refuses then
  // emits `declined` for its own (earlier) transaction. That is a notice, never the batch's status.
  it('a status of a queued entry finishing during batch close is not taken for the batch', async () => {
    const held = heldTerminal();
    checkout = await startCheckout({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    expect((await closeBatch(checkout.url)).status).toBe(202);
    held.emit({ txnId: 'completion-1', step: 'declined', message: 'the host declined the completion advice (13: invalid amount): not captured' });
    const state = (await (await fetch(`${checkout.url}/api/state`)).json()) as { inFlight: { kind: string; txnId?: string; status?: StatusEvent } };
    expect(state.inFlight.kind).toBe('batch');
    expect(state.inFlight.txnId).toBeUndefined();
    expect(state.inFlight.status).toBeUndefined();
    held.finishBatch({ batch: 1, inBalance: true, uploaded: 0, totals: {}, responseCode: '00', slip: '' });
  });

  // A page that reloads mid-sale restores the card step from /api/state: the hint key must survive, since the page reads it, not the words.
  it('a status hint reaches the page with its message; the next status without one replaces it', async () => {
    const held = heldTerminal();
    checkout = await startCheckout({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    const sale = await fetch(`${checkout.url}/api/sale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '6.00' }) });
    expect(sale.status).toBe(202);
    const status = async () => ((await (await fetch(`${checkout!.url}/api/state`)).json()) as { inFlight: { status?: StatusEvent } }).inFlight.status;
    held.emit({ txnId: 'sale-1', step: 'present-card', message: 'tap, swipe or show the payment code' });
    held.emit({ txnId: 'sale-1', step: 'present-card', message: 'this card has a chip: tap it instead', hint: 'tap-chip' });
    expect(await status()).toEqual({ txnId: 'sale-1', step: 'present-card', message: 'this card has a chip: tap it instead', hint: 'tap-chip' });
    held.emit({ txnId: 'sale-1', step: 'reading-card', message: 'reading the card: keep it on the reader' });
    expect(await status()).toEqual({ txnId: 'sale-1', step: 'reading-card', message: 'reading the card: keep it on the reader' });
  });

  // The demo killed mid-sale and started again: the terminal reverses the sale it found unfinished.
  it('a transaction the terminal settled at start-up after an interruption is the last result; its reversal acknowledged later updates it', async () => {
    const interrupted: TransactionView = { id: 'sale-9', kind: 'sale', state: 'reversing', amount: 440, reasonCode: 'interrupted', reason: 'the terminal stopped before the outcome was known' };
    const held = heldTerminal([interrupted]);
    checkout = await startCheckout({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    const last = async () => ((await (await fetch(`${checkout!.url}/api/state`)).json()) as { lastResult: TransactionView | null }).lastResult;
    expect(await last()).toEqual(interrupted); // before: null, the page said "Ready"
    // Acknowledged later: the journal's row now, with the receipt a pending reversal did not have (before: only the state changed, no receipt).
    const receipts = { en: { merchant: 'REVERSED m', customer: 'REVERSED c' }, 'zh-CN': { merchant: '已冲正 m', customer: '已冲正 c' } };
    held.history[0] = { ...interrupted, state: 'reversed', receipt: receipts.en, receipts };
    held.emit({ txnId: 'sale-9', step: 'reversed', message: 'reversal acknowledged' });
    expect(await last()).toMatchObject({ state: 'reversed', receipts });
  });

  // The host refused the last result's reversal (terminal/forwarder.ts): the sale stands, charged. The page
  // (and one loaded later) must read that, not the pending reversal's "the customer will not be charged".
  it('a refused reversal of the last result: it is shown approved, reversal-refused, with the code the host refused it with', async () => {
    const reversing: TransactionView = { id: 'sale-3', kind: 'sale', state: 'reversing', amount: 1234, reasonCode: 'no-answer', reason: 'no answer from the host' };
    const held = heldTerminal([reversing]);
    held.terminal.sale = async () => reversing;
    checkout = await startCheckout({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    const last = async () => ((await (await fetch(`${checkout!.url}/api/state`)).json()) as { lastResult: TransactionView | null }).lastResult;
    const sale = await fetch(`${checkout.url}/api/sale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '12.34' }) });
    expect(sale.status).toBe(202);
    await expect.poll(last).toEqual(reversing);
    const refused: TransactionView = { ...reversing, state: 'approved', reasonCode: 'reversal-refused', reason: 'the host refused the reversal (12: invalid transaction): the transaction stands, charged', reversalResponseCode: '12' };
    held.history[0] = refused;
    held.emit({ txnId: 'sale-3', step: 'approved', message: refused.reason! });
    expect(await last()).toEqual(refused);
  });

  // Ctrl-C mid-sale: the page lost its socket before the outcome; the next start shows how the sale ended.
  describe('an operation the process stopped in', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const sale = (url: string) => fetch(`${url}/api/sale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '8.97' }) });
    const last = async (url: string) => ((await (await fetch(`${url}/api/state`)).json()) as { lastResult: TransactionView | null }).lastResult;
    const options = (held: ReturnType<typeof heldTerminal>) => ({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' }, inFlightPath: join(dir, 'in-flight.json') });

    it('sent: the next start shows its journal row (being reversed), whatever its reason code', async () => {
      dir = mkdtempSync(join(tmpdir(), 'checkout-in-flight-'));
      const held = heldTerminal();
      checkout = await startCheckout(options(held));
      expect((await sale(checkout.url)).status).toBe(202);
      held.emit({ txnId: 'sale-5', step: 'present-card', message: 'tap' });
      held.emit({ txnId: 'sale-5', step: 'processing', message: 'waiting for the host' });
      await checkout.close(); // the demo's Ctrl-C: the page goes first, then the terminal ends the sale
      const stopped: TransactionView = { id: 'sale-5', kind: 'sale', state: 'reversing', amount: 897, reasonCode: 'no-answer', reason: 'no answer from the host: the terminal stopped while waiting for the host' };
      checkout = await startCheckout(options(heldTerminal([stopped])));
      expect(await last(checkout.url)).toEqual(stopped); // before: null ("Ready"), as its reason code is not "interrupted"
    });

    it('on the card step: nothing was sent, and the next start says so', async () => {
      dir = mkdtempSync(join(tmpdir(), 'checkout-in-flight-'));
      const held = heldTerminal([{ id: 'sale-1', kind: 'sale', state: 'approved', amount: 100, reasonCode: 'approved' }]);
      checkout = await startCheckout(options(held));
      expect((await sale(checkout.url)).status).toBe(202);
      held.emit({ txnId: 'sale-6', step: 'present-card', message: 'tap' });
      await checkout.close();
      checkout = await startCheckout(options(held));
      expect(await last(checkout.url)).toEqual({ id: 'sale-6', kind: 'sale', state: 'failed', amount: 897, reasonCode: 'terminal-stopped', reason: 'the terminal stopped before the transaction was sent; nothing was charged' });
      // Still shown after another restart: nothing else happened since.
      await checkout.close();
      checkout = await startCheckout(options(held));
      expect((await last(checkout.url))?.id).toBe('sale-6');
    });

    // A void's amount is its sale's: before, the in-flight file kept 0 and the page said "Void not completed · ¥0.00".
    it('a void stopped before its first status: shown with the voided sale’s amount', async () => {
      dir = mkdtempSync(join(tmpdir(), 'checkout-in-flight-'));
      const held = heldTerminal([{ id: 'sale-8', kind: 'sale', state: 'approved', amount: 2345, reasonCode: 'approved' }]);
      checkout = await startCheckout(options(held));
      const voided = await fetch(`${checkout.url}/api/void`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ original: 'sale-8', supervisorPin: '1234' }) });
      expect(voided.status).toBe(202);
      expect(((await (await fetch(`${checkout.url}/api/state`)).json()) as { inFlight: { kind: string; amount?: number } }).inFlight).toMatchObject({ kind: 'void', amount: 2345 });
      await checkout.close();
      checkout = await startCheckout(options(held));
      expect(await last(checkout.url)).toEqual({ id: '', kind: 'void', state: 'failed', amount: 2345, reasonCode: 'terminal-stopped', reason: 'the terminal stopped before the transaction was sent; nothing was charged' });
    });

    it('an operation that ended while the page was there is not shown again; a damaged file is ignored', async () => {
      dir = mkdtempSync(join(tmpdir(), 'checkout-in-flight-'));
      const approved: TransactionView = { id: 'sale-7', kind: 'sale', state: 'approved', amount: 897, reasonCode: 'approved' };
      const held = heldTerminal([approved]);
      let finish: (result: TransactionView) => void = () => {};
      held.terminal.sale = () => new Promise((resolve) => (finish = resolve));
      checkout = await startCheckout(options(held));
      expect((await sale(checkout.url)).status).toBe(202);
      held.emit({ txnId: 'sale-7', step: 'processing', message: 'waiting for the host' });
      finish(approved);
      await expect.poll(() => last(checkout!.url)).toEqual(approved);
      await checkout.close();
      checkout = await startCheckout(options(held));
      expect(await last(checkout.url)).toBeNull();
      await checkout.close();
      writeFileSync(join(dir, 'in-flight.json'), '{"kind":"sale","amount":-1}');
      checkout = await startCheckout(options(held));
      expect(await last(checkout.url)).toBeNull();
    });
  });

  it('an ordinary newest transaction is not shown again after a restart', async () => {
    checkout = await startCheckout({ terminal: heldTerminal([{ id: 'sale-1', kind: 'sale', state: 'approved', amount: 100, reasonCode: 'approved' }]).terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    expect(((await (await fetch(`${checkout.url}/api/state`)).json()) as { lastResult: unknown }).lastResult).toBeNull();
  });

  it('an empty batch is not closed: 422 naming the batch, nothing starts', async () => {
    const held = heldTerminal([], { batch: 7, salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 });
    checkout = await startCheckout({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    const answer = await closeBatch(checkout.url, { batch: 7, salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 });
    expect(answer.status).toBe(422); // before: 202, and the day's report replaced by an empty one
    expect(await answer.json()).toEqual({ error: 'batch-empty', message: 'batch 7 has no transactions to settle' });
    expect(((await (await fetch(`${checkout.url}/api/state`)).json()) as { inFlight: unknown }).inFlight).toBeNull();
  });

  // The page confirmed 1 sale ¥10.00; another till's ¥200.00 sale came before OK: before, 202 and both were settled.
  it('a close whose confirmed figures are not the open batch’s is refused 409 batch-changed with the figures as they are; nothing starts', async () => {
    const open = { batch: 3, salesCount: 2, salesAmount: 21_000, refundsCount: 0, refundsAmount: 0 };
    checkout = await startCheckout({ terminal: heldTerminal([], open).terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
    const inFlight = async () => ((await (await fetch(`${checkout!.url}/api/state`)).json()) as { inFlight: unknown }).inFlight;
    for (const stale of [{ ...open, salesCount: 1, salesAmount: 1000 }, { ...open, salesAmount: 20_000 }, { ...open, batch: 2 }, { ...open, refundsCount: 1, refundsAmount: 5 }]) {
      const answer = await closeBatch(checkout.url, stale);
      expect(answer.status).toBe(409);
      expect(await answer.json()).toEqual({ error: 'batch-changed', message: 'batch 3 is no longer what was confirmed: confirm its figures again', open });
      expect(await inFlight()).toBeNull();
    }
    const unconfirmed = await fetch(`${checkout.url}/api/batch/close`, { method: 'POST' });
    expect(unconfirmed.status).toBe(400); // what is settled must have been confirmed
    expect(await inFlight()).toBeNull();
    expect((await closeBatch(checkout.url, open)).status).toBe(202);
    expect(await inFlight()).toMatchObject({ kind: 'batch' });
  });

  it('the last settlement is kept: read again after the close, and from its file after a restart; a damaged file is no settlement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-settlements-'));
    const settlementsPath = join(dir, 'settlements.json');
    try {
      const held = heldTerminal();
      checkout = await startCheckout({ terminal: held.terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' }, settlementsPath });
      const last = async () => ((await (await fetch(`${checkout!.url}/api/batch/last`)).json()) as { settlement: SettlementView | null }).settlement;
      expect(await last()).toBeNull(); // none closed yet
      expect(((await (await fetch(`${checkout.url}/api/batch/open`)).json()) as OpenBatch).salesCount).toBe(1);
      await closeBatch(checkout.url);
      const batch: BatchView = { batch: 1, inBalance: true, uploaded: 0, totals: { card: { salesCount: 1, salesAmount: 100, refundsCount: 0, refundsAmount: 0 } }, responseCode: '00', slip: 'SLIP' };
      held.finishBatch(batch);
      await expect.poll(last).not.toBeNull();
      const kept = (await last())!;
      expect(kept).toMatchObject(batch);
      expect(Date.parse(kept.closedAt)).not.toBeNaN();
      await checkout.close();
      checkout = await startCheckout({ terminal: heldTerminal().terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' }, settlementsPath });
      expect(await last()).toEqual(kept);
      await checkout.close();
      // Entries the page could not show are dropped one by one, each logged; the good ones stay.
      const lines: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
      const warnings = () =>
        lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'checkout: settlement entry dropped').map(({ path, index, problem }) => ({ path, index, problem }));
      const damaged = [{ batch: 7, inBalance: true, totals: { card: null } }, { ...kept, totals: { card: { ...batch.totals.card, salesCount: '1' } } }, 'x', kept];
      writeFileSync(settlementsPath, JSON.stringify(damaged));
      checkout = await startCheckout({ terminal: heldTerminal().terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' }, settlementsPath, logger });
      expect(await last()).toEqual(kept); // before: the first entry, whose null totals broke the page (pageerror, no devices, "Ready" mid-sale)
      expect(warnings()).toEqual([
        { path: settlementsPath, index: 0, problem: 'uploaded is not a count' },
        { path: settlementsPath, index: 1, problem: 'totals.card.salesCount is not a count' },
        { path: settlementsPath, index: 2, problem: 'not an object' },
      ]);
      await checkout.close();
      writeFileSync(settlementsPath, JSON.stringify([{ ...kept, totals: { card: null } }]));
      checkout = await startCheckout({ terminal: heldTerminal().terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' }, settlementsPath, logger });
      expect(await last()).toBeNull();
      expect(warnings().at(-1)).toEqual({ path: settlementsPath, index: 0, problem: 'totals.card is not an object' });
      await checkout.close();
      writeFileSync(settlementsPath, '{"half');
      checkout = await startCheckout({ terminal: heldTerminal().terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' }, settlementsPath });
      expect(await last()).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
