// The pure scanner decoders against published bytes: HID 1.11 (boot keyboard report, appendix B.1;
// report descriptor, appendix E.6), HID Usage Tables §10 (Keyboard/Keypad page), the HID-POS usage
// tables (page 0x8C), Access-IS LSR116/LSR118/ATR110 manuals' example HID-POS input report, and
// AIM identifiers (ISO/IEC 15424, as scanner manuals list them).
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { DecodeError, EncodeError } from '../../protocols/errors.js';
import {
  BootKeyboardDecoder,
  HidPosDecoder,
  encodeBootKeyboard,
  encodeHidPosReports,
  findInputUsage,
  hidPosLayout,
  parseReportDescriptor,
  stripAim,
  USAGE_DECODED_DATA,
} from '../../protocols/scanner/index.js';
import { BOOT_KEYBOARD_DESCRIPTOR, HIDPOS_SCANNER_DESCRIPTOR } from '../../hardware/scanner/virtual-hid-scanners.js';

const report = (hex: string) => fromHex(hex);

describe('AIM identifiers', () => {
  it('strips and reports ]cm', () => {
    expect(stripAim(']Q1hello')).toEqual({ text: 'hello', symbology: ']Q1' });
    expect(stripAim(']C1011234567890123')).toEqual({ text: '011234567890123', symbology: ']C1' });
    expect(stripAim(']d2x')).toEqual({ text: 'x', symbology: ']d2' });
    expect(stripAim('134567890123456789')).toEqual({ text: '134567890123456789' });
    expect(stripAim(']]Q')).toEqual({ text: ']]Q' });
  });
});

describe('boot keyboard reports (keyboard wedge)', () => {
  it('types letters, shifted letters and symbols, digits; Enter ends the scan', () => {
    const d = new BootKeyboardDecoder();
    const reports = [
      '00 00 04 00 00 00 00 00', // a
      '00 00 00 00 00 00 00 00',
      '02 00 04 00 00 00 00 00', // Shift+a = A
      '00 00 00 00 00 00 00 00',
      '20 00 1F 00 00 00 00 00', // RShift+2 = @
      '00 00 00 00 00 00 00 00',
      '00 00 27 00 00 00 00 00', // 0
      '00 00 00 00 00 00 00 00',
      '00 00 62 00 00 00 00 00', // keypad 0
      '00 00 00 00 00 00 00 00',
      '00 00 38 00 00 00 00 00', // /
      '00 00 00 00 00 00 00 00',
    ];
    for (const r of reports) expect(d.push(report(r))).toEqual([]);
    expect(d.pending).toBe('aA@00/');
    expect(d.push(report('00 00 28 00 00 00 00 00'))).toEqual(['aA@00/']);
    expect(d.pending).toBe('');
  });

  it('a held key types once; the same character twice needs a release; rolled reports type each new key', () => {
    const d = new BootKeyboardDecoder();
    d.push(report('00 00 05 00 00 00 00 00'));
    d.push(report('00 00 05 00 00 00 00 00')); // still held
    d.push(report('00 00 00 00 00 00 00 00'));
    d.push(report('00 00 05 00 00 00 00 00'));
    d.push(report('00 00 05 06 00 00 00 00')); // c pressed while b is held
    expect(d.push(report('00 00 58 00 00 00 00 00'))).toEqual(['bbc']); // keypad Enter
  });

  it('ErrorRollOver leaves the state as it was (HID 1.11 appendix C)', () => {
    const d = new BootKeyboardDecoder();
    d.push(report('00 00 04 00 00 00 00 00'));
    expect(d.push(report('00 00 01 01 01 01 01 01'))).toEqual([]);
    d.push(report('00 00 04 00 00 00 00 00')); // a still held: not typed again
    expect(d.pending).toBe('a');
  });

  it('Ctrl+] is GS (GS1 separator); Caps Lock flips letters only', () => {
    const d = new BootKeyboardDecoder();
    d.push(report('01 00 30 00 00 00 00 00'));
    d.push(report('00 00 39 00 00 00 00 00'));
    d.push(report('00 00 00 00 00 00 00 00'));
    d.push(report('00 00 04 00 00 00 00 00'));
    d.push(report('00 00 1E 00 00 00 00 00'));
    expect(d.flush()).toBe('\x1dA1');
  });

  it('refuses keys with no character, Alt combinations and wrong report sizes, with where', () => {
    const d = new BootKeyboardDecoder();
    expect(() => d.push(report('00 00 3A 00 00 00 00 00'))).toThrow(new DecodeError('boot keyboard report', 'key 1', 2, 'usage 0x3a types no character'));
    expect(() => d.push(report('04 00 59 00 00 00 00 00'))).toThrow(/Alt\/GUI/);
    expect(() => d.push(report('00 00 04'))).toThrow(new DecodeError('boot keyboard report', '', 3, 'is 3 bytes, not 8'));
  });

  it('encodes what a wedge sends (press, release, Enter) and decodes it back', () => {
    const text = 'https://qr.alipay.com/bax08431?x=1&y=[2]\x1d';
    const reports = encodeBootKeyboard(text);
    expect(reports[0]).toEqual(report('00 00 0B 00 00 00 00 00'));
    expect(reports[1]).toEqual(Buffer.alloc(8));
    expect(reports.at(-2)).toEqual(report('00 00 28 00 00 00 00 00'));
    const d = new BootKeyboardDecoder();
    expect(reports.flatMap((r) => d.push(r))).toEqual([text]);
    expect(() => encodeBootKeyboard('支付')).toThrow(EncodeError);
  });
});

