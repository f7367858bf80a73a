// The demo's virtual cards against a switch journal that outlived virtual-devices.json: the switch
// keeps the highest ATC per card (card_atc) and refuses a cryptogram not above it (05, replay), so
// the demo must start each card above what the journal has seen. Real composition: startDemo with
// SQLite in a temp dir, a tap on the virtual PN532, the real switch.
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startDemo } from '../../cli/demo/demo.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pos-demo-atc-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function tapSale(logLines: string[]) {
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }));
  const demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, logger });
  try {
    const sale = demo.terminal.sale({ amount: 100 });
    demo.kit.tap('visa');
    const result = await sale;
    return { result, atc: demo.kit.card('visa').atc };
  } finally {
    await demo.stop();
  }
}

it('virtual-devices.json deleted, switch.db kept: the next tap is approved, its ATC above the journal', async () => {
  writeFileSync(join(dataDir, 'virtual-devices.json'), JSON.stringify({ atcs: { visa: 500, mastercard: 700 } }));
  const first: string[] = [];
  expect((await tapSale(first)).result).toMatchObject({ state: 'approved', responseCode: '00' }); // the journal now holds visa's ATC 501
  expect(first.join('')).not.toContain('ATCs start above');
  // A card not tapped this time keeps its saved ATC.
  expect(JSON.parse(readFileSync(join(dataDir, 'virtual-devices.json'), 'utf8'))).toMatchObject({ atcs: { visa: 501, mastercard: 700 } });

  unlinkSync(join(dataDir, 'virtual-devices.json'));
  const second: string[] = [];
  const { result, atc } = await tapSale(second);
  expect(result).toMatchObject({ state: 'approved', responseCode: '00' });
  expect(atc).toBe(502);
  const notes = second.map((line) => JSON.parse(line) as { msg: string; cards?: string[] }).filter((line) => line.msg.includes('ATCs start above'));
  expect(notes).toEqual([expect.objectContaining({ level: 30, cards: ['visa'] })]);
  expect(existsSync(join(dataDir, 'virtual-devices.json'))).toBe(true);
});
