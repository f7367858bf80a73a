// The serial scanner driver through the real serialport binding over a socat PTY pair, against the
// virtual serial scanner (data, optional prefix and AIM identifier, CR / LF / CRLF suffix).
import { afterEach, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../hardware/serial/index.js';
import { ScanDecodeError, ScanIncompleteError, SerialScanner, VirtualSerialScanner, type Scan, type SerialScannerOptions, type VirtualSerialScannerOptions } from '../../hardware/scanner/index.js';
import { openPtyPair } from '../support/pty.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function rig(device: VirtualSerialScannerOptions = {}, driver: SerialScannerOptions = {}) {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const deviceSide = new SerialTransport({ path: pty.a, reconnect: false, baudRate: 9600 });
  await deviceSide.open();
  cleanups.push(() => deviceSide.close());
  const virtual = new VirtualSerialScanner(deviceSide, { baudRate: 115200, ...device });
  cleanups.push(() => virtual.close());
  const scanner = new SerialScanner(new SerialTransport({ path: pty.b, baudRate: 9600, reconnect: false, watchIntervalMs: 50 }), { idleMs: 40, ...driver });
  await scanner.start();
  cleanups.push(() => scanner.stop());
  const scans: Scan[] = [];
  const errors: Error[] = [];
  scanner.on('scan', (s) => scans.push(s));
  scanner.on('error', (e) => errors.push(e));
  const next = (event: 'scan' | 'error' | 'gone') => new Promise<unknown>((resolve) => scanner.once(event, resolve));
  return { pty, deviceSide, virtual, scanner, scans, errors, next };
}

describe('SerialScanner against the virtual serial scanner over a PTY', () => {
  it('CR suffix: codes with and without an AIM identifier, UTF-8 payloads', async () => {
    const { virtual, next, scans } = await rig();
    const merchantQr = '00020101021229300012D15600000000051059144ADF7A7A6304C0DE 支付';
    for (const [text, symbology] of [['6212345678901234567', undefined], [merchantQr, ']Q1'], ['4006381333931', ']E0']] as const) {
      const got = next('scan');
      await virtual.scan(text, symbology);
      await got;
    }
    expect(scans).toEqual([{ text: '6212345678901234567' }, { text: merchantQr, symbology: ']Q1' }, { text: '4006381333931', symbology: ']E0' }]);
  });

  it('LF and CRLF suffixes, and a configured prefix', async () => {
    const lf = await rig({ suffix: 'LF', prefix: 'S:' }, { suffix: 'LF', prefix: 'S:' });
    const a = lf.next('scan');
    await lf.virtual.scan('280012345678901234', ']Q1');
    expect(await a).toEqual({ text: '280012345678901234', symbology: ']Q1' });
    const crlf = await rig({ suffix: 'CRLF' });
    for (const code of ['first', 'second']) {
      const got = crlf.next('scan');
      await crlf.virtual.scan(code);
      expect(await got).toEqual({ text: code });
    }
    expect(crlf.errors).toEqual([]);
  });

  it('a code with no suffix: ScanIncompleteError after the idle gap by default, a scan when configured', async () => {
    const strict = await rig({ suffix: 'none' });
    const failed = strict.next('error');
    await strict.virtual.scan('12345');
    expect(await failed).toBeInstanceOf(ScanIncompleteError);
    const lenient = await rig({ suffix: 'none' }, { unterminated: 'deliver' });
    const got = lenient.next('scan');
    await lenient.virtual.scan(']C0ABC-123');
    expect(await got).toEqual({ text: 'ABC-123', symbology: ']C0' });
  });

  it('an endless line is dropped with a typed error; garbage bytes come through as Latin-1 text, never a crash', async () => {
    const { deviceSide, next, scans } = await rig({}, { maxLength: 32 });
    const failed = next('error');
    await deviceSide.write(Buffer.alloc(40, 0x31));
    expect(await failed).toEqual(new ScanDecodeError('no suffix within 32 bytes'));
    const got = next('scan');
    await deviceSide.write(Buffer.from([0xff, 0xfe, 0x41, 0x0d]));
    await got;
    expect(scans.at(-1)!.text.endsWith('ÿþA')).toBe(true); // after any tail of the dropped line
  });

  it('reports the scanner gone when the line is unplugged', async () => {
    const { pty, next } = await rig();
    const gone = next('gone');
    await pty.close();
    expect(await gone).toBeInstanceOf(Error);
  });
});
