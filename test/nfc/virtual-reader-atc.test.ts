// `pos virtual reader`: a card tapped again (remove, then tap the same profile) is the same card to
// the switch, so its ATC goes on from where the last one of that profile stopped; before, each tap
// made a card at the profile's initial ATC and its second online sale was refused 05 as a replay.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { fromHex } from '../../protocols/bytes.js';
import { CardResponseError, contactlessRead, defaultTerminalData } from '../../hardware/nfc/contactless-read.js';
import { Pn532Reader } from '../../hardware/nfc/pn532-reader.js';
import { VirtualReaderService } from '../../hardware/nfc/virtual-reader-service.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { capture, cleanupsAfterEach, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

async function served(card?: 'visa', atc?: number, warn?: (line: string) => void) {
  const dir = tempDir(cleanups);
  const service = await VirtualReaderService.start({ pty: join(dir, 'pn532'), controlPort: 0, ...(card ? { card } : {}), ...(atc === undefined ? {} : { atc }), ...(warn ? { warn } : {}) });
  cleanups.push(() => service.stop());
  const reader = new Pn532Reader(new SerialTransport({ path: join(dir, 'pn532'), reconnect: false }), { ackTimeoutMs: 200 });
  await reader.start();
  cleanups.push(() => reader.stop());
  return { service, reader, port: new URL(service.controlUrl!).port };
}

const atcOf = (status: { field: Array<{ atc: number }> }) => status.field.map((c) => c.atc);

describe('virtual reader ATC across taps', () => {
  it('a profile tapped again goes on from its last ATC, so the switch never sees one twice', async () => {
    const { service, reader, port } = await served('visa');
    await reader.waitForCard({ timeoutMs: 2000 });
    const first = await contactlessRead(reader, defaultTerminalData(fromHex('11223344')));
    await reader.release();
    expect(first.cryptogram?.atc).toBe('0011');
    expect(service.remove('visa')).toBe(1);
    const io = capture();
    expect(await main(['virtual', 'reader', 'tap', 'visa', '--control-port', port], io)).toBe(0);
    expect(atcOf(JSON.parse(io.stdout[0]!))).toEqual([17]);
    await reader.waitForCard({ timeoutMs: 2000 });
    const second = await contactlessRead(reader, defaultTerminalData(fromHex('11223345')));
    expect(second.cryptogram?.atc).toBe('0012');
  });

  it('--atc N starts a card above a switch journal that saw it before; bad values are one line naming the field', async () => {
    const { port } = await served('visa', 500);
    const status = capture();
    expect(await main(['virtual', 'reader', 'status', '--control-port', port], status)).toBe(0);
    expect(atcOf(JSON.parse(status.stdout[0]!))).toEqual([500]);
    const tapped = capture();
    expect(await main(['virtual', 'reader', 'tap', 'visa', '--atc', '900', '--control-port', port], tapped)).toBe(0);
    expect(atcOf(JSON.parse(tapped.stdout[0]!))).toEqual([500, 900]);
    const bad = capture();
    expect(await main(['virtual', 'reader', 'tap', 'visa', '--atc', '70000', '--control-port', port], bad)).toBe(2);
    expect(bad.stderr).toEqual([expect.stringMatching(/--atc: a whole number 0\.\.65535/)]);
    const api = await fetch(`http://127.0.0.1:${port}/tap`, { method: 'POST', body: JSON.stringify({ card: 'visa', atc: -1 }), headers: { 'content-type': 'application/json' } });
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({ error: 'atc: a whole number 0..65535' });
  });

  it('a card at ATC 65535 answers 6985 to GET PROCESSING OPTIONS and says why, as with --data; it wrapped to 0 and the switch refused every sale (05)', async () => {
    const warnings: string[] = [];
    const { service, reader } = await served('visa', 65535, (line) => warnings.push(line));
    await reader.waitForCard({ timeoutMs: 2000 });
    const read = contactlessRead(reader, defaultTerminalData(fromHex('11223344')));
    await expect(read).rejects.toThrow(CardResponseError);
    await expect(read).rejects.toThrow(/6985/);
    expect(warnings).toEqual([JSON.stringify({ warning: 'visa: ATC exhausted (65535): the card refused the tap (6985)' })]);
    expect(atcOf(service.status() as { field: Array<{ atc: number }> })).toEqual([65535]);
  });
});
