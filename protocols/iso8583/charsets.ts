/**
 * Character encodings of text on the wire: ASCII and EBCDIC (IBM code pages 037 and 1047, the two
 * that hosts send; they differ in a handful of punctuation positions such as [ ] ^ ¬).
 */

// IBM037 byte → Unicode, 256 entries (IBM's published code page table).
const cp037 =
  '\u0000\u0001\u0002\u0003\u009c\t\u0086\u007f\u0097\u008d\u008e\u000b\f\r\u000e\u000f' +
  '\u0010\u0011\u0012\u0013\u009d\u0085\b\u0087\u0018\u0019\u0092\u008f\u001c\u001d\u001e\u001f' +
  '\u0080\u0081\u0082\u0083\u0084\n\u0017\u001b\u0088\u0089\u008a\u008b\u008c\u0005\u0006\u0007' +
  '\u0090\u0091\u0016\u0093\u0094\u0095\u0096\u0004\u0098\u0099\u009a\u009b\u0014\u0015\u009e\u001a' +
  ' \u00a0\u00e2\u00e4\u00e0\u00e1\u00e3\u00e5\u00e7\u00f1\u00a2.<(+|' +
  '&\u00e9\u00ea\u00eb\u00e8\u00ed\u00ee\u00ef\u00ec\u00df!$*);\u00ac' +
  '-/\u00c2\u00c4\u00c0\u00c1\u00c3\u00c5\u00c7\u00d1\u00a6,%_>?' +
  '\u00f8\u00c9\u00ca\u00cb\u00c8\u00cd\u00ce\u00cf\u00cc`:#@\'="' +
  '\u00d8abcdefghi\u00ab\u00bb\u00f0\u00fd\u00fe\u00b1' +
  '\u00b0jklmnopqr\u00aa\u00ba\u00e6\u00b8\u00c6\u00a4' +
  '\u00b5~stuvwxyz\u00a1\u00bf\u00d0\u00dd\u00de\u00ae' +
  '^\u00a3\u00a5\u00b7\u00a9\u00a7\u00b6\u00bc\u00bd\u00be[]\u00af\u00a8\u00b4\u00d7' +
  '{ABCDEFGHI\u00ad\u00f4\u00f6\u00f2\u00f3\u00f5' +
  '}JKLMNOPQR\u00b9\u00fb\u00fc\u00f9\u00fa\u00ff' +
  '\\\u00f7STUVWXYZ\u00b2\u00d4\u00d6\u00d2\u00d3\u00d5' +
  '0123456789\u00b3\u00db\u00dc\u00d9\u00da\u009f';

/** IBM1047 (the "Open Systems" Latin-1 EBCDIC) differs from IBM037 in eight positions. */
const cp1047Differences: Array<[number, string]> = [
  [0x15, '\n'],
  [0x25, '\u0085'],
  [0x5f, '^'],
  [0xad, '['],
  [0xb0, '\u00ac'],
  [0xba, '\u00dd'],
  [0xbb, '\u00a8'],
  [0xbd, ']'],
];

function cp1047From037(table: string): string {
  const chars = [...table];
  for (const [byte, char] of cp1047Differences) chars[byte] = char;
  return chars.join('');
}

export type Charset = 'ascii' | 'ebcdic037' | 'ebcdic1047';

interface CharTable {
  decode: string[];
  /** Latin-1 code → EBCDIC byte, or -1. Every character of both code pages is in Latin-1. */
  encode: Int16Array;
}

function buildTable(table: string): CharTable {
  const decode = [...table];
  if (decode.length !== 256) throw new Error(`EBCDIC table has ${decode.length} entries`);
  const encode = new Int16Array(256).fill(-1);
  decode.forEach((char, byte) => {
    const code = char.charCodeAt(0);
    if (encode[code] === -1) encode[code] = byte;
  });
  return { decode, encode };
}

const tables: Record<Exclude<Charset, 'ascii'>, CharTable> = {
  ebcdic037: buildTable(cp037),
  ebcdic1047: buildTable(cp1047From037(cp037)),
};

/** Writes text into `out` at `at`; returns false when a character has no byte in the charset. */
const nonAscii = /[^\x00-\x7f]/;

export function encodeTextInto(text: string, charset: Charset, out: Buffer, at: number): boolean {
  if (charset === 'ascii' && text.length > 24) {
    // Long text: one native copy beats a loop of charCodeAt.
    if (nonAscii.test(text)) return false;
    out.write(text, at, 'latin1');
    return true;
  }
  if (charset === 'ascii') {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return false;
      out[at + i] = code;
    }
    return true;
  }
  const { encode } = tables[charset];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const byte = code < 256 ? encode[code]! : -1;
    if (byte < 0) return false;
    out[at + i] = byte;
  }
  return true;
}

/** Encodes text; returns undefined when a character has no byte in the charset (the caller names the field). */
export function encodeText(text: string, charset: Charset): Buffer | undefined {
  const out = Buffer.allocUnsafe(text.length);
  return encodeTextInto(text, charset, out, 0) ? out : undefined;
}

/** Buffer's own latin1Slice, without toString's argument juggling (a third of unpack time otherwise). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string }).latin1Slice;

export function decodeText(bytes: Buffer, start: number, end: number, charset: Charset): string {
  if (charset === 'ascii') return latin1Slice.call(bytes, start, end);
  const { decode } = tables[charset];
  let text = '';
  for (let i = start; i < end; i++) text += decode[bytes[i]!]!;
  return text;
}
