/**
 * HID-POS barcode scanners (USB-IF HID Point of Sale Usage Tables 1.02, Bar Code Scanner page
 * 0x8C): the Scanned Data Report carries Symbology Identifier 1–3 (0xFB–0xFD, the AIM identifier
 * bytes), Decoded Data (0xFE) and Decode Data Continued (0xFF, set on every report but the last of
 * a long code), often with a byte count (Generic Desktop 0x3B). Where each sits is the vendor's
 * choice, so the layout is read from the report descriptor. A common one (Honeywell, Access-IS,
 * 64-byte report ID 2: count, 3 AIM bytes, 56 data bytes, …, continued flag in the last byte) is
 * in hardware/scanner/virtual-hid-scanners.ts.
 */
import { DecodeError, EncodeError } from '../errors.js';
import { isAimId } from './aim.js';
import { findInputUsage, parseReportDescriptor, type UsageLocation } from './hid-descriptor.js';

export const BARCODE_PAGE = 0x8c;
const usage = (page: number, id: number) => ((page << 16) | id) >>> 0;
export const USAGE_SYMBOLOGY_ID = [usage(BARCODE_PAGE, 0xfb), usage(BARCODE_PAGE, 0xfc), usage(BARCODE_PAGE, 0xfd)] as const;
export const USAGE_DECODED_DATA = usage(BARCODE_PAGE, 0xfe);
export const USAGE_DECODE_DATA_CONTINUED = usage(BARCODE_PAGE, 0xff);
export const USAGE_BYTE_COUNT = usage(0x01, 0x3b);

/** Byte positions inside a report as node-hid delivers it (report ID byte first when numbered). */
export interface HidPosLayout {
  reportId: number;
  /** Whole report length, report ID byte included. */
  reportLength: number;
  data: { offset: number; length: number };
  /** The Symbology Identifier 1..3 bytes, when the descriptor has them contiguous. */
  symbology?: { offset: number; length: number };
  /** Bit position of Decode Data Continued. */
  continued?: { byte: number; bit: number };
  byteCount?: { offset: number };
}

const what = 'HID-POS report descriptor';

/** Finds the barcode fields in a report descriptor; DecodeError if it is no HID-POS scanner. */
export function hidPosLayout(descriptorBytes: Uint8Array): HidPosLayout {
  const descriptor = parseReportDescriptor(descriptorBytes);
  const data = findInputUsage(descriptor, USAGE_DECODED_DATA);
  if (!data) throw new DecodeError(what, '', 0, 'no Decoded Data (0x8C:0xFE) input: not a HID-POS barcode scanner');
  const id = data.reportId;
  const shift = id === 0 ? 0 : 1;
  const bytesOf = (loc: UsageLocation, name: string) => {
    if (loc.size !== 8 || loc.bitOffset % 8 !== 0) throw new DecodeError(what, name, 0, 'not whole bytes');
    return { offset: shift + loc.bitOffset / 8, length: loc.count };
  };
  const layout: HidPosLayout = {
    reportId: id,
    reportLength: shift + (descriptor.reportBytes.get(`input:${id}`) ?? 0),
    data: bytesOf(data, 'Decoded Data'),
  };
  const symbols = USAGE_SYMBOLOGY_ID.map((u) => findInputUsage(descriptor, u, id));
  if (symbols.every((s) => s !== undefined)) {
    const first = bytesOf(symbols[0]!, 'Symbology Identifier');
    const contiguous = symbols.every((s, i) => s!.size === 8 && s!.bitOffset === symbols[0]!.bitOffset + 8 * i);
    if (contiguous) layout.symbology = { offset: first.offset, length: 3 };
  }
  const continued = findInputUsage(descriptor, USAGE_DECODE_DATA_CONTINUED, id);
  if (continued) layout.continued = { byte: shift + Math.floor(continued.bitOffset / 8), bit: continued.bitOffset % 8 };
  const count = findInputUsage(descriptor, USAGE_BYTE_COUNT, id);
  if (count && count.size === 8 && count.bitOffset % 8 === 0) layout.byteCount = { offset: shift + count.bitOffset / 8 };
  return layout;
}

