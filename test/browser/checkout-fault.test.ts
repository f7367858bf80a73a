/**
 * The tester panel's "Host fault" shows the fault the switch has, read from it: after the demo
 * restarts (a fresh switch has none) the page that stayed open shows none, and a page loaded while a
 * fault was set elsewhere (the admin API, another page) shows that one. Before: the page's own last
 * choice. Chromium against the whole demo, restarted on the same page port and data folder.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import { checkoutReady, demoInChromium, haveChromium, openCheckoutPage, type DemoInChromium } from '../support/browser.js';

const mustRun = process.env.CI === 'true';

describe.skipIf(!haveChromium && !mustRun)('checkout page host fault state in chromium', () => {
  let session: DemoInChromium;
  let demo: RunningDemo | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    session = await demoInChromium('checkout-fault');
    ({ demo, browser, page } = session);
  });

  afterAll(() => session?.close());

  const fault = () => page.inputValue('#tester-fault');

  it('after a demo restart the page that stayed open shows the fresh switch’s state: none', async () => {
    await page.selectOption('#tester-fault', 'drop answers');
    await expect.poll(() => demo!.switch.faults.for('DEMO0001', '0200')).toEqual({ drop: true });
    const port = Number(new URL(demo!.pageUrl).port);
    await demo!.stop();
    demo = session.demo = undefined;
    await expect.poll(() => page.textContent('#status-title')).toBe('No connection to the terminal: reconnecting…');
    demo = session.demo = await startDemo({ dataDir: session.dataDir, port, switchPort: 0, adminPort: 0 });
    await expect.poll(() => page.textContent('#status-title'), { timeout: 15_000 }).toBe('Ready');
    await expect.poll(fault).toBe(''); // before: "drop answers", which the new switch does not have
    expect(demo.switch.faults.list()).toEqual([]);
  });

  it('a page loaded while the switch has a fault set elsewhere shows it; one the panel has no name for is shown as it is', async () => {
    demo!.switch.faults.set('*', { delayMs: 3000 });
    await page.reload();
    await expect.poll(fault).toBe('delay 3 s'); // before: none
    demo!.switch.faults.set('DEMO0001', { delayMs: 500 }); // this terminal's own fault wins over the one for all
    await page.reload();
    await expect.poll(fault).toBe('custom');
    expect(await page.textContent('#tester-fault option:checked')).toBe('set elsewhere: {"delayMs":500}');
    await page.selectOption('#tester-fault', ''); // none clears every fault
    await expect.poll(() => demo!.switch.faults.list()).toEqual([]);
    expect(await fault()).toBe('');
  });

  it('a change on another page reaches this open page over its websocket, in the order made', async () => {
    const other = await openCheckoutPage(browser, demo!.pageUrl);
    try {
      await other.selectOption('#tester-fault', 'drop answers');
      await expect.poll(fault, { timeout: 5000 }).toBe('drop answers'); // before: only after a reload or reconnect
      await other.selectOption('#tester-fault', 'disconnect');
      await other.selectOption('#tester-fault', '');
      await expect.poll(() => demo!.switch.faults.list()).toEqual([]);
      await expect.poll(fault, { timeout: 5000 }).toBe('');
      expect(await other.inputValue('#tester-fault')).toBe('');
    } finally {
      await other.close();
    }
  });

  it('the page’s own choice is not restored over the switch’s state by a reload', async () => {
    await page.selectOption('#tester-fault', 'disconnect');
    await expect.poll(() => demo!.switch.faults.list()).toEqual([{ terminal: '*', disconnect: true }]);
    demo!.switch.faults.clear();
    await page.reload();
    await checkoutReady(page);
    await expect.poll(fault).toBe('');
    await page.click('#lang');
    expect(await page.textContent('#tester-fault option:checked')).toBe('— 无 —');
    await page.click('#lang');
  });

  it('a damaged settlements file does not break the page: a reload mid-sale shows the sale, the devices and no page error', async () => {
    const port = Number(new URL(demo!.pageUrl).port);
    await demo!.stop();
    demo = session.demo = undefined;
    writeFileSync(join(session.dataDir, 'settlements.json'), JSON.stringify([{ batch: 7, inBalance: true, totals: { card: null } }]));
    demo = session.demo = await startDemo({ dataDir: session.dataDir, port, switchPort: 0, adminPort: 0 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      const sale = await fetch(`${demo.pageUrl}/api/sale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '4.50' }) });
      expect(sale.status).toBe(202);
      await page.reload();
      await expect.poll(() => page.textContent('#status-title'), { timeout: 10_000 }).toBe('Present card or scan code · ¥4.50'); // before: "Ready"
      expect(await page.isDisabled('#pay')).toBe(true);
      expect(await page.locator('#devices li').count()).toBeGreaterThan(0); // before: none
      await page.waitForLoadState('networkidle');
      expect(errors).toEqual([]); // before: "Cannot read properties of null (reading 'salesCount')"
      await page.keyboard.press('Alt+3');
      expect(await page.locator('.batch-heading').count()).toBe(0); // the damaged entry is not shown
      await page.keyboard.press('Alt+1');
    } finally {
      page.removeAllListeners('pageerror');
      await fetch(`${demo.pageUrl}/api/cancel`, { method: 'POST' });
    }
    await expect.poll(() => page.textContent('#status-title')).toMatch(/^Cancelled|Not completed/);
  });
});
