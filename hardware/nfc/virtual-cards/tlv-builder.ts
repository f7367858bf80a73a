/**
 * What a virtual card needs to build its answers: one BER-TLV object at a time (protocols/tlv
 * encodes it), and the reading of data object lists (PDOL/CDOL: tag + length pairs without
 * values, EMV Book 3 §5.4).
 */
import { encodeTlv } from '../../../protocols/tlv/index.js';

/** One BER-TLV object; a list of already-encoded children becomes the value of a template. */
export function tlv(tag: string, value: Buffer | Buffer[]): Buffer {
  return encodeTlv([{ tag, value: Array.isArray(value) ? Buffer.concat(value) : value }]);
}

/** The (tag, length) entries of a DOL. */
export function dolEntries(dol: Buffer): Array<{ tag: string; length: number }> {
  const entries: Array<{ tag: string; length: number }> = [];
  let i = 0;
  while (i < dol.length) {
    const start = i;
    if ((dol[i++]! & 0x1f) === 0x1f) while (i < dol.length && dol[i++]! & 0x80);
    if (i >= dol.length) throw new RangeError('DOL ends inside an entry');
    entries.push({ tag: dol.subarray(start, i).toString('hex').toUpperCase(), length: dol[i++]! });
  }
  return entries;
}

export function dolLength(dol: Buffer): number {
  return dolEntries(dol).reduce((sum, e) => sum + e.length, 0);
}

/** Splits DOL-ordered values into a tag → value map. */
export function decodeDol(dol: Buffer, values: Buffer): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  let at = 0;
  for (const { tag, length } of dolEntries(dol)) {
    map.set(tag, values.subarray(at, at + length));
    at += length;
  }
  return map;
}
