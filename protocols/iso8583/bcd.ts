/**
 * Packed BCD: two digits a byte. Odd digit counts get one pad nibble on the left (0) or the right
 * (0 or F) as the spec says. Track data uses the nibble D for its '=' separator.
 */

export type BcdPad = 'left' | 'right' | 'right-f';

const nibbleOf = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code === 0x3d /* = */ || code === 0x44 /* D */ || code === 0x64 /* d */) return 0xd;
  return -1;
};

export const bcdBytes = (digits: number): number => (digits + 1) >> 1;

/** Packs digits (and '=' as D) into `out` at `at`; returns false when a character has no nibble. */
export function packBcdInto(digits: string, pad: BcdPad, out: Buffer, at: number): boolean {
  const odd = digits.length & 1;
  let nibbleIndex = odd && pad === 'left' ? 1 : 0;
  if (nibbleIndex) out[at] = 0;
  for (let i = 0; i < digits.length; i++, nibbleIndex++) {
    const nibble = nibbleOf(digits.charCodeAt(i));
    if (nibble < 0) return false;
    const byte = at + (nibbleIndex >> 1);
    if (nibbleIndex & 1) out[byte] = out[byte]! | nibble;
    else out[byte] = nibble << 4;
  }
  if (odd && pad !== 'left') {
    const last = at + bcdBytes(digits.length) - 1;
    out[last] = out[last]! | (pad === 'right-f' ? 0xf : 0);
  }
  return true;
}

/** Packs digits (and '=' as D); returns undefined when a character has no nibble. */
export function packBcd(digits: string, pad: BcdPad): Buffer | undefined {
  const out = Buffer.allocUnsafe(bcdBytes(digits.length));
  return packBcdInto(digits, pad, out, 0) ? out : undefined;
}

/**
 * Unpacks `count` digits starting at `start`. Returns the digits, or the index (from `start`) of
 * the first byte holding a nibble that is not a digit (D is allowed, as '=', when `track` is set).
 */
export function unpackBcd(bytes: Buffer, start: number, count: number, pad: BcdPad, track: boolean): string | number {
  const odd = count % 2;
  const byteCount = (count + odd) >> 1;
  let text = '';
  const first = odd && pad === 'left' ? 1 : 0;
  const last = first + count;
  for (let n = first; n < last; n++) {
    const byte = bytes[start + (n >> 1)]!;
    const nibble = n & 1 ? byte & 0x0f : byte >> 4;
    if (nibble <= 9) text += String.fromCharCode(0x30 + nibble);
    else if (nibble === 0xd && track) text += '=';
    else return n >> 1;
  }
  if (odd) {
    const padNibble = pad === 'left' ? bytes[start]! >> 4 : bytes[start + byteCount - 1]! & 0x0f;
    if (padNibble !== 0 && padNibble !== 0xf) return pad === 'left' ? 0 : byteCount - 1;
  }
  return text;
}
