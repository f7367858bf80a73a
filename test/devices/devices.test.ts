// `pos devices`: recognition by USB ID (usb.ids, vendor integration guides) and the listing, which
// must work with or without node-hid's native library.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { recognise } from '../../hardware/devices/known.js';
import { capture } from '../support/cli.js';

describe('recognise', () => {
  it('knows the USB-serial bridges of PN532 boards and scanner makers, by product and by vendor', () => {
    expect(recognise(0x1a86, 0x7523)?.name).toMatch(/CH340/);
    expect(recognise(0x10c4, 0xea60)?.name).toMatch(/CP210x/);
    expect(recognise(0x0403, 0x6001)?.name).toMatch(/FT232R/);
    expect(recognise(0x067b, 0x2303)?.name).toMatch(/PL2303/);
    expect(recognise(0x05e0, 0x1200)).toEqual({ kind: 'barcode-scanner', name: 'Symbol/Zebra scanner (HID keyboard emulation)', mode: 'hid-keyboard' });
    expect(recognise(0x0c2e, 0x0b61)).toEqual({ kind: 'barcode-scanner', name: 'Honeywell (Metrologic) barcode scanner' });
    expect(recognise(0x05f9, 0x1234)?.name).toMatch(/Datalogic/);
    expect(recognise(0x1eab, 0x0001)?.name).toMatch(/Newland/);
    expect(recognise(0x1234, 0x5678, 0x8c)).toEqual({ kind: 'barcode-scanner', name: 'HID-POS barcode scanner', mode: 'hid-pos' });
    expect(recognise(0x046d, 0xc52b, 0x01)).toBeUndefined();
  });
});

describe('pos devices', () => {
  it('prints JSON with serial ports and HID devices, or why HID is unavailable', async () => {
    const io = capture();
    expect(await main(['devices', '--json'], io)).toBe(0);
    const list = JSON.parse(io.stdout[0]!);
    expect(Array.isArray(list.serial.ports)).toBe(true);
    expect(typeof list.hid.available).toBe('boolean');
    if (!list.hid.available) expect(list.hid.error).toMatch(/libusb|hidraw/);
    else expect(Array.isArray(list.hid.devices)).toBe(true);
  });

  it('prints a readable list, help, and refuses stray arguments', async () => {
    const io = capture();
    expect(await main(['devices'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^Serial ports:\n[\s\S]*\nHID devices:\n/);
    const help = capture();
    expect(await main(['devices', '--help'], help)).toBe(0);
    expect(help.stdout[0]).toMatch(/usage: pos devices/);
    const bad = capture();
    expect(await main(['devices', 'usb'], bad)).toBe(2);
    expect(bad.stderr).toEqual(["pos devices: unexpected argument 'usb'"]);
  });
});
