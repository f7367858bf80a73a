/**
 * HID report descriptors (Device Class Definition for HID 1.11 §6.2.2): short items with their
 * global state (usage page, report size/count/ID, push/pop) and local usages (single, 32-bit
 * extended, min/max ranges), laid out into fields with their bit offsets per report. Long items
 * are skipped. Enough to find where a HID-POS scanner puts its barcode, which the usage tables
 * leave to each vendor's descriptor.
 */
import { DecodeError } from '../errors.js';

export interface ReportField {
  kind: 'input' | 'output' | 'feature';
  /** 0 when the device does not number its reports. */
  reportId: number;
  /** From the start of the report's data (after the report ID byte, when there is one). */
  bitOffset: number;
  /** Bits per element. */
  size: number;
  count: number;
  /** The declared 32-bit usages (page << 16 | id), one per element; the last repeats when fewer were declared. */
  usages: number[];
  /** The main item's flags: bit 0 constant, 1 variable, 8 buffered bytes. */
  flags: number;
}

export interface ReportDescriptor {
  fields: ReportField[];
  /** Data length of each report in bytes (report ID byte not counted), by kind and ID: "input:2" → 63. */
  reportBytes: Map<string, number>;
}

interface Globals {
  usagePage: number;
  reportSize: number;
  reportCount: number;
  reportId: number;
}

const what = 'HID report descriptor';
const MAX_BITS_PER_REPORT = 8 * 4096;
/** Linux refuses longer descriptors too (HID_MAX_DESCRIPTOR_SIZE); it bounds the work on hostile input. */
export const MAX_DESCRIPTOR_BYTES = 4096;
const MAX_USAGES = 4096;

export function parseReportDescriptor(bytes: Uint8Array): ReportDescriptor {
  if (bytes.length > MAX_DESCRIPTOR_BYTES) throw new DecodeError(what, '', MAX_DESCRIPTOR_BYTES, `longer than ${MAX_DESCRIPTOR_BYTES} bytes`);
  const fields: ReportField[] = [];
  const cursors = new Map<string, number>();
  let globals: Globals = { usagePage: 0, reportSize: 0, reportCount: 0, reportId: 0 };
  const stack: Globals[] = [];
  let usages: number[] = [];
  let usageMin: number | undefined;
  let depth = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const prefix = bytes[offset]!;
    if (prefix === 0xfe) {
      // long item: FE, data size, tag, data
      if (offset + 2 >= bytes.length) throw new DecodeError(what, 'long item', offset, 'runs past the end');
      offset += 3 + bytes[offset + 1]!;
      if (offset > bytes.length) throw new DecodeError(what, 'long item', offset, 'runs past the end');
      continue;
    }
    const size = [0, 1, 2, 4][prefix & 3]!;
    const type = (prefix >> 2) & 3;
    const tag = prefix >> 4;
    if (offset + 1 + size > bytes.length) throw new DecodeError(what, 'item', offset, 'runs past the end');
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[offset + 1 + i]!;
    const at = offset;
    offset += 1 + size;
    const full = (usage: number) => (size === 4 ? usage >>> 0 : ((globals.usagePage << 16) | usage) >>> 0);
    if (type === 0) {
      if (tag === 0x8 || tag === 0x9 || tag === 0xb) {
        const kind = tag === 0x8 ? 'input' : tag === 0x9 ? 'output' : 'feature';
        const key = `${kind}:${globals.reportId}`;
        const start = cursors.get(key) ?? 0;
        const bits = globals.reportSize * globals.reportCount;
        if (start + bits > MAX_BITS_PER_REPORT) throw new DecodeError(what, key, at, 'report longer than 4096 bytes');
        cursors.set(key, start + bits);
        if (bits > 0)
          fields.push({
            kind,
            reportId: globals.reportId,
            bitOffset: start,
            size: globals.reportSize,
            count: globals.reportCount,
            usages: usages.length ? usages.slice(0, globals.reportCount) : [0],
            flags: value,
          });
      } else if (tag === 0xa) {
        if (++depth > 32) throw new DecodeError(what, 'collection', at, 'nested deeper than 32');
      } else if (tag === 0xc) {
        if (--depth < 0) throw new DecodeError(what, 'end collection', at, 'without a collection');
      } else throw new DecodeError(what, 'main item', at, `unknown tag 0x${tag.toString(16)}`);
      usages = [];
      usageMin = undefined;
    } else if (type === 1) {
      if (tag === 0x0) globals.usagePage = value;
      else if (tag === 0x7) {
        if (value < 1 || value > 32) throw new DecodeError(what, 'report size', at, 'must be 1..32 bits');
        globals.reportSize = value;
      } else if (tag === 0x8) {
        if (value < 1 || value > 255) throw new DecodeError(what, 'report ID', at, 'must be 1..255');
        globals.reportId = value;
      } else if (tag === 0x9) {
        if (value > 4096) throw new DecodeError(what, 'report count', at, 'more than 4096');
        globals.reportCount = value;
      } else if (tag === 0xa) {
        if (stack.length >= 16) throw new DecodeError(what, 'push', at, 'nested deeper than 16');
        stack.push({ ...globals });
      } else if (tag === 0xb) {
        const popped = stack.pop();
        if (!popped) throw new DecodeError(what, 'pop', at, 'without a push');
        globals = popped;
      }
    } else if (type === 2) {
      if (usages.length >= MAX_USAGES) throw new DecodeError(what, 'usage', at, `more than ${MAX_USAGES} usages for one item`);
      if (tag === 0x0) usages.push(full(value));
      else if (tag === 0x1) usageMin = full(value);
      else if (tag === 0x2) {
        if (usageMin === undefined) throw new DecodeError(what, 'usage maximum', at, 'without a usage minimum');
        const max = full(value);
        if (max < usageMin || usages.length + max - usageMin >= MAX_USAGES) throw new DecodeError(what, 'usage maximum', at, `range empty or past ${MAX_USAGES} usages`);
        for (let u = usageMin; u <= max; u++) usages.push(u);
        usageMin = undefined;
      }
    } else throw new DecodeError(what, 'item', at, 'reserved item type');
  }
  const reportBytes = new Map<string, number>();
  for (const [key, bits] of cursors) reportBytes.set(key, Math.ceil(bits / 8));
  return { fields, reportBytes };
}

/** Where one usage sits: its report, first element's bit offset, element size and how many elements carry it. */
export interface UsageLocation {
  reportId: number;
  bitOffset: number;
  size: number;
  count: number;
}

/** The first input element carrying `usage` (page << 16 | id). */
export function findInputUsage(descriptor: ReportDescriptor, usage: number, reportId?: number): UsageLocation | undefined {
  for (const field of descriptor.fields) {
    if (field.kind !== 'input' || (reportId !== undefined && field.reportId !== reportId)) continue;
    const first = field.usages.indexOf(usage);
    if (first < 0 || first >= field.count) continue;
    let count = 1;
    while (field.usages[first + count] === usage) count++;
    if (first + count === field.usages.length) count = field.count - first; // the last declared usage repeats
    return { reportId: field.reportId, bitOffset: field.bitOffset + first * field.size, size: field.size, count };
  }
  return undefined;
}