export interface HidPosScan {
  data: Buffer;
  /** The AIM identifier from the Symbology Identifier bytes, if they hold one. */
  symbology?: string;
}

/** Reassembles scans from Scanned Data Reports; other reports (status, trigger) are skipped. */
export class HidPosDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  private symbology: string | undefined;

  constructor(
    readonly layout: HidPosLayout,
    private readonly maxScanBytes = 65536,
  ) {}

  /** True while a code's continuation reports are awaited. */
  get pending(): boolean {
    return this.parts.length > 0;
  }

  /** Takes what arrived of an unfinished code. */
  flush(): HidPosScan {
    const scan: HidPosScan = { data: Buffer.concat(this.parts) };
    if (this.symbology) scan.symbology = this.symbology;
    this.parts = [];
    this.size = 0;
    this.symbology = undefined;
    return scan;
  }

  /** Feeds one input report; returns a scan when its last report arrived. */
  push(report: Uint8Array): HidPosScan | undefined {
    const { layout } = this;
    if (layout.reportId !== 0 && report[0] !== layout.reportId) return undefined;
    if (report.length < layout.reportLength)
      throw new DecodeError('HID-POS report', '', report.length, `is ${report.length} bytes, the descriptor says ${layout.reportLength}`);
    const field = Buffer.from(report.subarray(layout.data.offset, layout.data.offset + layout.data.length));
    let length: number;
    if (layout.byteCount) {
      length = report[layout.byteCount.offset]!;
      if (length > field.length) throw new DecodeError('HID-POS report', 'byte count', layout.byteCount.offset, `${length} is more than the ${field.length}-byte data field`);
    } else {
      length = field.length;
      while (length > 0 && field[length - 1] === 0) length--;
    }
    if (this.size + length > this.maxScanBytes) {
      this.flush();
      throw new DecodeError('HID-POS report', 'Decoded Data', layout.data.offset, `scan longer than ${this.maxScanBytes} bytes`);
    }
    if (this.parts.length === 0 && layout.symbology) {
      const id = Buffer.from(report.subarray(layout.symbology.offset, layout.symbology.offset + 3)).toString('latin1');
      if (isAimId(id)) this.symbology = id;
    }
    this.parts.push(field.subarray(0, length));
    this.size += length;
    const more = layout.continued ? (report[layout.continued.byte]! >> layout.continued.bit) & 1 : 0;
    return more ? undefined : this.flush();
  }
}

/** The Scanned Data Reports a HID-POS scanner with this layout sends for `data`. */
export function encodeHidPosReports(layout: HidPosLayout, data: Uint8Array, symbology?: string): Buffer[] {
  if (symbology !== undefined && (!layout.symbology || !isAimId(symbology)))
    throw new EncodeError('HID-POS report', 'symbology', layout.symbology ? 'not an AIM identifier like ]Q1' : 'this layout has no symbology field');
  if (!layout.continued && data.length > layout.data.length) throw new EncodeError('HID-POS report', 'Decoded Data', 'longer than one report and no continuation flag');
  const reports: Buffer[] = [];
  for (let start = 0; start < data.length || reports.length === 0; start += layout.data.length) {
    const chunk = data.subarray(start, start + layout.data.length);
    const report = Buffer.alloc(layout.reportLength);
    if (layout.reportId) report[0] = layout.reportId;
    Buffer.from(chunk).copy(report, layout.data.offset);
    if (layout.byteCount) report[layout.byteCount.offset] = chunk.length;
    if (symbology && layout.symbology) report.write(symbology, layout.symbology.offset, 'latin1');
    if (layout.continued && start + layout.data.length < data.length) report[layout.continued.byte]! |= 1 << layout.continued.bit;
    reports.push(report);
  }
  return reports;
}
