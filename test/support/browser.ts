/**
 * Debian's chromium driven by playwright-core, for the checkout page's browser tests. Screenshots
 * go to test-artifacts/ (kept by CI as artifacts). Under CI=true a missing chromium is a failure,
 * never a skip: .ci/run installs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

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
