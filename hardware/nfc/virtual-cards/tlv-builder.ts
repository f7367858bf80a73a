/**
 * What a virtual card needs to build its answers: BER-TLV encoding of one object and the reading
 * of its own data object lists (PDOL/CDOL: tag + length pairs, EMV Book 3 §5.4).
 */

/** One BER-TLV object; a list of children is concatenated as the value of a constructed tag. */
export function tlv(tag: string, value: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(value) ? Buffer.concat(value) : value;
  const n = body.length;
  const length = n < 0x80 ? [n] : n <= 0xff ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from(tag, 'hex'), Buffer.from(length), body]);
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

/**
 * The value of the first `tag` found depth-first in BER-TLV `bytes` (constructed tags are
 * searched), or undefined. Throws RangeError on a length that runs past the end.
 */
export function findTlv(bytes: Buffer, tag: string, depth = 0): Buffer | undefined {
  if (depth > 8) throw new RangeError('BER-TLV nested too deeply');
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === 0x00 || bytes[i] === 0xff) {
      i++; // padding between objects
      continue;
    }
    const start = i;
    const constructed = (bytes[i]! & 0x20) !== 0;
    if ((bytes[i++]! & 0x1f) === 0x1f) while (i < bytes.length && bytes[i++]! & 0x80);
    const name = bytes.subarray(start, i).toString('hex').toUpperCase();
    if (i >= bytes.length) throw new RangeError(`BER-TLV ${name}: no length`);
    let length = bytes[i++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count < 1 || count > 2 || i + count > bytes.length) throw new RangeError(`BER-TLV ${name}: bad length`);
      length = count === 1 ? bytes[i]! : bytes.readUInt16BE(i);
      i += count;
    }
    if (i + length > bytes.length) throw new RangeError(`BER-TLV ${name}: length runs past the end`);
    const value = bytes.subarray(i, i + length);
    if (name === tag) return value;
    if (constructed) {
      const inner = findTlv(value, tag, depth + 1);
      if (inner) return inner;
    }
    i += length;
  }
  return undefined;
}
