// `pos virtual reader`: the service on a real PTY, its HTTP control API through the CLI, and one
// real subprocess run of the bin.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { fromHex } from '../../protocols/bytes.js';
import { contactlessRead, defaultTerminalData, CardResponseError } from '../../hardware/nfc/contactless-read.js';
import { CardGoneError } from '../../hardware/nfc/card-reader.js';
import { Pn532Reader } from '../../hardware/nfc/pn532-reader.js';
import { VirtualReaderService } from '../../hardware/nfc/virtual-reader-service.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { capture, cleanupsAfterEach, startPos, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

async function openReader(path: string): Promise<Pn532Reader> {
  const reader = new Pn532Reader(new SerialTransport({ path, reconnect: false }), { ackTimeoutMs: 200 });
  await reader.start();
  cleanups.push(() => reader.stop());
  return reader;
}

describe('pos virtual (in process)', () => {
  it('prints usage, and one line naming a bad device', async () => {
    const io = capture();
    expect(await main(['virtual', '--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/reader/);
    const bad = capture();
    expect(await main(['virtual', 'toaster'], bad)).toBe(2);
    expect(bad.stderr).toEqual([expect.stringMatching(/unknown device 'toaster'/)]);
    const help = capture();
    expect(await main(['virtual', 'reader', '--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/example:/);
  });

  it('drives a served virtual reader: read, fault, tap, remove, status', async () => {
    const dir = tempDir(cleanups);
    const service = await VirtualReaderService.start({ pty: join(dir, 'pn532'), card: 'mastercard', controlPort: 0 });
    cleanups.push(() => service.stop());
    const port = new URL(service.controlUrl!).port;
    const reader = await openReader(join(dir, 'pn532'));

    await reader.waitForCard({ timeoutMs: 2000 });
    const first = await contactlessRead(reader, defaultTerminalData(fromHex('11223344')));
    expect(first.cryptogram?.source).toBe('GENERATE AC');
    await reader.release();

    const io = capture();
    expect(await main(['virtual', 'reader', 'fault', '--control-port', port, '--sw', 'generate-ac=6985'], io)).toBe(0);
    expect(JSON.parse(io.stdout[0]!).faults.card.statusWords).toEqual({ 'GENERATE AC': '6985' });
    await reader.waitForCard({ timeoutMs: 2000 });
    await expect(contactlessRead(reader, defaultTerminalData(fromHex('11223345')))).rejects.toEqual(new CardResponseError('GENERATE AC', '6985'));
    await reader.release();

    expect(await main(['virtual', 'reader', 'reset', '--control-port', port], capture())).toBe(0);
    expect(await main(['virtual', 'reader', 'remove', '--control-port', port], capture())).toBe(0);
    await expect(reader.waitForCard({ timeoutMs: 100 })).rejects.toThrow(/no card/);

    const tapped = capture();
    expect(await main(['virtual', 'reader', 'tap', 'visa', '--control-port', port, '--remove-after', '2'], tapped)).toBe(0);
    const status = JSON.parse(tapped.stdout[0]!);
    expect(status.field).toEqual([{ card: 'visa', pan: '476173******0010', uid: '08A1B2C3', atc: 16 }]);
    expect(JSON.stringify(status)).not.toMatch(/4761739001010010|0123456789ABCDEF/); // PAN masked, no keys
    await reader.waitForCard({ timeoutMs: 2000 });
    await expect(contactlessRead(reader, defaultTerminalData(fromHex('11223346')))).rejects.toBeInstanceOf(CardGoneError);
  });

  it('read: runs the real driver against a device path and prints the read with the PAN masked', async () => {
    const dir = tempDir(cleanups);
    const service = await VirtualReaderService.start({ pty: join(dir, 'pn532'), card: 'unionpay' });
    cleanups.push(() => service.stop());
    const io = capture();
    expect(await main(['virtual', 'reader', 'read', '--device', join(dir, 'pn532'), '--timeout-ms', '3000'], io)).toBe(0);
    const output = JSON.parse(io.stdout[0]!);
    expect(output).toMatchObject({ reader: { firmware: '32 v1.6' }, aid: 'A000000333010101', pan: '625094******0016', apdus: 5 });
    expect(output.cryptogram.ac).toMatch(/^[0-9A-F]{16}$/);
    expect(io.stdout[0]).not.toMatch(/6250946000000016/);
    const missing = capture();
    expect(await main(['virtual', 'reader', 'read'], missing)).toBe(2);
    expect(missing.stderr[0]).toMatch(/--device PATH is required/);
  });

  it('rejects bad control input with one line naming it', async () => {
    const dir = tempDir(cleanups);
    const service = await VirtualReaderService.start({ pty: join(dir, 'pn532'), controlPort: 0 });
    cleanups.push(() => service.stop());
    const port = new URL(service.controlUrl!).port;
    const cases: Array<[string[], RegExp]> = [
      [['tap', 'amex'], /^pos virtual reader: tap: PROFILE: unknown profile \(one of: visa, mastercard, unionpay\)$/],
      [['tap'], /missing PROFILE/],
      [['fault', '--sw', 'gpo=69'], /--sw: expected COMMAND=SW/],
      [['fault', '--malformed-tlv', 'verify'], /--malformed-tlv: unknown COMMAND \(one of: select, gpo, read-record, generate-ac\)/],
      [['fault', '--junk', 'XYZ'], /junkBeforeResponse/],
      [['dance'], /unknown ACTION \(one of: /],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      expect(await main(['virtual', 'reader', ...args, '--control-port', port], io)).toBe(2);
      expect(io.stderr).toEqual([expect.stringMatching(message)]);
    }
    for (const [args, message] of [
      [['--pty', join(dir, 'x'), '--baud', '5'], /--baud: a whole number 1200\.\.4000000/],
      [['--pty', join(dir, 'x'), '--card', 'amex'], /--card: unknown profile \(one of: visa, mastercard, unionpay\)$/],
      [['--card', 'visa'], /--pty PATH is required/],
      [['--pty', join(dir, 'x'), '--bogus'], /Unknown option '--bogus'/],
    ] as Array<[string[], RegExp]>) {
      const io = capture();
      expect(await main(['virtual', 'reader', ...args], io)).toBe(2);
      expect(io.stderr).toEqual([expect.stringMatching(message)]);
    }
    const none = capture();
    expect(await main(['virtual', 'reader', 'status'], none)).toBe(2);
    expect(none.stderr[0]).toMatch(/--control-port is required/);
    // A mistyped action is named as such, not taken for a control command missing its port; the value is not echoed (test/cli/virtual-echo.test.ts).
    for (const action of ['raed', 'toString']) {
      const typo = capture();
      expect(await main(['virtual', 'reader', action], typo)).toBe(2);
      expect(typo.stderr).toEqual(['pos virtual reader: unknown ACTION (one of: status, tap, remove, fault, reset, read)']);
    }
  });

  it('attaches to an existing PTY instead of starting socat', async () => {
    const dir = tempDir(cleanups);
    const { openPtyPair } = await import('../support/pty.js');
    const pty = await openPtyPair({ dir });
    cleanups.push(() => pty.close());
    const service = await VirtualReaderService.start({ pty: pty.a, card: 'unionpay' });
    cleanups.push(() => service.stop());
    const reader = await openReader(pty.b);
    const info = await reader.waitForCard({ timeoutMs: 2000 });
    expect(info.uid).toEqual(fromHex('08172839'));
  });
});

describe('pos virtual reader (subprocess)', () => {
  it('serves a virtual PN532 on a PTY until SIGTERM, then removes it', async () => {
    const dir = tempDir(cleanups);
    const path = join(dir, 'pn532');
    const { child, started, exited } = await startPos(['virtual', 'reader', '--pty', path, '--card', 'visa', '--control-port', '0'], cleanups);
    expect(started).toMatchObject({ pty: path, baudRate: 115200, card: 'visa' });

    const reader = new Pn532Reader(new SerialTransport({ path, reconnect: false }), { ackTimeoutMs: 200 });
    await reader.start();
    await reader.waitForCard({ timeoutMs: 3000 });
    const result = await contactlessRead(reader, defaultTerminalData(fromHex('0A0B0C0D')));
    expect(result.cryptogram?.source).toBe('GPO');
    await reader.stop();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});
