/**
 * Compiles a FieldSpec into a codec: data encoding × length prefix × padding, plus composite
 * subfields (positional, bitmapped, tagged, BER-TLV). Decoders check every claimed length against
 * the spec's maximum and the bytes that remain before they read, and name the field path and byte
 * offset when they refuse.
 */
import { DecodeError, EncodeError } from '../errors.js';
import { decodeTlv, encodeTlv, type Tlv } from '../tlv/index.js';
import { packBcd, unpackBcd, type BcdPad } from './bcd.js';
import { decodeBitmap, encodeBitmap, bitmapSize } from './bitmap.js';
import { decodeText, encodeText, type Charset } from './charsets.js';
import type { CompositeSpec, FieldSpec, LengthPrefix, PrefixEncoding } from './spec.js';

export type FieldValue = string | Buffer | FieldMap;
export interface FieldMap {
  [id: string]: FieldValue;
}

export interface FieldCodec {
  readonly spec: FieldSpec;
  /** Subfield codecs of a positional, bitmapped or tagged composite, by id. */
  readonly subfields?: ReadonlyMap<string, FieldCodec>;
  encode(value: FieldValue, path: string): Buffer;
  /** Reads the field at `offset`, never past `end`; returns the value and the offset after it. */
  decode(bytes: Buffer, offset: number, end: number, path: string): { value: FieldValue; next: number };
}

const what = 'ISO 8583 field';
const charsets = new Set(['ascii', 'ebcdic037', 'ebcdic1047']);

const textPatterns: Partial<Record<FieldSpec['type'], RegExp>> = {
  n: /^[0-9]*$/,
  z: /^[0-9=]*$/,
  xn: /^[CD][0-9]*$/,
  a: /^[A-Za-z ]*$/,
  an: /^[A-Za-z0-9 ]*$/,
};

const typeNames: Record<FieldSpec['type'], string> = {
  n: 'digits',
  z: "digits and '='",
  xn: 'C or D followed by digits',
  a: 'letters and spaces',
  an: 'letters, digits and spaces',
  ans: 'characters of its code page',
  b: 'bytes',
};

// ---------------------------------------------------------------- length prefixes

interface Prefixer {
  readonly size: number;
  write(length: number, path: string): Buffer;
  read(bytes: Buffer, offset: number, path: string): number;
}

function makePrefixer(prefix: LengthPrefix, encoding: PrefixEncoding): Prefixer {
  const digits = prefix.length;
  if (encoding === 'binary') {
    const max = 2 ** (8 * digits) - 1;
    return {
      size: digits,
      write: (length, path) => {
        if (length > max) throw new EncodeError(what, path, `length ${length} does not fit a ${digits}-byte prefix`);
        const out = Buffer.alloc(digits);
        out.writeUIntBE(length, 0, digits);
        return out;
      },
      read: (bytes, offset) => bytes.readUIntBE(offset, digits),
    };
  }
  if (encoding === 'bcd') {
    const size = Math.ceil(digits / 2);
    return {
      size,
      write: (length, path) => {
        const text = String(length).padStart(size * 2, '0');
        if (text.length > size * 2) throw new EncodeError(what, path, `length ${length} does not fit a ${prefix} prefix`);
        return packBcd(text, 'left')!;
      },
      read: (bytes, offset, path) => {
        const text = unpackBcd(bytes, offset, size * 2, 'left', false);
        if (typeof text === 'number') throw new DecodeError(what, path, offset + text, `${prefix} length prefix is not BCD digits`);
        return Number(text);
      },
    };
  }
  const charset = encoding as Charset;
  return {
    size: digits,
    write: (length, path) => {
      const text = String(length).padStart(digits, '0');
      if (text.length > digits) throw new EncodeError(what, path, `length ${length} does not fit a ${prefix} prefix`);
      return encodeText(text, charset)!;
    },
    read: (bytes, offset, path) => {
      const text = decodeText(bytes, offset, offset + digits, charset);
      if (!/^[0-9]+$/.test(text)) throw new DecodeError(what, path, offset, `${prefix} length prefix is not ${digits} digits`);
      return Number(text);
    },
  };
}

