/**
 * Compiles a FieldSpec into a codec: data encoding × length prefix × padding, plus composite
 * subfields (positional, bitmapped, tagged, BER-TLV). Decoders check every claimed length against
 * the spec's maximum and the bytes that remain before they read, and name the field path and byte
 * offset when they refuse.
 */
import { DecodeError, EncodeError } from '../errors.js';
import { orderedKeys, withKeyOrder } from '../ordered-json.js';
import { decodeTlv, encodeTlv, type Tlv } from '../tlv/index.js';
import { bcdBytes, packBcdInto, unpackBcd, type BcdPad } from './bcd.js';
import { decodeBitmap, encodeBitmap, bitmapSize } from './bitmap.js';
import { decodeText, encodeText, encodeTextInto, type Charset } from './charsets.js';
import { ByteWriter } from './writer.js';
import type { CompositeSpec, FieldSpec, LengthPrefix, PrefixEncoding } from './spec.js';

export type FieldValue = string | Buffer | FieldMap;
export interface FieldMap {
  [id: string]: FieldValue;
}

export interface FieldCodec {
  readonly spec: FieldSpec;
  /** Subfield codecs of a positional, bitmapped or tagged composite, by id. */
  readonly subfields?: ReadonlyMap<string, FieldCodec>;
  /** Appends the field (prefix and data) to the writer; throws EncodeError naming `path`. */
  write(value: FieldValue, path: string, out: ByteWriter): void;
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
  /** Writes `length` into the `size` bytes reserved at `at`. */
  writeAt(out: Buffer, at: number, length: number, path: string): void;
  read(bytes: Buffer, offset: number, path: string): number;
}

