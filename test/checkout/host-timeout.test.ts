/**
 * The page counts the host wait against the Terminal's own effective host timeout (Terminal.hostTimeoutMs,
 * its timeouts merged over the defaults), not a second copy of that merge in the checkout adapter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import { defaultTimeouts } from '../../terminal/config.js';
import { checkoutTerminal } from '../../terminal/checkout/terminal-adapter.js';

let demo: RunningDemo | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await demo?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it.each([
  ['set', { hostMs: 1234 }, 1234],
  ['left to the default', { presentMs: 5000 }, defaultTimeouts.hostMs],
])('host timeout %s: the Terminal, the adapter and /api/config agree', async (_name, timeouts, expected) => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-host-timeout-'));
  demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, timeouts });
  expect(demo.terminal.hostTimeoutMs).toBe(expected);
  expect(checkoutTerminal(demo.terminal).hostTimeoutMs).toBe(expected);
  const config = (await (await fetch(`${demo.pageUrl}/api/config`)).json()) as { hostTimeoutMs: number };
  expect(config.hostTimeoutMs).toBe(expected);
});
