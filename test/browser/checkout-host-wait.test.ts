/**
 * While the host does not answer (the switch drops a `.97` request) the page counts the wait against
 * the terminal's host timeout instead of a bare "Processing…", goes on counting after a reload, and
 * then says there was no answer and that the sale is reversed (or that the reversal is pending), in
 * English and Chinese. Chromium against the whole demo, with a 3 s host timeout.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../cli/demo/demo.js';
import { demoInChromium, haveChromium, type DemoInChromium } from '../support/browser.js';

const mustRun = process.env.CI === 'true';
const hostMs = 3000;

describe.skipIf(!haveChromium && !mustRun)('checkout page waiting for the host in chromium', () => {
  let session: DemoInChromium;
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    session = await demoInChromium('checkout-wait', { timeouts: { hostMs, queueRetryMs: 200 } });
    ({ browser, page } = session);
    demo = session.demo!;
  });

  afterAll(() => session?.close());

  const title = () => page.textContent('#status-title');
  const detail = () => page.textContent('#status-detail');

  /** Starts a sale and taps, then waits for the host's wait to be on screen; returns the seconds shown first. */
  async function saleUnanswered(amount: string, waiting: RegExp): Promise<void> {
    await page.fill('#amount-input', amount);
    await page.press('#amount-input', 'Enter');
    demo.kit.tap('visa');
    await expect.poll(detail, { timeout: 10_000 }).toMatch(waiting);
  }

  it('counts the wait against the host timeout, keeps counting after a reload, then says no answer and reversed', async () => {
    await saleUnanswered('10.97', /^Waiting for the host’s answer: \d s of 3 s$/); // before: an empty detail under "Processing…"
    expect(await title()).toBe('Processing… · ¥10.97');
    await expect.poll(detail, { timeout: 5000 }).toBe('Waiting for the host’s answer: 1 s of 3 s'); // it moves
    await page.reload();
    // The first count shown after the reload is from when the step began, not from the reload (0 s).
    const first = await page.waitForFunction(`(() => { const text = document.querySelector('#status-detail')?.textContent ?? ''; return /answer: \\d s of|reversed/.test(text) && text; })()`);
    expect(await first.jsonValue()).not.toContain('answer: 0 s');
    await page.waitForSelector('.status.failed', { timeout: 10_000 });
    demo.kit.removeCards();
    expect(await title()).toBe('Not completed — reversed · ¥10.97');
    expect(await detail()).toBe('No answer from the host · The transaction is reversed: the customer is not charged · 476173******0010');
    await page.click('#lang');
    expect(await title()).toBe('交易未完成，已冲正 · ¥10.97');
    expect(await detail()).toBe('主机无应答 · 交易已冲正，顾客未被扣款 · 476173******0010');
    expect(await page.textContent('#receipt')).toContain('主机无应答'); // the slip too, not NO ANSWER FROM THE HOST
    await page.click('#lang');
  });

  it('in Chinese, and when the reversal is not answered either: counts the reversal’s wait, then says it is pending; acknowledged later, reversed', async () => {
    const steps: string[] = [];
    const listener = (status: { step: string }) => steps.push(status.step);
    demo.terminal.on('status', listener);
    await page.click('#lang');
    demo.switch.faults.set('*', { drop: true });
    try {
      await saleUnanswered('10.00', /^等待主机应答：\d 秒 \/ 3 秒$/);
      expect(await title()).toBe('交易处理中… · ¥10.00');
      await expect.poll(title, { timeout: 10_000 }).toBe('正在冲正… · ¥10.00');
      expect(await detail()).toMatch(/^主机未给出确定应答，终端正在冲正 · 等待主机应答：\d 秒 \/ 3 秒$/);
      await page.waitForSelector('.status.failed', { timeout: 10_000 });
      expect(await title()).toBe('交易未完成，待冲正 · ¥10.00');
      expect(await detail()).toBe('主机无应答 · 冲正会自动重发直到主机确认，本笔不会扣顾客的款 · 476173******0010');
      await page.click('#lang');
      expect(await detail()).toBe('No answer from the host · The reversal is sent again until the host acknowledges it: the customer will not be charged for this one · 476173******0010');
    } finally {
      demo.switch.faults.clear();
      demo.kit.removeCards();
    }
    // The host answers again: the queue's retry gets the reversal through, announced outside any transaction.
    await expect.poll(() => demo.terminal.flushQueue(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => steps.includes('reversed')).toBe(true);
    demo.terminal.off('status', listener);
    // The result on screen follows the acknowledgement, and so does a page loaded afterwards (before: pending for ever).
    await expect.poll(title).toBe('Not completed — reversed · ¥10.00');
    const { lastResult } = (await (await fetch(`${demo.pageUrl}/api/state`)).json()) as { lastResult: { state: string } };
    expect(lastResult.state).toBe('reversed');
    await page.fill('#amount-input', '1.00'); // the page still takes a new sale
    await page.press('#amount-input', 'Enter');
    await expect.poll(title).toBe('Present card or scan code · ¥1.00');
    await page.click('#cancel');
    await page.waitForSelector('.status.failed');
  });
});
