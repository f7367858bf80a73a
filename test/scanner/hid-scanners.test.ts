// The HID scanner drivers through the in-process HID transport, fed the reports real devices send
// (boot keyboard reports, HID 1.11 B.1; HID-POS reports as Access-IS/Honeywell lay them out).
import { afterEach, describe, expect, it } from 'vitest';
import { inprocHid } from '../../hardware/inproc/index.js';
import {
  BOOT_KEYBOARD_DESCRIPTOR,
  HIDPOS_SCANNER_DESCRIPTOR,
  HidPosScanner,
  HidWedgeScanner,
  ScanDecodeError,
  ScanIncompleteError,
  VirtualHidPosScanner,
  VirtualWedgeScanner,
  type Scan,
  type Scanner,
} from '../../hardware/scanner/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function collect(scanner: Scanner) {
  const scans: Scan[] = [];
  const errors: Error[] = [];
  scanner.on('scan', (s) => scans.push(s));
  scanner.on('error', (e) => errors.push(e));
  return { scans, errors };
}
const nextEvent = (scanner: Scanner, event: 'scan' | 'error' | 'gone' | 'open') => new Promise<unknown>((resolve) => scanner.once(event, resolve));

async function wedge(options: ConstructorParameters<typeof HidWedgeScanner>[1] = {}) {
  const { transport, device } = inprocHid({ reportDescriptor: BOOT_KEYBOARD_DESCRIPTOR, name: 'wedge' });
  const scanner = new HidWedgeScanner(transport, { idleMs: 30, ...options });
  await scanner.start();
  cleanups.push(() => scanner.stop());
  return { scanner, device, virtual: new VirtualWedgeScanner(device), ...collect(scanner) };
}

async function hidpos(options: ConstructorParameters<typeof HidPosScanner>[1] = {}) {
  const { transport, device } = inprocHid({ reportDescriptor: HIDPOS_SCANNER_DESCRIPTOR, name: 'hidpos' });
  const scanner = new HidPosScanner(transport, { idleMs: 30, ...options });
  await scanner.start();
  cleanups.push(() => scanner.stop());
  return { scanner, device, virtual: new VirtualHidPosScanner(device), ...collect(scanner) };
}

describe('HID keyboard-wedge scanner', () => {
  it('delivers each code at Enter, with an AIM prefix stripped and reported', async () => {
    const { scanner, virtual, scans } = await wedge();
    const done = nextEvent(scanner, 'scan');
    virtual.scan('134567890123456789'); // a WeChat Pay style payment code
    virtual.scan(']Q1https://qr.alipay.com/bax08431');
    await done;
    await new Promise((r) => setTimeout(r, 10));
    expect(scans).toEqual([{ text: '134567890123456789' }, { text: 'https://qr.alipay.com/bax08431', symbology: ']Q1' }]);
  });

  it('a code with no Enter is a ScanIncompleteError after the idle gap (default), or delivered when configured', async () => {
    const first = await wedge();
    first.virtual.scan('123', { enter: false });
    const error = (await nextEvent(first.scanner, 'error')) as Error;
    expect(error).toBeInstanceOf(ScanIncompleteError);
    expect(error.message).toBe("scan of 3 characters had no terminator within 30 ms (check the scanner's suffix setting)");
    const second = await wedge({ unterminated: 'deliver' });
    second.virtual.scan('456', { enter: false });
    expect(await nextEvent(second.scanner, 'scan')).toEqual({ text: '456' });
  });

  it('a key with no character is a typed error; the next scan reads fine', async () => {
    const { scanner, device, virtual, scans, errors } = await wedge();
    device.sendReport(Buffer.from('00003a0000000000', 'hex')); // F1
    virtual.scan('OK');
    await nextEvent(scanner, 'scan');
    expect(errors[0]).toBeInstanceOf(ScanDecodeError);
    expect(scans).toEqual([{ text: 'OK' }]);
  });

  it('reports the device gone on unplug and open on replug', async () => {
    const { scanner, device } = await wedge();
    const gone = nextEvent(scanner, 'gone');
    device.unplug();
    await gone;
    const open = nextEvent(scanner, 'open');
    device.plug();
    await open;
  });
});

describe('HID-POS scanner', () => {
  it('reads the layout from the descriptor and reassembles long codes with their symbology', async () => {
    const { scanner, virtual, scans } = await hidpos();
    expect(scanner.layout?.data).toEqual({ offset: 5, length: 56 });
    const long = '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
    const done = nextEvent(scanner, 'scan');
    virtual.scan(long, { symbology: ']Q1' }); // UTF-8 across three reports
    expect(await done).toEqual({ text: long, symbology: ']Q1' });
    virtual.scan('4006381333931', { symbology: ']E0' });
    await nextEvent(scanner, 'scan');
    expect(scans[1]).toEqual({ text: '4006381333931', symbology: ']E0' });
  });

  it('a code whose last report never comes is a ScanIncompleteError after the idle gap', async () => {
    const { scanner, virtual } = await hidpos();
    virtual.scan('x'.repeat(100), { reports: 1 });
    const error = (await nextEvent(scanner, 'error')) as Error;
    expect(error).toBeInstanceOf(ScanIncompleteError);
    expect(error.message).toMatch(/^scan of 56 characters/);
  });

  it('refuses to start on a device that is no HID-POS scanner, or with no descriptor and no layout', async () => {
    const keyboard = inprocHid({ reportDescriptor: BOOT_KEYBOARD_DESCRIPTOR });
    await expect(new HidPosScanner(keyboard.transport).start()).rejects.toThrow(/no Decoded Data \(0x8C:0xFE\)/);
    expect(keyboard.transport.isOpen).toBe(false);
    await expect(new HidPosScanner(inprocHid().transport).start()).rejects.toThrow(/descriptor is unavailable/);
    const virtual = new VirtualHidPosScanner(inprocHid().device);
    const fed = inprocHid();
    const scanner = new HidPosScanner(fed.transport, { layout: virtual.layout });
    await scanner.start();
    cleanups.push(() => scanner.stop());
    new VirtualHidPosScanner(fed.device).scan('ok');
    expect(await nextEvent(scanner, 'scan')).toEqual({ text: 'ok' });
  });
});
