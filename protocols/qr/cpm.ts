/**
 * EMVCo consumer-presented QR payloads (EMV QRCPS Consumer-Presented Mode): base64 of BER-TLV
 * with the Payload Format Indicator 85 = "CPV01", then application templates (61), the common
 * data template (62, holding the transparent template 64) and application-specific transparent
 * templates (63).
 */
import { DecodeError } from '../errors.js';
import { decodeTlv, encodeTlv, objectToTlv, tlvToObject, type Tlv, type TlvObject } from '../tlv/index.js';

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
  const children = Object.keys(value).sort().map((child) => sortedTlv(child.split('#')[0]!, value[child]!));
  return { tag, value: Buffer.alloc(0), children };
}

/** Encodes CPM objects (the shape decodeCpm returns) back to base64. */
export function encodeCpm(object: TlvObject): string {
  const keys = Object.keys(object).sort(payloadOrder);
  return encodeTlv(keys.map((key) => sortedTlv(key.split('#')[0]!, object[key]!))).toString('base64');
}
