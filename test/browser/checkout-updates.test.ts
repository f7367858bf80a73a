/**
 * What the page shows when the terminal's word changes under it: a hint on the card step gets a line
 * under it that fits (a chip card swiped is not told "swipe"), and a result whose reversal was pending
 * gets its receipt when the reversal is acknowledged, also after a reload. Chromium against the
 * checkout server with a terminal the test drives (its events, its journal rows).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckout, type RunningCheckout } from '../../terminal/checkout/server.js';
import type { TransactionView } from '../../terminal/checkout/types.js';
import { checkoutReady, haveChromium, launchChromium } from '../support/browser.js';
import { fakeCheckoutTerminal } from '../support/fake-checkout-terminal.js';

const mustRun = process.env.CI === 'true';

/** A terminal whose sale ends when the test says, with the journal rows the test keeps. */
function drivenTerminal() {
  const rows = new Map<string, TransactionView>();
  let finish: (result: TransactionView) => void = () => {};
  const { terminal, emit } = fakeCheckoutTerminal([], {
    sale: () => new Promise((resolve) => (finish = resolve)),
    history: () => [...rows.values()],
    transaction: (id) => rows.get(id),
  });
  return { terminal, rows, emit, finish: (result: TransactionView) => finish(result) };
}

describe.skipIf(!haveChromium && !mustRun)('checkout page updates in chromium', () => {
  let browser: Browser;
  let page: Page;
  let checkout: RunningCheckout;
  let driven: ReturnType<typeof drivenTerminal>;

  beforeAll(async () => {
    driven = drivenTerminal();
    checkout = await startCheckout({ terminal: driven.terminal, supervisorPin: '123456', currency: { code: '156', symbol: '¥' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 768 }, locale: 'en-US' });
    await page.goto(checkout.url);
    await checkoutReady(page);
  });
  afterAll(async () => {
    await browser?.close();
    await checkout?.close();
  });

  const title = () => page.textContent('#status-title');
  const detail = () => page.textContent('#status-detail');

  async function pay(amount: string, txnId: string): Promise<void> {
    await page.fill('#amount-input', amount);
    await page.press('#amount-input', 'Enter');
    await expect.poll(() => page.getAttribute('#status', 'class')).toContain('busy');
    driven.emit({ txnId, step: 'present-card', message: 'tap, swipe or show the payment code' });
  }

  it('a hint on the card step has a line under it that agrees with it, in both languages', async () => {
    await pay('6.00', 'sale-1');
    await expect.poll(detail).toBe('Tap a card, swipe, or scan the customer’s payment code');
    driven.emit({ txnId: 'sale-1', step: 'present-card', message: 'this card has a chip: tap it instead', hint: 'tap-chip' });
    await expect.poll(title).toBe('This card has a chip: tap it instead · ¥6.00');
    // Before: "Tap a card, swipe, or scan…" under "tap it instead".
    expect(await detail()).toBe('Tap the card on the reader, or scan the customer’s payment code');
    await page.click('#lang');
    expect(await title()).toBe('此卡为芯片卡，请挥卡 · ¥6.00');
    expect(await detail()).toBe('请在读卡器上挥卡，或扫描顾客付款码'); // before: 挥卡、刷卡，或扫描顾客付款码
    driven.emit({ txnId: 'sale-1', step: 'present-card', message: 'the chip could not be used: swipe the card', hint: 'chip-failed' });
    await expect.poll(title).toBe('芯片无法使用，请刷卡 · ¥6.00');
    expect(await detail()).toBe('请刷这张卡的磁条，或扫描顾客付款码');
    await page.click('#lang');
    driven.finish({ id: 'sale-1', kind: 'sale', state: 'failed', amount: 600, reasonCode: 'cancelled', reason: 'cancelled by the operator' });
    await expect.poll(title).toBe('Not completed · ¥6.00');
  });

  it('a pending reversal acknowledged later: the result turns reversed with its receipt, also after a reload', async () => {
    await pay('4.10', 'sale-2');
    driven.emit({ txnId: 'sale-2', step: 'processing', message: 'waiting for the host' });
    const pending: TransactionView = { id: 'sale-2', kind: 'sale', state: 'reversing', amount: 410, reasonCode: 'bad-mac', reason: 'no usable answer from the host' };
    driven.rows.set('sale-2', pending);
    driven.finish(pending);
    await expect.poll(title).toBe('Not completed — reversal pending · ¥4.10');
    expect(await page.isHidden('#receipt-box')).toBe(true); // nothing to print while it is pending

    const slip = (copy: string) => `Demo slip\nREVERSED\n${copy} COPY`;
    const receipts = { en: { merchant: slip('MERCHANT'), customer: slip('CUSTOMER') }, 'zh-CN': { merchant: slip('商户存根'), customer: slip('持卡人存根') } };
    driven.rows.set('sale-2', { ...pending, state: 'reversed', receipt: receipts.en, receipts });
    driven.emit({ txnId: 'sale-2', step: 'reversed', message: 'the reversal was acknowledged' });
    await expect.poll(title).toBe('Not completed — reversed · ¥4.10');
    // Before: the title changed but the receipt box stayed hidden, after a reload too.
    await expect.poll(() => page.isVisible('#receipt-box')).toBe(true);
    expect(await page.textContent('#receipt')).toBe(slip('CUSTOMER'));
    await page.reload();
    await expect.poll(title).toBe('Not completed — reversed · ¥4.10');
    expect(await page.textContent('#receipt')).toBe(slip('CUSTOMER'));
  });
});
