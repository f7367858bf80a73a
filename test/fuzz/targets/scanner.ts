// Scanner decoders: boot keyboard reports (a stream of 8-byte reports), HID report descriptors and
// the HID-POS layout finder, HID-POS report reassembly, and the MSR line parser. Seeds are the HID
// 1.11 E.6 keyboard descriptor, the HID-POS descriptor of the virtual scanner, reports a wedge and
// a HID-POS scanner send, and a serial MSR line.
import { BOOT_KEYBOARD_DESCRIPTOR, HIDPOS_SCANNER_DESCRIPTOR } from '../../../hardware/scanner/virtual-hid-scanners.js';
import { SwipeUnreadableError, swipeFromLine } from '../../../hardware/msr/msr-reader.js';
import { DecodeError } from '../../../protocols/errors.js';
import { BootKeyboardDecoder, HidPosDecoder, encodeBootKeyboard, encodeHidPosReports, hidPosLayout, parseReportDescriptor } from '../../../protocols/scanner/index.js';
import type { FuzzTarget } from '../harness.js';

const layout = hidPosLayout(HIDPOS_SCANNER_DESCRIPTOR);

export const targets: FuzzTarget[] = [
  {
    name: 'scanner.bootKeyboard',
    seeds: [Buffer.concat(encodeBootKeyboard(']Q1Hello, World! 0123\x1d')), Buffer.from('0000010101010101', 'hex')],
    decode: (input) => {
      const decoder = new BootKeyboardDecoder();
      const scans: string[] = [];
      for (let at = 0; at + 8 <= input.length; at += 8) scans.push(...decoder.push(input.subarray(at, at + 8)));
      return [scans, decoder.flush()];
    },
  },
  {
    name: 'scanner.parseReportDescriptor',
    seeds: [Buffer.from(BOOT_KEYBOARD_DESCRIPTOR), Buffer.from(HIDPOS_SCANNER_DESCRIPTOR)],
    decode: (input) => parseReportDescriptor(input),
  },
  {
    name: 'scanner.hidPosLayout',
    seeds: [Buffer.from(HIDPOS_SCANNER_DESCRIPTOR)],
    decode: (input) => hidPosLayout(input),
  },
  {
    name: 'scanner.hidPosReports',
    seeds: [Buffer.concat(encodeHidPosReports(layout, Buffer.from('x'.repeat(120)), ']Q1'))],
    decode: (input) => {
      const decoder = new HidPosDecoder(layout, 4096);
      const scans = [];
      for (let at = 0; at < input.length; at += 64) scans.push(decoder.push(input.subarray(at, at + 64)));
      return scans;
    },
  },
  {
    name: 'msr.swipeFromLine',
    seeds: [Buffer.from('%B4111111111111111^VIRTUAL/MAGSTRIPE^30121010000010100000?;4111111111111111=30121010000010100000?'), Buffer.from('%E?;E?')],
    decode: (input) => swipeFromLine(input.toString('latin1')),
    isExpectedError: (error) => error instanceof DecodeError || error instanceof SwipeUnreadableError,
  },
];
