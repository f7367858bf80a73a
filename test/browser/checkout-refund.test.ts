/**
 * A refund above what is left of its sale is refused in the supervisor dialog as the amount is typed,
 * before the supervisor PIN (and again by the server before it looks at the PIN); the dialog offers
 * what is left, and a sale with nothing left offers no Refund. Chromium against the whole demo.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../cli/demo/demo.js';
import { demoInChromium, haveChromium, type DemoInChromium } from '../support/browser.js';

const mustRun = process.env.CI === 'true';

describe.skipIf(!haveChromium && !mustRun)('checkout page refund limit in chromium', () => {
  let session: DemoInChromium;
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    session = await demoInChromium('checkout-refund');
    ({ browser, page } = session);
    demo = session.demo!;
  });

  afterAll(() => session?.close());

  async function partlyRefundedSale(): Promise<string> {
    const sale = demo.terminal.sale({ amount: 2500 });
    demo.kit.tap('visa');
    const result = await sale;
    demo.kit.removeCards();
    expect(result.state).toBe('approved');
    expect((await demo.terminal.refund({ original: result.id, amount: 1000 })).state).toBe('approved');
    return result.id;
  }

  const transactions = async () => ((await (await fetch(`${demo.pageUrl}/api/transactions`)).json()) as { transactions: unknown[] }).transactions.length;

  it('the dialog offers what is left; more is refused as it is typed, before the PIN, in both languages; nothing starts', async () => {
    const id = await partlyRefundedSale();
    const before = await transactions();
    await page.keyboard.press('Alt+2');
    const refund = page.locator(`#history-rows tr[data-id="${id}"] [data-action="action.refund"]`);
    await refund.click();
    expect(await page.inputValue('#refund-amount')).toBe('15.00'); // before: 25.00, the original amount
    expect(await page.textContent('#supervisor-summary')).toContain('left to refund: ¥15.00');
    await page.fill('#refund-amount', '15.01');
    // Said before the PIN is typed (before: nothing until the PIN was entered and confirmed).
    expect(await page.textContent('#supervisor-error')).toBe('More than is left to refund: at most ¥15.00');
    await page.fill('#supervisor-pin', '123456');
    await page.click('#supervisor-ok');
    expect(await page.isVisible('#supervisor')).toBe(true);
    expect(await page.textContent('#supervisor-error')).toBe('More than is left to refund: at most ¥15.00');
    await page.click('#supervisor-cancel');

    await page.click('#lang');
    await refund.click();
    await page.fill('#refund-amount', '20');
    expect(await page.textContent('#supervisor-error')).toBe('超过可退金额，最多可退 ¥15.00');
    await page.fill('#refund-amount', '15.00');
    expect(await page.textContent('#supervisor-error')).toBe('');
    await page.click('#supervisor-cancel');
    await page.click('#lang');
    expect(await transactions()).toBe(before);
  });

  it('a refund made elsewhere meanwhile: the server refuses the stale amount before the PIN and the dialog says what is left now', async () => {
    const id = await partlyRefundedSale();
    await page.keyboard.press('Alt+2');
    await page.locator(`#history-rows tr[data-id="${id}"] [data-action="action.refund"]`).click();
    expect((await demo.terminal.refund({ original: id, amount: 500 })).state).toBe('approved'); // behind the page's back
    await page.fill('#supervisor-pin', '000000'); // wrong, and never looked at
    await page.click('#supervisor-ok');
    await expect.poll(() => page.textContent('#supervisor-error')).toBe('More than is left to refund: at most ¥10.00');
    await page.fill('#refund-amount', '10.00');
    await page.fill('#supervisor-pin', '123456');
    await page.click('#supervisor-ok');
    await page.waitForSelector('.status.approved', { timeout: 10_000 });
    expect(await page.textContent('#status-title')).toBe('Refund approved · ¥10.00');
    await page.keyboard.press('Alt+2');
    await expect.poll(() => page.locator(`#history-rows tr[data-id="${id}"] [data-action="action.refund"]`).count()).toBe(0); // nothing left
    await page.keyboard.press('Alt+1');
  });
});
