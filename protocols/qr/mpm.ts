/**
 * EMVCo merchant-presented QR payloads (EMV QRCPS Merchant-Presented Mode): data objects of a
 * 2-digit ID, a 2-digit length counted in characters, and the value. Merchant account templates
 * (26–51), additional data (62), the language template (64) and unreserved templates (80–99) hold
 * nested data objects. Tag 63 carries a CRC-16/CCITT-FALSE over the UTF-8 bytes of everything up
 * to and including "6304".
 */
import { DecodeError, EncodeError } from '../errors.js';
import { withKeyOrder } from '../ordered-json.js';
import { qrCrc } from './crc16.js';
import { checkMpmObjects } from './mpm-rules.js';

export type MpmValue = string | MpmObject;
export interface MpmObject {
  [id: string]: MpmValue;
}

export interface DecodedMpm {
  /** Data objects by ID; templates as nested objects. */
  objects: MpmObject;
  /** Top-level IDs in payload order (JavaScript lists integer-like keys first, so the order is kept here). */
  order: string[];
  /** The CRC the payload carries in tag 63 (as written), and the one its content gives (uppercase hex). */
  crc: { carried: string; computed: string; valid: boolean };
}

const what = 'EMVCo QR';
const templateIds = (id: number) => (id >= 26 && id <= 51) || id === 62 || id === 64 || (id >= 80 && id <= 99);

/** UTF-8 byte offset of character index `index` (error positions are in bytes, as everywhere else). */
const byteOffset = (chars: string[], index: number, base: number) => base + Buffer.byteLength(chars.slice(0, index).join(''), 'utf8');

function parseObjects(chars: string[], path: string, base: number, nested: boolean, order: string[] = []): MpmObject {
  // Payload order, for stringifyOrdered ("00" would list after "63").
  const objects: MpmObject = withKeyOrder({}, order);
  let at = 0;
  while (at < chars.length) {
    if (chars.length - at < 4) throw new DecodeError(what, path, byteOffset(chars, at, base), 'data object header (ID and length) cut short');
    const id = chars.slice(at, at + 2).join('');
    const lengthText = chars.slice(at + 2, at + 4).join('');
    const here = path ? `${path}.${id}` : id;
    if (!/^\d\d$/.test(id)) throw new DecodeError(what, path, byteOffset(chars, at, base), 'ID is not two digits');
    if (!/^\d\d$/.test(lengthText)) throw new DecodeError(what, here, byteOffset(chars, at + 2, base), 'length is not two digits');
    const length = Number(lengthText);
    if (length > chars.length - at - 4) throw new DecodeError(what, here, byteOffset(chars, at + 2, base), `length ${length} runs past the end of the payload`);
    if (id in objects) throw new DecodeError(what, here, byteOffset(chars, at, base), 'ID appears twice');
    // The CRC closes the payload: what follows it is named as such, not read as one more object.
    if (!nested && id === '63' && at + 4 + length < chars.length)
      throw new DecodeError(what, '63', byteOffset(chars, at + 4 + length, base), `${chars.length - at - 4 - length} characters after the CRC, which must be the last data object`);
    const valueChars = chars.slice(at + 4, at + 4 + length);
    objects[id] = !nested && templateIds(Number(id)) ? parseObjects(valueChars, here, byteOffset(chars, at + 4, base), true) : valueChars.join('');
    order.push(id);
    at += 4 + length;
  }
  return objects;
}

/** Decodes a merchant-presented payload; structure errors throw DecodeError, a wrong CRC is reported in `crc`. */
export function decodeMpm(payload: string): DecodedMpm {
  const chars = Array.from(payload);
  // Object keys that look like integers ("29", "63") are listed first by JavaScript, so keep the payload order apart.
  const ids: string[] = [];
  const objects = parseObjects(chars, '', 0, false, ids);
  if (ids[0] !== '00' || objects['00'] !== '01') throw new DecodeError(what, '00', 0, 'payload must start with Payload Format Indicator 00 = "01"');
  const crcText = payload.slice(-8);
  if (ids[ids.length - 1] !== '63' || !/^6304[0-9A-Fa-f]{4}$/.test(crcText))
    throw new DecodeError(what, '63', Buffer.byteLength(payload) - Math.min(8, payload.length), 'payload must end with the CRC, tag 63 of 4 hex digits');
  // Compared as written: the CRC is 4 uppercase hex digits (the specification's example "6304007B"),
  // so a lowercase one is reported invalid (carried shows it), not taken.
  const carried = crcText.slice(4);
  const computed = qrCrc(payload.slice(0, -4));
  return { objects, order: ids, crc: { carried, computed, valid: carried === computed } };
}

function encodeObject(id: string, value: MpmValue, path: string): string {
  if (!/^\d\d$/.test(id)) throw new EncodeError(what, path, 'IDs are two digits');
  const text = typeof value === 'string' ? value : encodeObjects(value, path);
  const length = Array.from(text).length;
  if (length > 99) throw new EncodeError(what, path, `value of ${length} characters exceeds 99`);
  return id + String(length).padStart(2, '0') + text;
}

function encodeObjects(objects: MpmObject, prefix: string, order?: readonly string[]): string {
  const ids = order ? [...order.filter((id) => id in objects), ...Object.keys(objects).filter((id) => !order.includes(id)).sort()] : Object.keys(objects).sort();
  return ids
    .filter((id) => prefix || id !== '63')
    .map((id) => encodeObject(id, objects[id]!, prefix ? `${prefix}.${id}` : id))
    .join('');
}

/**
 * Encodes data objects in `order` (a decoded payload's) or else in ascending ID order, 00 first,
 * then appends tag 63 with the CRC. A tag 63 in the input is ignored: the CRC is always computed.
 * Objects that break the specification's data object table are refused (checkMpmObjects).
 */
export function encodeMpm(objects: MpmObject, order?: readonly string[]): string {
  checkMpmObjects(objects);
  if (objects['00'] === undefined) objects = { '00': '01', ...objects };
  const body = `${encodeObjects(objects, '', order && ['00', ...order.filter((id) => id !== '00')])}6304`;
  return body + qrCrc(body);
}
