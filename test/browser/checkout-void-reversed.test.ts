/**
 * A void or refund that got no answer is reversed: the page says what that means for the customer by
 * the transaction's kind (a void undone leaves the sale charged; a refund undone gives nothing back),
 * in English and Chinese; and while the void is being reversed its sale offers neither Void nor Refund.
 * Before: every kind read "the customer will not be charged", and the sale still offered both.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSupervisorPin, type RunningDemo } from '../../cli/demo/demo.js';
import { demoInChromium, haveChromium, type DemoInChromium } from '../support/browser.js';

const mustRun = process.env.CI === 'true';

describe.skipIf(!haveChromium && !mustRun)('checkout page: a reversed void or refund in chromium', () => {
  let session: DemoInChromium;
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // A short host timeout turns the dropped request into a reversal quickly; the reversal's retry stays far away.
    session = await demoInChromium('checkout-void-rev', { timeouts: { hostMs: 1500, queueRetryMs: 60_000 } });
    ({ browser, page } = session);
    demo = session.demo!;
  });

  afterAll(() => session?.close());

  async function approvedSale(amount: number): Promise<string> {
    const sale = demo.terminal.sale({ amount });
    demo.kit.tap('visa');
    const result = await sale;
    demo.kit.removeCards();
    expect(result.state).toBe('approved');
    return result.id;
  }
  const post = (path: string, body: unknown) =>
    fetch(`${demo.pageUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const detail = async () => (await page.textContent('#status-detail')) ?? '';
  const saleRow = async (id: string) => {
    const { transactions } = (await (await fetch(`${demo.pageUrl}/api/transactions`)).json()) as { transactions: Array<Record<string, unknown>> };
    return transactions.find((row) => row.id === id)!;
  };

  it('a void being reversed: the sale stands and the customer is charged; the sale offers no Void or Refund until the reversal is acknowledged', async () => {
    const saleId = await approvedSale(1000);
    demo.switch.faults.set('*', { drop: true });
    expect((await post('/api/void', { original: saleId, supervisorPin: demoSupervisorPin })).status).toBe(202);
    await page.waitForSelector('.status.failed', { timeout: 15_000 });
    expect(await page.textContent('#status-title')).toBe('Void not completed — reversal pending · ¥10.00');
    expect(await detail()).toContain('the void is undone, so the sale stands and the customer is charged');
    expect(await detail()).not.toContain('not be charged');
    await page.click('#lang');
    expect(await detail()).toContain('撤销不生效，原消费仍然有效，顾客已被扣款');
    await page.click('#lang');

    const row = await saleRow(saleId);
    expect(row).toMatchObject({ state: 'approved', voidable: false });
    expect(row.refundable).toBeUndefined();
    const refund = await post('/api/refund', { original: saleId, amount: '5.00', supervisorPin: demoSupervisorPin });
    expect(refund.status).toBe(422);
    expect(await refund.json()).toMatchObject({ reasonCode: 'void-unresolved' });

    // The reversal acknowledged: the void is undone for good, the sale can be voided or refunded again.
    demo.switch.faults.clear();
    await demo.terminal.flushQueue();
    await expect.poll(async () => (await saleRow(saleId)).voidable, { timeout: 10_000 }).toBe(true);
    await expect.poll(detail).toContain('The void is reversed: the sale stands and the customer is charged');
    expect((await saleRow(saleId)).refundable).toBe(1000);
  }, 40_000);

  it('a refund reversed: the customer gets no money back from it', async () => {
    const saleId = await approvedSale(1200);
    demo.switch.faults.set('*', { drop: true });
    expect((await post('/api/refund', { original: saleId, amount: '12.00', supervisorPin: demoSupervisorPin })).status).toBe(202);
    await page.waitForSelector('.status.failed', { timeout: 15_000 });
    expect(await detail()).toContain('the customer gets no money back from this refund');
    await page.click('#lang');
    expect(await detail()).toContain('本笔退货不生效，不会退款给顾客');
    await page.click('#lang');
    demo.switch.faults.clear();
  }, 40_000);
});
