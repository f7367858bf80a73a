/**
 * Virtual HID scanners that feed an in-process HID transport (hardware/inproc) the exact reports
 * real ones send. CI containers have no /dev/uhid, so HID twins are in-process only.
 *
 * - Keyboard wedge: the boot keyboard report descriptor of HID 1.11 appendix E.6, and per character
 *   a press report and an all-zero release (HID 1.11 appendix B.1), Enter at the end.
 * - HID-POS: the 64-byte Scanned Data Report of Access-IS's LSR116/LSR118/ATR110 manuals ("HID
 *   reports – barcode only"; Honeywell's HID-POS mode uses the same shape): byte 0 report ID 2,
 *   1 length, 2–4 AIM symbology identifier, 5–60 data (56 bytes), 61 further (vendor) symbology id,
 *   62 reserved, 63 bit 0 = data continued in the next report. The descriptor below declares that
 *   layout with the HID-POS usages (pos1_02: 0x8C FB–FD Symbology Identifier 1–3, FE Decoded Data,
 *   FF Decode Data Continued; Generic Desktop 0x3B Byte Count); vendors' own descriptors differ in
 *   detail, which is why the driver reads the layout from the descriptor.
 */
import { fromHex } from '../../protocols/bytes.js';
import { encodeBootKeyboard } from '../../protocols/scanner/keyboard.js';
import { encodeHidPosReports, hidPosLayout, type HidPosLayout } from '../../protocols/scanner/hidpos.js';
import type { InprocHidDevice } from '../inproc/index.js';

/** HID 1.11 appendix E.6: the boot keyboard's report descriptor. */
export const BOOT_KEYBOARD_DESCRIPTOR = fromHex(
  [
    '0501 0906 A101', // Usage Page (Generic Desktop), Usage (Keyboard), Collection (Application)
    '0507 19E0 29E7 1500 2501 7501 9508 8102', // modifiers: 8 × 1 bit
    '9501 7508 8101', // reserved byte
    '9505 7501 0508 1901 2905 9102 9501 7503 9101', // LED output report and its padding
    '9506 7508 1500 2565 0507 1900 2965 8100', // six key slots (array of usages 0..0x65)
    'C0',
  ]
    .join('')
    .replace(/ /g, ''),
);

/** A HID-POS scanner's descriptor for the Access-IS/Honeywell-style 64-byte report ID 2. */
export const HIDPOS_SCANNER_DESCRIPTOR = fromHex(
  [
    '058C 0902 A101', // Usage Page (Bar Code Scanner), Usage (Bar Code Scanner), Collection (Application)
    '0912 A102', // Usage (Scanned Data Report), Collection (Logical)
    '8502 1500 26FF00 7508', // Report ID 2, logical 0..255, 8 bits
    '9501 0501 093B 8102', // Byte Count (Generic Desktop 0x3B), 1 byte
    '058C 09FB 09FC 09FD 9503 8102', // Symbology Identifier 1..3
    '9538 09FE 820201', // Decoded Data: 56 bytes, Input (Data,Var,Abs,Buffered Bytes)
    '0600FF 0901 9502 8102', // vendor: further symbology identifier, reserved
    '058C 09FF 7501 9501 2501 8102', // Decode Data Continued: 1 bit
    '7507 8103', // 7 bits padding
    'C0 C0',
  ]
    .join('')
    .replace(/ /g, ''),
);

export class VirtualWedgeScanner {
  readonly reportDescriptor = BOOT_KEYBOARD_DESCRIPTOR;
  constructor(private readonly device: InprocHidDevice) {}

  /** Types `text` (then Enter, unless `enter: false`). */
  scan(text: string, options: { enter?: boolean } = {}): void {
    for (const report of encodeBootKeyboard(text, options)) this.device.sendReport(report);
  }
}

export class VirtualHidPosScanner {
  readonly reportDescriptor = HIDPOS_SCANNER_DESCRIPTOR;
  readonly layout: HidPosLayout = hidPosLayout(HIDPOS_SCANNER_DESCRIPTOR);
  constructor(private readonly device: InprocHidDevice) {}

  /** Sends `text` (UTF-8) as Scanned Data Reports, with the AIM identifier when given. Stop after `reports` to cut a code short. */
  scan(text: string, options: { symbology?: string; reports?: number } = {}): void {
    const reports = encodeHidPosReports(this.layout, Buffer.from(text, 'utf8'), options.symbology);
    for (const report of reports.slice(0, options.reports ?? reports.length)) this.device.sendReport(report);
  }
}
