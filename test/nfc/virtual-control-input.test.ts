// The virtual devices' control APIs refuse a property they do not know, naming it: a typo such as
// {"card":{"delayMS":150}} or {"devise":{...}} answered 200 and set no fault, so a tester believed
// a fault was in force that was not. A uid must be hex text, not a number read as one.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualMsrService } from '../../hardware/msr/virtual-msr-service.js';
import { VirtualReaderService } from '../../hardware/nfc/virtual-reader-service.js';
import { VirtualScannerService } from '../../hardware/scanner/virtual-scanner-service.js';
import { cleanupsAfterEach, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

async function post(service: { controlUrl?: string | undefined }, path: string, body: unknown) {
  const response = await fetch(`${service.controlUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

describe('virtual device control input', () => {
  it('reader: unknown properties in /tap, /remove and /faults are a 400 naming them; nothing changes', async () => {
    const service = await VirtualReaderService.start({ pty: join(tempDir(cleanups), 'pn532'), controlPort: 0 });
    cleanups.push(() => service.stop());
    for (const [path, body, error] of [
      ['/tap', { card: 'visa', removeAfter: 3 }, /^removeAfter: unknown property \(card, removeAfterApdus, uid, atc\)$/],
      ['/tap', { card: 'visa', uid: 12345678 }, /^uid: 4 or 7 bytes of hex$/],
      ['/remove', { cards: 'visa' }, /^cards: unknown property/],
      ['/faults', { devise: { dropCommands: 1 } }, /^devise: unknown property \(device, card\)$/],
      ['/faults', { card: { delayMS: 150 } }, /^card\.delayMS: unknown property \(noMatchingAid, statusWords, delayMs, malformedTlv\)$/],
      ['/faults', { device: { dropCommand: 1 } }, /^device\.dropCommand: unknown property/],
      // An unknown command name is not echoed (it could be anything the caller typed, a PAN included).
      ['/faults', { card: { statusWords: { '4761739001010010': '6A82' } } }, /^card\.statusWords: unknown command \(one of: SELECT, GET PROCESSING OPTIONS, READ RECORD, GENERATE AC\)$/],
    ] as const) {
      const answer = await post(service, path, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error, JSON.stringify(body)).toMatch(error);
    }
    const status = service.status() as { field: unknown[]; faults: { card: { delayMs: number }; device: { dropCommands: number } } };
    expect(status.field).toEqual([]);
    expect(status.faults.card.delayMs).toBe(0);
    expect(status.faults.device.dropCommands).toBe(0);
  });

  it('msr and scanner: unknown properties are a 400 naming them', async () => {
    const dir = tempDir(cleanups);
    const msr = await VirtualMsrService.start({ pty: join(dir, 'msr'), controlPort: 0 });
    cleanups.push(() => msr.stop());
    const scanner = await VirtualScannerService.start({ pty: join(dir, 'scan'), controlPort: 0 });
    cleanups.push(() => scanner.stop());
    expect(await post(msr, '/swipe', { card: 'visa', track: [2] })).toEqual({ status: 400, body: { error: 'track: unknown property (card, tracks, unreadable)' } });
    expect(await post(msr, '/raw', { hex: '41', crlf: true })).toEqual({ status: 400, body: { error: 'crlf: unknown property (hex)' } });
    expect(await post(scanner, '/scan', { text: 'abc', symbol: ']Q1' })).toEqual({ status: 400, body: { error: 'symbol: unknown property (text, symbology)' } });
    expect((msr.status() as { swipes: number }).swipes).toBe(0);
    expect((scanner.status() as { scans: number }).scans).toBe(0);
  });
});