function defaultPrefixEncoding(spec: FieldSpec): PrefixEncoding {
  if (spec.encoding === 'hex') return 'ascii';
  return spec.encoding;
}

// ---------------------------------------------------------------- data (the part after the prefix)

/** Encodes and decodes a field's data for a given number of units (characters, digits or bytes). */
interface DataCodec {
  /** Units a value has (string length, buffer length). */
  units(value: FieldValue, path: string): number;
  /** Wire bytes that `units` units take. */
  bytesFor(units: number): number;
  /** Units that `byteCount` wire bytes hold (for prefixes that count bytes). */
  unitsIn(byteCount: number): number;
  write(value: FieldValue, path: string): Buffer;
  read(bytes: Buffer, offset: number, units: number, path: string): FieldValue;
}

function makeDataCodec(spec: FieldSpec): DataCodec {
  const { type, encoding } = spec;
  if (type === 'b') {
    if (encoding !== 'binary' && encoding !== 'hex')
      throw new Error(`field type b needs binary or hex encoding, not ${encoding}`);
    const hex = encoding === 'hex';
    const asBuffer = (value: FieldValue, path: string): Buffer => {
      if (Buffer.isBuffer(value)) return value;
      if (typeof value === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(value)) return Buffer.from(value, 'hex');
      throw new EncodeError(what, path, 'binary field needs bytes (a Buffer or hex text)');
    };
    return {
      units: (value, path) => asBuffer(value, path).length,
      bytesFor: (units) => (hex ? units * 2 : units),
      unitsIn: (byteCount) => (hex ? byteCount >> 1 : byteCount),
      write: (value, path) => {
        const bytes = asBuffer(value, path);
        return hex ? Buffer.from(bytes.toString('hex').toUpperCase(), 'latin1') : bytes;
      },
      read: (bytes, offset, units, path) => {
        if (!hex) return Buffer.from(bytes.subarray(offset, offset + units));
        const text = bytes.toString('latin1', offset, offset + units * 2);
        if (!/^[0-9A-Fa-f]*$/.test(text)) throw new DecodeError(what, path, offset, 'binary field is not ASCII hex');
        return Buffer.from(text, 'hex');
      },
    };
  }

  const pattern = textPatterns[type];
  const asText = (value: FieldValue, path: string): string => {
    if (typeof value !== 'string') throw new EncodeError(what, path, `field of type ${type} needs text`);
    if (pattern && !pattern.test(value)) throw new EncodeError(what, path, `must hold only ${typeNames[type]}`);
    return value;
  };

  if (encoding === 'bcd') {
    if (type !== 'n' && type !== 'z' && type !== 'xn') throw new Error(`BCD encoding needs type n, z or xn, not ${type}`);
    const pad: BcdPad = spec.bcdPad ?? (type === 'z' ? 'right' : 'left');
    const signed = type === 'xn';
    const digitBytes = (digits: number) => (digits + 1) >> 1;
    return {
      units: (value, path) => asText(value, path).length,
      bytesFor: (units) => (signed ? 1 + digitBytes(units - 1) : digitBytes(units)),
      unitsIn: (byteCount) => (signed ? 1 + (byteCount - 1) * 2 : byteCount * 2),
      write: (value, path) => {
        const text = asText(value, path);
        if (!signed) return packBcd(text, pad)!;
        return Buffer.concat([Buffer.from(text[0]!, 'latin1'), packBcd(text.slice(1), pad)!]);
      },
      read: (bytes, offset, units, path) => {
        let sign = '';
        let at = offset;
        let digits = units;
        if (signed) {
          sign = String.fromCharCode(bytes[at]!);
          if (sign !== 'C' && sign !== 'D') throw new DecodeError(what, path, at, 'amount sign is not C or D');
          at++;
          digits--;
        }
        const text = unpackBcd(bytes, at, digits, pad, type === 'z');
        if (typeof text === 'number') throw new DecodeError(what, path, at + text, `BCD byte holds a nibble that is not ${typeNames[type]}`);
        return sign + text;
      },
    };
  }

  if (!charsets.has(encoding)) throw new Error(`type ${type} cannot use ${encoding} encoding`);
  const charset = encoding as Charset;
  return {
    units: (value, path) => asText(value, path).length,
    bytesFor: (units) => units,
    unitsIn: (byteCount) => byteCount,
    write: (value, path) => {
      const bytes = encodeText(asText(value, path), charset);
      if (!bytes) throw new EncodeError(what, path, `holds a character that ${charset} cannot encode`);
      return bytes;
    },
    read: (bytes, offset, units, path) => {
      const text = decodeText(bytes, offset, offset + units, charset);
      if (pattern && !pattern.test(text)) throw new DecodeError(what, path, offset, `must hold only ${typeNames[type]}`);
      return text;
    },
  };
}

