/**
 * Debian's chromium driven by playwright-core, for the checkout page's browser tests. Screenshots
 * go to test-artifacts/ (kept by CI as artifacts). Under CI=true a missing chromium is a failure,
 * never a skip: .ci/run installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type DemoOptions, type RunningDemo } from '../../cli/demo/demo.js';

export const chromiumPath = '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
export const artifactsDir = join(process.cwd(), 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Resolves once the checkout page shows Ready (connected to its terminal). */
export async function checkoutReady(page: Page): Promise<void> {
  await page.waitForFunction(`document.querySelector('#status-title')?.textContent === 'Ready'`);
}

/** A new 1024×768 en-US tab on the checkout page at `url`, once it shows Ready. */
export async function openCheckoutPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 }, locale: 'en-US' });
  await page.goto(url);
  await checkoutReady(page);
  return page;
}

export interface DemoInChromium {
  /** Replaceable: a test that restarts the demo on `dataDir` puts the new one here, for close(). */
  demo: RunningDemo | undefined;
  browser: Browser;
  page: Page;
  dataDir: string;
  /** Closes chromium, stops the demo and deletes its data folder. */
  close(): Promise<void>;
}

/** The demo on a fresh data folder (free ports) and chromium showing its checkout page, Ready. */
export async function demoInChromium(name: string, options: Partial<Omit<DemoOptions, 'dataDir'>> = {}): Promise<DemoInChromium> {
  const dataDir = mkdtempSync(join(tmpdir(), `pos-${name}-`));
  const demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, ...options });
  const browser = await launchChromium();
  const session: DemoInChromium = {
    demo,
    browser,
    page: await openCheckoutPage(browser, demo.pageUrl),
    dataDir,
    async close() {
      await browser.close();
      await session.demo?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return session;
}
