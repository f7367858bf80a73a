/**
 * BER-TLV as EMV uses it (EMV Book 3 Annex B, ISO/IEC 8825-1): multi-byte tags, short and long
 * form lengths (81, 82, 83), constructed templates parsed recursively, 00/FF padding between
 * objects skipped. Lengths are checked against the bytes that remain before anything is sliced.
 */
import { DecodeError, EncodeError } from '../errors.js';
import { withKeyOrder } from '../ordered-json.js';

export interface Tlv {
  /** Uppercase hex, e.g. "9F26", "6F". */
  tag: string;
  value: Buffer;
  /** Set when the tag is constructed (bit 6 of its first byte). */
  children?: Tlv[];
}

export interface DecodeTlvOptions {
  /** Added to every reported byte offset (where these bytes sit in a larger message). */
  offset?: number;
  /** Path prefix for errors and children, e.g. "55". */
  path?: string;
}

const maxDepth = 16;
const what = 'BER-TLV';

export function isConstructed(tag: string): boolean {
  return (parseInt(tag.slice(0, 2), 16) & 0x20) !== 0;
}

export function decodeTlv(bytes: Buffer, options: DecodeTlvOptions = {}): Tlv[] {
  return decodeLevel(bytes, options.offset ?? 0, options.path ?? '', 0);
}

function decodeLevel(bytes: Buffer, base: number, path: string, depth: number): Tlv[] {
  if (depth > maxDepth) throw new DecodeError(what, path, base, `templates nested deeper than ${maxDepth}`);
  const items: Tlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at]!;
    if (first === 0x00 || first === 0xff) {
      at++; // padding between objects (EMV Book 3 Annex B)
      continue;
    }
    const tagStart = at++;
    if ((first & 0x1f) === 0x1f) {
      do {
        if (at >= bytes.length) throw new DecodeError(what, path, base + tagStart, 'tag runs past the end of the data');
        if (at - tagStart >= 4) throw new DecodeError(what, path, base + tagStart, 'tag longer than 4 bytes');
      } while (bytes[at++]! & 0x80);
    }
    const tag = tagText(bytes, tagStart, at);
    const here = path ? `${path}.${tag}` : tag;
    if (at >= bytes.length) throw new DecodeError(what, here, base + at, 'length missing');
    const lengthStart = at;
    let length = bytes[at++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0) throw new DecodeError(what, here, base + lengthStart, 'indefinite length (80) is not used in EMV');
      if (count > 3) throw new DecodeError(what, here, base + lengthStart, `length of ${count} bytes is too long`);
      if (at + count > bytes.length) throw new DecodeError(what, here, base + lengthStart, 'length runs past the end of the data');
      length = bytes.readUIntBE(at, count);
      at += count;
    }
    if (length > bytes.length - at)
      throw new DecodeError(what, here, base + lengthStart, `length ${length} exceeds the ${bytes.length - at} bytes that remain`);
    const value = bytes.subarray(at, at + length);
    const item: Tlv = { tag, value };
    if (first & 0x20) item.children = decodeLevel(value, base + at, here, depth + 1);
    items.push(item);
    at += length;
  }
  return items;
}

const hexPairs = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0').toUpperCase());

/** Uppercase hex of a tag's bytes, without toString('hex') + toUpperCase() per object. */
function tagText(bytes: Buffer, start: number, end: number): string {
  let text = hexPairs[bytes[start]!]!;
  for (let i = start + 1; i < end; i++) text += hexPairs[bytes[i]!]!;
  return text;
}

function lengthSize(length: number): number {
  if (length < 0x80) return 1;
  if (length <= 0xff) return 2;
  if (length <= 0xffff) return 3;
  if (length <= 0xffffff) return 4;
  throw new EncodeError(what, '', `value of ${length} bytes is too long`);
}

function writeLength(out: Buffer, at: number, length: number): number {
  const size = lengthSize(length);
  if (size === 1) out[at] = length;
  else {
    out[at] = 0x80 | (size - 1);
    out.writeUIntBE(length, at + 1, size - 1);
  }
  return at + size;
}

const tagPattern = /^(?:[0-9A-F]{2}){1,4}$/;

const tagCache = new Map<string, Buffer>();

function encodeTag(tag: string): Buffer {
  let bytes = tagCache.get(tag);
  if (bytes) return bytes;
  bytes = checkTag(tag);
  if (tagCache.size < 4096) tagCache.set(tag, bytes);
  return bytes;
}

function checkTag(tag: string): Buffer {
  const upper = tag.toUpperCase();
  if (!tagPattern.test(upper)) throw new EncodeError(what, tag, 'tag must be 1 to 4 bytes of hex');
  const bytes = Buffer.from(upper, 'hex');
  const multiByte = (bytes[0]! & 0x1f) === 0x1f;
  const wellFormed = multiByte
    ? bytes.length > 1 && bytes.subarray(1, -1).every((b) => (b & 0x80) !== 0) && (bytes[bytes.length - 1]! & 0x80) === 0
    : bytes.length === 1;
  if (!wellFormed) throw new EncodeError(what, tag, 'not a well-formed BER tag');
  return bytes;
}

/** Encodes the objects in order; a constructed item with children is encoded from its children. */
export function encodeTlv(items: readonly Tlv[]): Buffer {
  const values = items.map((item) => (item.children ? encodeTlv(item.children) : item.value));
  const tags = items.map((item) => encodeTag(item.tag));
  let size = 0;
  for (let i = 0; i < items.length; i++) size += tags[i]!.length + lengthSize(values[i]!.length) + values[i]!.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    at += tags[i]!.copy(out, at);
    at = writeLength(out, at, values[i]!.length);
    at += values[i]!.copy(out, at);
  }
  return out;
}

/** Depth-first search for the first object with this tag. */
export function findTag(items: readonly Tlv[], tag: string): Tlv | undefined {
  const wanted = tag.toUpperCase();
  for (const item of items) {
    if (item.tag === wanted) return item;
    if (item.children) {
      const found = findTag(item.children, wanted);
      if (found) return found;
    }
  }
  return undefined;
}

/** The JSON form used by CLIs and the ISO 8583 DE55 field: hex values, nested objects for templates. */
export interface TlvObject {
  [tag: string]: string | TlvObject;
}

/**
 * Tags as keys, in wire order for stringifyOrdered; a repeated tag is kept as "TAG#2" (it overwrote
 * the first: a CPM application template with two 9F08 showed one).
 */
export function tlvToObject(items: readonly Tlv[]): TlvObject {
  const object: TlvObject = {};
  const order: string[] = [];
  for (const item of items) {
    let key = item.tag;
    for (let n = 2; key in object; n++) key = `${item.tag}#${n}`;
    object[key] = item.children ? tlvToObject(item.children) : item.value.toString('hex').toUpperCase();
    order.push(key);
  }
  return withKeyOrder(object, order);
}

export function objectToTlv(object: TlvObject): Tlv[] {
  return Object.entries(object).map(([tag, value]) => {
    const upper = tag.toUpperCase();
    if (typeof value === 'string') {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw new EncodeError(what, upper, 'value must be hex');
      return { tag: upper, value: Buffer.from(value, 'hex') };
    }
    return { tag: upper, value: Buffer.alloc(0), children: objectToTlv(value) };
  });
}