// ---------------------------------------------------------------- composites

interface PayloadCodec {
  readonly subfields?: ReadonlyMap<string, FieldCodec>;
  encode(value: FieldValue, path: string): Buffer;
  decode(bytes: Buffer, offset: number, end: number, path: string): FieldMap;
}

const numericOrder = (a: string, b: string) => Number(a) - Number(b);

function asMap(value: FieldValue, path: string): FieldMap {
  if (typeof value === 'string' || Buffer.isBuffer(value)) throw new EncodeError(what, path, 'composite field needs its subfields');
  return value;
}

function compileSubfields(fields: Record<string, FieldSpec>): Map<string, FieldCodec> {
  const codecs = new Map<string, FieldCodec>();
  for (const id of Object.keys(fields).sort(numericOrder)) codecs.set(id, compileField(fields[id]!));
  return codecs;
}

function makeComposite(spec: CompositeSpec): PayloadCodec {
  switch (spec.kind) {
    case 'tlv':
      return tlvComposite;
    case 'positional': {
      const subfields = compileSubfields(spec.fields);
      return {
        subfields,
        encode: (value, path) => {
          const map = asMap(value, path);
          const parts: Buffer[] = [];
          const ids = [...subfields.keys()];
          const lastPresent = ids.findLastIndex((id) => map[id] !== undefined);
          for (let i = 0; i <= lastPresent; i++) {
            const id = ids[i]!;
            const sub = map[id];
            if (sub === undefined) throw new EncodeError(what, `${path}.${id}`, 'positional subfield missing before a later one');
            parts.push(subfields.get(id)!.encode(sub, `${path}.${id}`));
          }
          return Buffer.concat(parts);
        },
        decode: (bytes, offset, end, path) => {
          const map: FieldMap = {};
          let at = offset;
          for (const [id, codec] of subfields) {
            if (at >= end) break;
            const { value, next } = codec.decode(bytes, at, end, `${path}.${id}`);
            map[id] = value;
            at = next;
          }
          if (at !== end) throw new DecodeError(what, path, at, `${end - at} bytes left after the last subfield`);
          return map;
        },
      };
    }
    case 'bitmap': {
      const subfields = compileSubfields(spec.fields);
      const bitmapBytes = spec.bitmapBytes ?? 8;
      const encodingSize = bitmapSize(spec.bitmap, bitmapBytes);
      return {
        subfields,
        encode: (value, path) => {
          const map = asMap(value, path);
          const present: number[] = [];
          const parts: Buffer[] = [];
          for (const [id, codec] of subfields) {
            const sub = map[id];
            if (sub === undefined) continue;
            present.push(Number(id));
            parts.push(codec.encode(sub, `${path}.${id}`));
          }
          for (const id of Object.keys(map)) if (!subfields.has(id)) throw new EncodeError(what, `${path}.${id}`, 'no such subfield in the spec');
          return Buffer.concat([encodeBitmap(present, bitmapBytes, spec.bitmap), ...parts]);
        },
        decode: (bytes, offset, end, path) => {
          if (end - offset < encodingSize) throw new DecodeError(what, path, offset, 'subfield bitmap runs past the end of the field');
          const present = decodeBitmap(bytes, offset, bitmapBytes, spec.bitmap, path);
          const map: FieldMap = {};
          let at = offset + encodingSize;
          for (const id of present) {
            const codec = subfields.get(String(id));
            if (!codec) throw new DecodeError(what, `${path}.${id}`, offset, 'bitmap announces a subfield the spec does not define');
            const { value, next } = codec.decode(bytes, at, end, `${path}.${id}`);
            map[String(id)] = value;
            at = next;
          }
          if (at !== end) throw new DecodeError(what, path, at, `${end - at} bytes left after the last subfield`);
          return map;
        },
      };
    }
    case 'tagged': {
      const subfields = new Map(Object.entries(spec.fields).map(([tag, field]) => [tag, compileField(field)]));
      const unknown = spec.unknownTag ? compileField(spec.unknownTag) : undefined;
      const charset: Charset = spec.tagEncoding ?? 'ascii';
      return {
        subfields,
        encode: (value, path) => {
          const map = asMap(value, path);
          const parts: Buffer[] = [];
          for (const [tag, sub] of Object.entries(map)) {
            const codec = subfields.get(tag) ?? unknown;
            if (!codec) throw new EncodeError(what, `${path}.${tag}`, 'no such tag in the spec');
            const tagBytes = encodeText(tag, charset);
            if (!tagBytes || tag.length !== spec.tagLength) throw new EncodeError(what, `${path}.${tag}`, `tag must be ${spec.tagLength} characters`);
            parts.push(tagBytes, codec.encode(sub, `${path}.${tag}`));
          }
          return Buffer.concat(parts);
        },
        decode: (bytes, offset, end, path) => {
          const map: FieldMap = {};
          let at = offset;
          while (at < end) {
            if (end - at < spec.tagLength) throw new DecodeError(what, path, at, 'tag runs past the end of the field');
            const tag = decodeText(bytes, at, at + spec.tagLength, charset);
            const codec = subfields.get(tag) ?? unknown;
            if (!codec) throw new DecodeError(what, `${path}.${tag}`, at, 'tag not in the spec');
            const { value, next } = codec.decode(bytes, at + spec.tagLength, end, `${path}.${tag}`);
            map[tag] = value;
            at = next;
          }
          return map;
        },
      };
    }
  }
}

