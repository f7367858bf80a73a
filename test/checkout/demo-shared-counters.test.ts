// The demo and `pos sale --virtual-card` in one data folder emulate the same cards: the README's
// walk-through (demo tap, then `pos sale` against the demo's switch, then the demo again) must never
// reuse an ATC (before: the demo read its counters only at start, and its next tap was declined 05).
// And the demo PIN pad without its saved KSN starts as a fresh DUKPT device (before: the initial
// KSN again, so the next PIN block reused counter 1's key). Real composition: startDemo on SQLite,
// `pos sale` as its own process.
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import type { TestCardProfileId } from '../../protocols/testcards.js';
import { runPos } from '../support/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pos-demo-shared-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () => startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, timeouts: { pinMs: 5000, presentMs: 5000 } });

async function tapSale(demo: RunningDemo, amount: number, card: TestCardProfileId, pin?: string) {
  if (pin) demo.pinPad.enter({ pin });
  const sale = demo.terminal.sale({ amount });
  demo.kit.tap(card);
  try {
    return await sale;
  } finally {
    demo.kit.removeCards();
  }
}

it('demo tap, pos sale with the same card against the demo switch, demo tap again: three ATCs, all approved', async () => {
  const demo = await start();
  try {
    expect(await tapSale(demo, 100, 'visa')).toMatchObject({ state: 'approved' });
    const cli = await runPos(['sale', '1.00', '--host', `127.0.0.1:${demo.switchPort}`, '--virtual-card', 'visa', '--journal', join(dataDir, 'terminal-POS00001.db'), '--timeout-ms', '5000']);
    expect(JSON.parse(cli.stdout), cli.stderr).toMatchObject({ state: 'approved' });
    expect(await tapSale(demo, 200, 'visa')).toMatchObject({ state: 'approved', responseCode: '00' });
    expect(demo.kit.card('visa').atc).toBe(0x10 + 3);
    expect(JSON.parse(readFileSync(join(dataDir, 'virtual-cards.json'), 'utf8'))).toEqual({ visa: 0x10 + 2 });
  } finally {
    await demo.stop();
  }
}, 30_000);

it('virtual-devices.json lost: the PIN pad restarts as a fresh DUKPT device, never at a KSN it may have used; a corrupt one stops the demo', async () => {
  const file = join(dataDir, 'virtual-devices.json');
  let demo = await start();
  let used: string;
  try {
    expect(await tapSale(demo, 35500, 'unionpay', '1234')).toMatchObject({ state: 'approved' });
    used = demo.pinPad.currentKsn!.toString('hex').toUpperCase();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pinPadKsn: used });
  } finally {
    await demo.stop();
  }
  unlinkSync(file);
  demo = await start();
  try {
    const restarted = demo.pinPad.currentKsn!.toString('hex').toUpperCase();
    expect(restarted.slice(0, 10)).toBe(used.slice(0, 10)); // the test key set
    expect(restarted.slice(10, 15)).not.toBe(used.slice(10, 15)); // another device (TRSM ID)
    // The switch derives the new device's key from the BDK and the KSN: the PIN still verifies.
    expect(await tapSale(demo, 36000, 'unionpay', '1234')).toMatchObject({ state: 'approved', responseCode: '00' });
  } finally {
    await demo.stop();
  }
  writeFileSync(file, '{"pinPadKsn": "FFFF98');
  await expect(start()).rejects.toThrow(/virtual-devices\.json: not valid JSON .*\(fix or delete it\)/);
}, 30_000);
