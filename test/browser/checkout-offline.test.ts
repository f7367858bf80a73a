/**
 * The checkout page when its terminal goes away mid-sale (the demo killed and started again): the
 * page says the connection is lost instead of "Processing…" for ever, and when a terminal answers on
 * the same address again it shows that terminal's state (here the sale it settled at start-up).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckout, type RunningCheckout } from '../../terminal/checkout/server.js';
import type { TransactionView } from '../../terminal/checkout/types.js';
import { checkoutReady, haveChromium, launchChromium } from '../support/browser.js';
import { fakeCheckoutTerminal } from '../support/fake-checkout-terminal.js';

const mustRun = process.env.CI === 'true';

const options = { supervisorPin: '123456', currency: { code: '156', symbol: '¥' } };

describe.skipIf(!haveChromium && !mustRun)('checkout page without its terminal', () => {
  let browser: Browser;
  let page: Page;
  let checkout: RunningCheckout | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 768 }, locale: 'en-US' });
  });
  afterAll(async () => {
    await browser?.close();
    await checkout?.close();
  });

  it('mid-sale: says the connection is lost, not "Processing…"; back, it shows the sale the terminal settled', async () => {
    const first = fakeCheckoutTerminal();
    checkout = await startCheckout({ ...options, terminal: first.terminal });
    const port = Number(new URL(checkout.url).port);
    await page.goto(checkout.url);
    await checkoutReady(page);
    await page.fill('#amount-input', '4.40');
    await page.press('#amount-input', 'Enter');
    first.events.emit('status', { txnId: 'sale-1', step: 'processing', message: 'waiting for the host' });
    await expect.poll(() => page.textContent('#status-title')).toBe('Processing… · ¥4.40');

    await checkout.close(); // the terminal goes away
    checkout = undefined;
    // Before: "Processing… · ¥4.40" stayed on screen while nothing answered.
    await expect.poll(() => page.textContent('#status-title')).toBe('No connection to the terminal: reconnecting…');
    expect(await page.textContent('#status-detail')).toContain('Do not take the payment again');

    const settled: TransactionView = { id: 'sale-1', kind: 'sale', state: 'reversed', amount: 440, reasonCode: 'interrupted', reason: 'the terminal stopped before the outcome was known' };
    checkout = await startCheckout({ ...options, terminal: fakeCheckoutTerminal([settled]).terminal, port });
    await expect.poll(() => page.textContent('#status-title'), { timeout: 10_000 }).toBe('Not completed — reversed · ¥4.40');
    expect(await page.textContent('#status-detail')).toBe('Interrupted before the answer · The transaction is reversed: the customer is not charged');
  });
});