/** DE55-style BER-TLV: tag → bytes, templates → nested maps; a repeated tag is kept as "TAG#2". */
const tlvComposite: PayloadCodec = {
  encode: (value, path) => encodeTlv(mapToTlv(asMap(value, path), path)),
  decode: (bytes, offset, end, path) => tlvToMap(decodeTlv(bytes.subarray(offset, end), { offset, path })),
};

/**
 * The order tags arrived in. JavaScript objects list integer-like keys ("82", "95") first, so a
 * decoded DE55 remembers its wire order here to re-encode byte for byte.
 */
const tlvOrder = Symbol('tlvOrder');
type OrderedMap = FieldMap & { [tlvOrder]?: string[] };

function tlvToMap(items: Tlv[]): FieldMap {
  const map: OrderedMap = {};
  const order: string[] = [];
  for (const item of items) {
    let key = item.tag;
    for (let n = 2; key in map; n++) key = `${item.tag}#${n}`;
    map[key] = item.children ? tlvToMap(item.children) : Buffer.from(item.value);
    order.push(key);
  }
  Object.defineProperty(map, tlvOrder, { value: order, enumerable: false });
  return map;
}

/** Sets a key of a DE55-style map, remembering insertion order as the wire order. */
export function setTlvEntry(map: FieldMap, key: string, value: FieldValue): void {
  const ordered = map as OrderedMap;
  let order = ordered[tlvOrder];
  if (!order) {
    order = Object.keys(map);
    Object.defineProperty(map, tlvOrder, { value: order, enumerable: false });
  }
  if (!(key in map)) order.push(key);
  map[key] = value;
}