function makePrefixer(prefix: LengthPrefix, encoding: PrefixEncoding): Prefixer {
  const digits = prefix.length;
  if (encoding === 'binary') {
    const max = 2 ** (8 * digits) - 1;
    return {
      size: digits,
      writeAt: (out, at, length, path) => {
        if (length > max) throw new EncodeError(what, path, `length ${length} does not fit a ${digits}-byte prefix`);
        out.writeUIntBE(length, at, digits);
      },
      read: (bytes, offset) => bytes.readUIntBE(offset, digits),
    };
  }
  const tooLong = (length: number, path: string) => new EncodeError(what, path, `length ${length} does not fit a ${prefix} prefix`);
  if (encoding === 'bcd') {
    const size = bcdBytes(digits);
    const max = 10 ** (size * 2) - 1;
    return {
      size,
      writeAt: (out, at, length, path) => {
        if (length > max) throw tooLong(length, path);
        for (let i = size - 1, rest = length; i >= 0; i--, rest = Math.floor(rest / 100)) out[at + i] = (Math.floor(rest / 10) % 10 << 4) | rest % 10;
      },
      read: (bytes, offset, path) => {
        let length = 0;
        for (let i = 0; i < size; i++) {
          const byte = bytes[offset + i]!;
          const high = byte >> 4;
          const low = byte & 0x0f;
          if (high > 9 || low > 9) throw new DecodeError(what, path, offset + i, `${prefix} length prefix is not BCD digits`);
          length = length * 100 + high * 10 + low;
        }
        return length;
      },
    };
  }
  const zero = encoding === 'ascii' ? 0x30 : 0xf0;
  const max = 10 ** digits - 1;
  return {
    size: digits,
    writeAt: (out, at, length, path) => {
      if (length > max) throw tooLong(length, path);
      for (let i = digits - 1, rest = length; i >= 0; i--, rest = Math.floor(rest / 10)) out[at + i] = zero + (rest % 10);
    },
    read: (bytes, offset, path) => {
      let length = 0;
      for (let i = 0; i < digits; i++) {
        const digit = bytes[offset + i]! - zero;
        if (digit < 0 || digit > 9) throw new DecodeError(what, path, offset, `${prefix} length prefix is not ${digits} digits`);
        length = length * 10 + digit;
      }
      return length;
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
  /** Wire bytes that `units` units take. */
  bytesFor(units: number): number;
  /** Units that `byteCount` wire bytes hold (for prefixes that count bytes). */
  unitsIn(byteCount: number): number;
  /** Appends the value and returns its length in units (characters, digits or bytes). */
  write(value: FieldValue, path: string, out: ByteWriter): number;
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
      bytesFor: (units) => (hex ? units * 2 : units),
      unitsIn: (byteCount) => (hex ? byteCount >> 1 : byteCount),
      write: (value, path, out) => {
        const bytes = asBuffer(value, path);
        if (hex) out.latin1(bytes.toString('hex').toUpperCase(), true);
        else out.bytes(bytes);
        return bytes.length;
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
    return {
      bytesFor: (units) => (signed ? 1 + bcdBytes(units - 1) : bcdBytes(units)),
      unitsIn: (byteCount) => (signed ? 1 + (byteCount - 1) * 2 : byteCount * 2),
      write: (value, path, out) => {
        const text = asText(value, path);
        const digits = signed ? text.slice(1) : text;
        const size = bcdBytes(digits.length) + (signed ? 1 : 0);
        out.ensure(size);
        if (signed) out.buf[out.pos] = text.charCodeAt(0);
        packBcdInto(digits, pad, out.buf, out.pos + (signed ? 1 : 0));
        out.pos += size;
        return text.length;
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
    bytesFor: (units) => units,
    unitsIn: (byteCount) => byteCount,
    write: (value, path, out) => {
      const text = asText(value, path);
      out.ensure(text.length);
      if (!encodeTextInto(text, charset, out.buf, out.pos)) throw new EncodeError(what, path, `holds a character that ${charset} cannot encode`);
      out.pos += text.length;
      return text.length;
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
  write(value: FieldValue, path: string, out: ByteWriter): void;
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
        write: (value, path, out) => {
          const map = asMap(value, path);
          // An id the spec does not list has no place to go: refused, as bitmap subfields are, not dropped.
          for (const id of Object.keys(map)) if (!subfields.has(id)) throw new EncodeError(what, `${path}.${id}`, 'no such subfield in the spec');
          const ids = [...subfields.keys()];
          const lastPresent = ids.findLastIndex((id) => map[id] !== undefined);
          for (let i = 0; i <= lastPresent; i++) {
            const id = ids[i]!;
            const sub = map[id];
            if (sub === undefined) throw new EncodeError(what, `${path}.${id}`, 'positional subfield missing before a later one');
            subfields.get(id)!.write(sub, `${path}.${id}`, out);
          }
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
        write: (value, path, out) => {
          const map = asMap(value, path);
          for (const id of Object.keys(map)) if (!subfields.has(id)) throw new EncodeError(what, `${path}.${id}`, 'no such subfield in the spec');
          const present = [...subfields.keys()].filter((id) => map[id] !== undefined);
          out.bytes(encodeBitmap(present.map(Number), bitmapBytes, spec.bitmap));
          for (const id of present) subfields.get(id)!.write(map[id]!, `${path}.${id}`, out);
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
        write: (value, path, out) => {
          for (const [tag, sub] of Object.entries(asMap(value, path))) {
            const codec = subfields.get(tag) ?? unknown;
            if (!codec) throw new EncodeError(what, `${path}.${tag}`, 'no such tag in the spec');
            const tagBytes = encodeText(tag, charset);
            if (!tagBytes || tag.length !== spec.tagLength) throw new EncodeError(what, `${path}.${tag}`, `tag must be ${spec.tagLength} characters`);
            out.bytes(tagBytes);
            codec.write(sub, `${path}.${tag}`, out);
          }
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
  write: (value, path, out) => out.bytes(encodeTlv(mapToTlv(asMap(value, path), path))),
  decode: (bytes, offset, end, path) => tlvToMap(decodeTlv(bytes.subarray(offset, end), { offset, path })),
};

/**
 * A DE55-style map keeps its wire order beside it (protocols/ordered-json.ts): JavaScript objects
 * list integer-like keys ("82", "95") first, so the order the tags arrived or were set in is kept
 * there, to re-encode byte for byte.
 */
export function tlvToMap(items: Tlv[]): FieldMap {
  const map: FieldMap = {};
  const order: string[] = [];
  for (const item of items) {
    let key = item.tag;
    for (let n = 2; Object.hasOwn(map, key); n++) key = `${item.tag}#${n}`;
    map[key] = item.children ? tlvToMap(item.children) : Buffer.from(item.value);
    order.push(key);
  }
  return withKeyOrder(map, order);
}

/** Sets a key of a DE55-style map, remembering insertion order as the wire order. */
export function setTlvEntry(map: FieldMap, key: string, value: FieldValue): void {
  if (!Object.hasOwn(map, key)) withKeyOrder(map, [...orderedKeys(map), key]);
  map[key] = value;
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
  const hexComposite = spec.subfields !== undefined && spec.encoding === 'hex';
  const data = makeDataCodec(spec.subfields ? { ...spec, type: 'b', encoding: hexComposite ? 'hex' : 'binary' } : spec);
  const composite = spec.subfields ? makeComposite(spec.subfields) : undefined;
  const prefixer = spec.prefix ? makePrefixer(spec.prefix, spec.prefixEncoding ?? defaultPrefixEncoding(spec)) : undefined;
  const countsBytes = spec.prefixCounts === 'bytes';
  const max = spec.length;

  const writeBody = (value: FieldValue, path: string, out: ByteWriter): number => {
    if (!composite) return data.write(prefixer ? value : padFixed(spec, value), path, out);
    if (!hexComposite) {
      const start = out.pos;
      composite.write(value, path, out);
      return out.pos - start;
    }
    const payload = new ByteWriter(64);
    composite.write(value, path, payload);
    return data.write(payload.result(), path, out);
  };

  const write = (value: FieldValue, path: string, out: ByteWriter): void => {
    const prefixAt = prefixer ? out.reserve(prefixer.size) : 0;
    const start = out.pos;
    const units = writeBody(value, path, out);
    if (units > max) throw new EncodeError(what, path, `length ${units} exceeds the maximum ${max}`);
    if (!prefixer) {
      if (units !== max) throw new EncodeError(what, path, `length ${units} is not the fixed length ${max}`);
      return;
    }
    prefixer.writeAt(out.buf, prefixAt, countsBytes ? out.pos - start : units, path);
  };

  const encode = (value: FieldValue, path: string): Buffer => {
    const out = new ByteWriter(64);
    write(value, path, out);
    return out.result();
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
      if (!hexComposite) return { value: composite.decode(bytes, at, at + size, path), next: at + size };
      const payload = data.read(bytes, at, units, path) as Buffer;
      return { value: composite.decode(payload, 0, payload.length, path), next: at + size };
    }
    return { value: data.read(bytes, at, units, path), next: at + size };
  };

  const codec = { spec, write, encode, decode };
  return composite?.subfields ? { ...codec, subfields: composite.subfields } : codec;
}