describe('HID report descriptors', () => {
  it('lays out the HID 1.11 appendix E.6 boot keyboard descriptor', () => {
    const d = parseReportDescriptor(BOOT_KEYBOARD_DESCRIPTOR);
    expect(d.reportBytes.get('input:0')).toBe(8);
    expect(d.reportBytes.get('output:0')).toBe(1);
    const keys = d.fields.find((f) => f.kind === 'input' && f.bitOffset === 16)!;
    expect([keys.size, keys.count, keys.usages[0]]).toEqual([8, 6, 0x00070000]);
    expect(d.fields[0]!.usages).toEqual([0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7].map((u) => 0x00070000 | u));
  });

  it('finds the HID-POS fields (page 0x8C) of a 64-byte report ID 2 scanner', () => {
    expect(hidPosLayout(HIDPOS_SCANNER_DESCRIPTOR)).toEqual({
      reportId: 2,
      reportLength: 64,
      byteCount: { offset: 1 },
      symbology: { offset: 2, length: 3 },
      data: { offset: 5, length: 56 },
      continued: { byte: 63, bit: 0 },
    });
    expect(findInputUsage(parseReportDescriptor(HIDPOS_SCANNER_DESCRIPTOR), USAGE_DECODED_DATA)?.count).toBe(56);
  });

  it('refuses a keyboard as a HID-POS scanner, and truncated or malformed descriptors, saying where', () => {
    expect(() => hidPosLayout(BOOT_KEYBOARD_DESCRIPTOR)).toThrow(/no Decoded Data/);
    expect(() => parseReportDescriptor(report('05 01 26 FF'))).toThrow(new DecodeError('HID report descriptor', 'item', 2, 'runs past the end'));
    expect(() => parseReportDescriptor(report('C0'))).toThrow(/end collection at byte 0/);
    expect(() => parseReportDescriptor(report('85 00'))).toThrow(/report ID at byte 0: must be 1..255/);
    expect(() => parseReportDescriptor(report('B4'))).toThrow(/pop at byte 0: without a push/);
    expect(() => parseReportDescriptor(Buffer.alloc(4097))).toThrow(/longer than 4096 bytes/);
  });
});

describe('HID-POS scanned data reports', () => {
  const layout = hidPosLayout(HIDPOS_SCANNER_DESCRIPTOR);
  // Access-IS LSR118 manual B.1.1: a 60-byte IATA boarding pass (AIM ]Q0) split over two reports;
  // the first carries 56 bytes, further symbology id 's', and 1 in byte 63 (data continues). The
  // manual's text collapses the BCBP name field's padding; here it is its 20 characters.
  const boardingPass = 'M1GATHERGOOD/MICHAEL  YABCDEF LHRDURAK 3542 052Y003D23  ';
  const first = Buffer.concat([report('02 38 5D 51 30'), Buffer.from(boardingPass, 'latin1'), report('73 00 01')]);
  const second = Buffer.alloc(64);
  second.set([0x02, 0x04, 0x5d, 0x51, 0x30]);
  second.write('1234', 5, 'latin1');

  it('reassembles the manual’s two-report scan and reports ]Q0', () => {
    expect(first.length).toBe(64);
    const d = new HidPosDecoder(layout);
    expect(d.push(first)).toBeUndefined();
    expect(d.pending).toBe(true);
    expect(d.push(second)).toEqual({ data: Buffer.from(boardingPass + '1234', 'latin1'), symbology: ']Q0' });
  });

  it('encodes the same reports the device sends', () => {
    const reports = encodeHidPosReports(layout, Buffer.from(boardingPass + '1234', 'latin1'), ']Q0');
    expect(reports.map((r) => r.length)).toEqual([64, 64]);
    expect(reports[0]!.subarray(0, 61)).toEqual(first.subarray(0, 61));
    expect(reports[0]![63]).toBe(1);
    expect(reports[1]).toEqual(second);
  });

  it('skips other report IDs; refuses short reports and byte counts past the field', () => {
    const d = new HidPosDecoder(layout);
    expect(d.push(report('04 01 02'))).toBeUndefined();
    expect(() => d.push(report('02 05 5D'))).toThrow(new DecodeError('HID-POS report', '', 3, 'is 3 bytes, the descriptor says 64'));
    const bad = Buffer.from(second);
    bad[1] = 57;
    expect(() => d.push(bad)).toThrow(/byte count at byte 1: 57 is more than the 56-byte data field/);
  });
});