function orderedKeys(map: OrderedMap): string[] {
  const order = map[tlvOrder];
  if (!order) return Object.keys(map);
  const keys = order.filter((key) => key in map);
  for (const key of Object.keys(map)) if (!order.includes(key)) keys.push(key);
  return keys;
}

function mapToTlv(map: FieldMap, path: string): Tlv[] {
  return orderedKeys(map).map((key) => [key, map[key]!] as const).map(([key, value]) => {
    const tag = key.split('#')[0]!.toUpperCase();
    if (Buffer.isBuffer(value)) return { tag, value };
    if (typeof value === 'string') {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw new EncodeError(what, `${path}.${tag}`, 'EMV tag value must be bytes or hex');
      return { tag, value: Buffer.from(value, 'hex') };
    }
    return { tag, value: Buffer.alloc(0), children: mapToTlv(value, `${path}.${tag}`) };
  });
}

// ---------------------------------------------------------------- the field

function padFixed(spec: FieldSpec, value: FieldValue): FieldValue {
  if (typeof value !== 'string' || value.length >= spec.length) return value;
  if (spec.type === 'n') return value.padStart(spec.length, '0');
  if (spec.type === 'a' || spec.type === 'an' || spec.type === 'ans') return value.padEnd(spec.length, ' ');
  return value;
}

export function compileField(spec: FieldSpec): FieldCodec {
  const data = makeDataCodec(spec.subfields ? { ...spec, type: 'b', encoding: spec.encoding === 'hex' ? 'hex' : 'binary' } : spec);
  const composite = spec.subfields ? makeComposite(spec.subfields) : undefined;
  const prefixer = spec.prefix ? makePrefixer(spec.prefix, spec.prefixEncoding ?? defaultPrefixEncoding(spec)) : undefined;
  const countsBytes = spec.prefixCounts === 'bytes';
  const max = spec.length;

  const encode = (value: FieldValue, path: string): Buffer => {
    const payload: FieldValue = composite ? composite.encode(value, path) : prefixer ? value : padFixed(spec, value);
    const units = data.units(payload, path);
    if (units > max) throw new EncodeError(what, path, `length ${units} exceeds the maximum ${max}`);
    if (!prefixer && units !== max) throw new EncodeError(what, path, `length ${units} is not the fixed length ${max}`);
    const body = data.write(payload, path);
    if (!prefixer) return body;
    return Buffer.concat([prefixer.write(countsBytes ? body.length : units, path), body]);
  };

  const decode = (bytes: Buffer, offset: number, end: number, path: string) => {
    let at = offset;
    let units = max;
    if (prefixer) {
      if (end - at < prefixer.size) throw new DecodeError(what, path, at, 'length prefix runs past the end of the message');
      const length = prefixer.read(bytes, at, path);
      units = countsBytes ? data.unitsIn(length) : length;
      if (units > max) throw new DecodeError(what, path, at, `length ${units} exceeds the maximum ${max}`);
      at += prefixer.size;
    }
    const size = data.bytesFor(units);
    if (size > end - at) throw new DecodeError(what, path, at, `needs ${size} bytes but ${end - at} remain`);
    if (composite) {
      const payload = data.read(bytes, at, units, path) as Buffer;
      const value = spec.encoding === 'hex' ? composite.decode(payload, 0, payload.length, path) : composite.decode(bytes, at, at + size, path);
      return { value, next: at + size };
    }
    return { value: data.read(bytes, at, units, path), next: at + size };
  };

  return composite?.subfields ? { spec, subfields: composite.subfields, encode, decode } : { spec, encode, decode };
}
