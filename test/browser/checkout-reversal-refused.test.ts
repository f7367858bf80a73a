/**
 * A reversal the host refuses (terminal/forwarder.ts: any answer but 00/25/91/96/A0) leaves its sale
 * standing, charged. The page that showed "reversal pending" (the customer "will not be charged") must
 * now say so and tell the cashier to act, with the host's code, in English and Chinese. Before: plain
 * "Approved", green, no reason. The whole demo in chromium: the switch approves the sale and drops its
 * answer, the host settles the batch meanwhile (a 0500 from another connection, as in
 * test/terminal/reversal-refused.test.ts), and the queued reversal is answered 12.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningDemo } from '../../cli/demo/demo.js';
import { testTmk } from '../../switch/config.js';
import { artifactsDir, demoInChromium, haveChromium, type DemoInChromium } from '../support/browser.js';

const mustRun = process.env.CI === 'true';

describe.skipIf(!haveChromium && !mustRun)('checkout page: a reversal the host refused, in chromium', () => {
  let session: DemoInChromium;
  let demo: RunningDemo;
  let page: Page;

  beforeAll(async () => {
    // The host timeout is the window the host settles in before the reversal is sent; the queue's own retry stays far away (the test sends it).
    session = await demoInChromium('checkout-rev-refused', { timeouts: { hostMs: 3000, queueRetryMs: 60_000 } });
    ({ page } = session);
    demo = session.demo!;
  });

  afterAll(() => session?.close());

  const title = async () => (await page.textContent('#status-title')) ?? '';
  const detail = async () => (await page.textContent('#status-detail')) ?? '';

  it('the sale stands: the page says the reversal was refused (code 12), the customer is charged and the cashier must act', async () => {
    demo.switch.faults.set('*', { drop: true });
    await page.fill('#amount-input', '12.34');
    await page.press('#amount-input', 'Enter');
    await expect.poll(title).toBe('Present card or scan code · ¥12.34');
    demo.kit.tap('visa');
    // The switch approved the sale and kept its answer. Before the terminal's wait ends (and it sends the
    // reversal), the host settles the terminal's batch from another connection: a settled sale is final
    // (docs/switch.md). That sign-on replaces the terminal's keys, so its reversal is answered A0 (not processed).
    await expect.poll(async () => (await demo.switch.store.search({ terminalId: 'DEMO0001' })).map((row) => [row.kind, row.responseCode])).toEqual([['sale', '00']]);
    // The fault acts after the journal: clear it only once the sale's answer was dropped (else a busy machine lets it through).
    await expect.poll(() => demo.switch.metrics.faultDropped).toBe(1);
    demo.switch.faults.clear();
    const host = await IsoClient.connect({ port: demo.switchPort, terminalId: 'DEMO0001', merchantId: 'DEMO00000000001', tmk: testTmk });
    try {
      await host.signOn();
      const settlement = host.message('0500', { '60.1': '00', '60.2': '000001', '74': 1, '86': 1234, '76': 0, '88': 0, '97': 'C0000000000001234' });
      expect((await host.send(settlement)).getString('39')).toBe('00');
    } finally {
      await host.close();
    }
    await expect.poll(title, { timeout: 15_000 }).toBe('Not completed — reversal pending · ¥12.34');
    demo.kit.removeCards();
    expect(await detail()).toContain('the customer will not be charged');

    // The terminal signed on again after the A0; the reversal sent again is answered 12.
    await expect.poll(async () => (await demo.terminal.flushQueue(), title()), { timeout: 15_000 }).toBe('Approved — reversal refused by the host · ¥12.34'); // before: "Approved · ¥12.34"
    expect(await detail()).toContain('The host refused the reversal (code 12 Invalid transaction) · The sale stands and the customer is charged: call the help desk');
    expect(await page.getAttribute('#status', 'class')).toBe('status approved attention'); // not the all-clear green
    expect(await page.textContent('#receipt')).toMatch(/APPROVED/); // the slip the pending reversal did not have
    await page.screenshot({ path: join(artifactsDir, 'checkout-reversal-refused.png') });

    await page.click('#lang');
    expect(await title()).toBe('交易成功，主机拒绝冲正 · ¥12.34');
    expect(await detail()).toContain('主机拒绝冲正（代码 12 无效交易） · 本笔消费有效，顾客已被扣款。请联系客服');
    await page.click('#lang');

    // The history says it too, and so does a page loaded later.
    await page.keyboard.press('Alt+2');
    await expect.poll(() => page.textContent('#history-rows tr:first-child td.result')).toBe('Approved — reversal refused by the host (12)');
    await page.keyboard.press('Alt+1');
    await page.reload();
    await expect.poll(title).toBe('Approved — reversal refused by the host · ¥12.34');
  }, 60_000);
});
