/**
 * What a person or a log may see of a message. By default PANs keep their first 6 and last 4
 * digits, tracks keep only the masked PAN, and PIN blocks, keys and other secrets are replaced by
 * stars; inside DE55 the same goes for the PAN, track and PIN tags.
 */
import { emvSensitiveTags, maskEmvValue, maskPan, maskTrack } from '../mask.js';
import { decodeTlv, emvTagName } from '../tlv/index.js';
import { tlvToMap, type FieldMap, type FieldValue } from './field.js';
import { orderedKeys, withKeyOrder } from '../ordered-json.js';
import type { IsoMessage } from './message.js';
import type { FieldSpec, Sensitivity } from './spec.js';

function maskText(text: string, sensitivity: Sensitivity | undefined): string {
  if (sensitivity === 'pan') return maskPan(text);
  if (sensitivity === 'track') return maskTrack(text);
  if (sensitivity === 'secret' || sensitivity === 'emv') return '*'.repeat(text.length);
  return text;
}

function leafJson(value: string | Buffer, sensitivity: Sensitivity | undefined, reveal: boolean): string {
  if (typeof value === 'string') return reveal ? value : maskText(value, sensitivity);
  const hex = value.toString('hex').toUpperCase();
  if (reveal || !sensitivity) return hex;
  if (sensitivity === 'pan') return maskPan(hex.replace(/F+$/, ''));
  if (sensitivity === 'track') return maskTrack(hex.replace(/F+$/, ''));
  return '*'.repeat(hex.length);
}

function mapJson(map: FieldMap, spec: FieldSpec, reveal: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const composite = spec.subfields!;
  const keys = composite.kind === 'tlv' ? orderedKeys(map) : Object.keys(map);
  for (const key of keys) {
    const value = map[key]!;
    if (composite.kind === 'tlv') {
      const tag = key.split('#')[0]!;
      if (Buffer.isBuffer(value)) out[key] = reveal ? value.toString('hex').toUpperCase() : maskEmvValue(tag, value);
      else out[key] = typeof value === 'string' ? leafJson(value, emvSensitiveTags[tag], reveal) : mapJson(value, spec, reveal);
    } else {
      const sub = composite.fields[key] ?? (composite.kind === 'tagged' ? composite.unknownTag : undefined);
      out[key] = sub ? maskedJson(sub, value, reveal) : leafJson(value as string | Buffer, 'secret', reveal);
    }
  }
  // Wire order, for printers that keep it (stringifyOrdered): "82" would otherwise list before "9F26".
  return withKeyOrder(out, keys);
}

/** The JSON form of one field value: text as characters, bytes as uppercase hex, composites as objects. */
export function maskedJson(spec: FieldSpec, value: FieldValue, reveal: boolean): unknown {
  if (spec.sensitive === 'emv' && !reveal && (Buffer.isBuffer(value) || typeof value === 'string')) {
    // ISO 8583:1987 reserves DE55 as text: ICC data there is its hex.
    if (typeof value === 'string') return /^([0-9A-Fa-f]{2})+$/.test(value) ? emvJson(Buffer.from(value, 'hex')) : '*'.repeat(value.length);
    return emvJson(value);
  }
  if (typeof value === 'string' || Buffer.isBuffer(value)) return leafJson(value, spec.sensitive, reveal);
  return mapJson(value, spec, reveal);
}

/** DE55 kept as bytes by its spec: its tags masked as DE55's are, or stars when it is not BER-TLV (it may hold anything). */
function emvJson(value: Buffer): unknown {
  let map: FieldMap;
  try {
    map = tlvToMap(decodeTlv(value));
  } catch {
    return '*'.repeat(value.length * 2);
  }
  return mapJson(map, { name: 'DE55', type: 'b', length: value.length, encoding: 'binary', subfields: { kind: 'tlv' } }, false);
}

function lines(label: string, json: unknown, indent: string, names: (key: string) => string | undefined): string[] {
  if (typeof json === 'string') return [`${indent}${label.padEnd(44 - indent.length)} ${json}`];
  const out = [`${indent}${label}`];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const name = names(key);
    out.push(...lines(name ? `${key} ${name}` : key, value, `${indent}  `, names));
  }
  return out;
}

export function describeMessage(message: IsoMessage, reveal: boolean): string {
  const json = message.toJSON({ reveal });
  const out = [`MTI ${json.mti}${json.header ? `  header ${json.header}` : ''}  (spec ${message.spec.name})`, ...(json.warnings ?? []).map((w) => `warning: ${w}`)];
  for (const [id, value] of Object.entries(json.fields)) {
    const spec = message.spec.fields[id]!;
    const names = spec.subfields?.kind === 'tlv' || spec.sensitive === 'emv' ? emvTagName : (key: string) => (spec.subfields && 'fields' in spec.subfields ? spec.subfields.fields[key]?.name : undefined);
    out.push(...lines(`${id.padStart(3)} ${spec.name}`, value, '', names));
  }
  return out.join('\n');
}
