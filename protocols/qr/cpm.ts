/**
 * EMVCo consumer-presented QR payloads (EMV QRCPS Consumer-Presented Mode): base64 of BER-TLV
 * with the Payload Format Indicator 85 = "CPV01", then application templates (61, which may hold
 * an application-specific transparent template 63) and the common data template (62, holding the
 * common data transparent template 64).
 */
import { DecodeError, EncodeError } from '../errors.js';
import { isObject } from '../is-object.js';
import { decodeTlv, encodeTlv, isConstructed, objectToTlv, tlvToObject, type Tlv, type TlvObject } from '../tlv/index.js';

const what = 'EMVCo consumer-presented QR';
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a base64 CPM payload to its BER-TLV objects (hex values, nested templates; repeated 61 templates as 61, 61#2, …). */
export function decodeCpm(payload: string): TlvObject {
  const text = payload.trim();
  if (!base64.test(text) || text.length % 4 !== 0) throw new DecodeError(what, '', 0, 'is not base64');
  const bytes = Buffer.from(text, 'base64');
  const items = decodeTlv(bytes);
  if (items[0]?.tag !== '85' || items[0].value.toString('latin1') !== 'CPV01')
    throw new DecodeError(what, '85', 0, 'must start with Payload Format Indicator 85 = "CPV01"');
  return tlvToObject(items);
}

const payloadFormatIndicator = Buffer.from('85054350563031', 'hex');

/**
 * Whether a text is meant as a CPM payload, whole or damaged: base64 whose first bytes are the
 * Payload Format Indicator 85 05 "CPV01". No other payment code starts so (base64 "hQVDUFYwM…"),
 * so a text that does and fails decodeCpm is a damaged CPM, reported with its decode error.
 */
export function startsAsCpm(text: string): boolean {
  const head = text.trim().slice(0, 12);
  return /^[A-Za-z0-9+/]{10}[A-Za-z0-9+/=]{2}$/.test(head) && Buffer.from(head, 'base64').subarray(0, 7).equals(payloadFormatIndicator);
}

/** Whether a scanned text is a CPM payload (base64 of BER-TLV starting with 85 "CPV01"). */
export function isCpm(text: string): boolean {
  try {
    decodeCpm(text);
    return true;
  } catch {
    return false;
  }
}

/** Payload order: 85 first, then templates by tag, repeats (61#2) after their first. */
function payloadOrder(a: string, b: string): number {
  const rank = (key: string) => {
    const [tag, repeat] = key.split('#');
    return (tag === '85' ? 0 : parseInt(tag!, 16)) * 100 + Number(repeat ?? 1);
  };
  return rank(a) - rank(b);
}

/**
 * Inside templates, tags in ascending hex order (4F before 50, 5A before 5F20), as the
 * specification's example has them. Built as a list, because objects reorder integer-like keys.
 */
function sortedTlv(tag: string, value: string | TlvObject): Tlv {
  if (typeof value === 'string') return objectToTlv({ [tag]: value })[0]!;
  const children = Object.keys(value)
    .map((key) => [key.toUpperCase(), key] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([upper, key]) => sortedTlv(upper.split('#')[0]!, value[key]!));
  return { tag, value: Buffer.alloc(0), children };
}

/**
 * Value lengths in bytes (EMV 4.4 Book 3 Annex A) of the data objects the CPM specification puts in
 * its application (61) and common data (62) templates and their transparent templates (63, 64).
 */
const byteLengths: Record<string, readonly [number, number]> = {
  '4F': [5, 16], 50: [1, 16], 57: [1, 19], '5A': [1, 10], '5F20': [2, 26], '5F2D': [2, 8], '5F34': [1, 1],
  '9F08': [2, 2], '9F19': [6, 6], '9F24': [29, 29], '9F25': [2, 2], '9F10': [1, 32], '9F26': [8, 8], '9F27': [1, 1],
  '9F36': [2, 2], '9F37': [4, 4], 82: [2, 2], 95: [5, 5], '9A': [3, 3], '9C': [1, 1], '9F02': [6, 6], '9F03': [6, 6],
  '5F2A': [2, 2], '9F1A': [2, 2],
};
const cpv01 = Buffer.from('CPV01').toString('hex').toUpperCase();

/** A key as decodeCpm writes it: a tag, and for a repeat "#n" (n from 2). */
const keyPattern = /^([0-9A-Fa-f]+)(?:#([1-9]\d*))?$/;

/** The key's tag (uppercase), or an EncodeError at `here`: not a well-formed BER tag (EMV Book 3 Annex B), or a bad repeat suffix. */
function keyTag(key: string, here: string): string {
  const match = keyPattern.exec(key);
  const tag = (match?.[1] ?? key.split('#')[0]!).toUpperCase();
  if (key.includes('#') && (!match || Number(match[2]) < 2)) throw new EncodeError(what, here, 'a repeated tag is written TAG#n, n from 2 (61#2)');
  try {
    encodeTlv([{ tag, value: Buffer.alloc(0) }]); // the BER-TLV encoder's own tag check, with this template's path
  } catch (error) {
    if (error instanceof EncodeError) throw new EncodeError(what, here, error.reason);
    throw error;
  }
  return tag;
}

function checkTemplate(template: Record<string, unknown>, path: string): void {
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(template)) {
    const here = `${path}.${key}`;
    const tag = keyTag(key, here);
    if (seen.has(key.toUpperCase())) throw new EncodeError(what, here, `tag ${key.toUpperCase()} given twice`);
    seen.add(key.toUpperCase());
    if (tag === '85' || tag === '61' || tag === '62') throw new EncodeError(what, here, `${tag} belongs only at the top of the payload, not inside a template`);
    // EMV Book 3 Annex B: bit 6 of the first tag byte says whether the value is data objects or bytes.
    if (isConstructed(tag)) {
      if (!isObject(value)) throw new EncodeError(what, here, 'a constructed tag (EMV Book 3 Annex B): give its data objects as an object');
      checkTemplate(value, here);
      continue;
    }
    if (typeof value !== 'string' || !/^(?:[0-9A-Fa-f]{2})+$/.test(value))
      throw new EncodeError(what, here, isObject(value) ? 'a primitive tag (EMV Book 3 Annex B): the value must be hex bytes, not data objects' : 'the value must be hex bytes');
    const [min, max] = byteLengths[tag] ?? [1, 65535];
    const bytes = value.length / 2;
    if (bytes < min || bytes > max) throw new EncodeError(what, here, `${bytes} bytes; ${min === max ? `exactly ${min}` : `${min} to ${max}`} allowed (EMV Book 3 Annex A)`);
  }
}

/**
 * Encodes CPM objects (the shape decodeCpm returns) back to base64. 85 "CPV01" is added when
 * missing; the payload holds only 85, application templates 61 (each with its ADF Name 4F) and
 * the common data template 62, and values of the data objects the CPM tables list keep their EMV
 * lengths: anything else is refused with an EncodeError naming the tag by its path (62.64.9F26): a
 * second 62, a 61 or 62 inside a template, a key that is not a BER tag with an optional #n (n ≥ 2),
 * a primitive tag given data objects or a constructed one given bytes (EMV Book 3 Annex B). Card data is not judged
 * (a test may need a PAN that fails its check digit).
 */
export function encodeCpm(object: TlvObject): string {
  if (!isObject(object)) throw new EncodeError(what, '', 'data objects must be an object of tag → value');
  if (object['85'] === undefined) object = { 85: cpv01, ...object };
  if (typeof object['85'] !== 'string' || object['85'].toUpperCase() !== cpv01) throw new EncodeError(what, '85', 'Payload Format Indicator must be "CPV01" (hex 4350563031)');
  const templates = Object.keys(object).filter((key) => key !== '85');
  if (!templates.some((key) => key.split('#')[0] === '61')) throw new EncodeError(what, '61', 'at least one Application Template is mandatory');
  for (const key of templates) {
    const tag = keyTag(key, key);
    const value = object[key];
    if (tag === '85') throw new EncodeError(what, key, 'at most one Payload Format Indicator 85');
    if (tag !== '61' && tag !== '62') throw new EncodeError(what, key, 'the payload holds only 85, Application Templates 61 and the Common Data Template 62');
    if (tag === '62' && key !== '62') throw new EncodeError(what, key, 'at most one Common Data Template 62');
    if (!isObject(value)) throw new EncodeError(what, key, 'a template: give its data objects as an object');
    if (tag === '61' && !Object.keys(value).some((child) => child.toUpperCase() === '4F')) throw new EncodeError(what, `${key}.4F`, 'ADF Name is mandatory in an Application Template');
    checkTemplate(value, key);
  }
  const keys = Object.keys(object).sort(payloadOrder);
  return encodeTlv(keys.map((key) => sortedTlv(key.split('#')[0]!, object[key]!))).toString('base64');
}
