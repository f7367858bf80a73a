/**
 * An ISO 8583 message: MTI, optional header (a TPDU), and data elements addressed by path
 * ("4", "55.9F26", "127.2"). Specs are compiled once and shared by every message that uses them.
 */
import { DecodeError, EncodeError } from '../errors.js';
import { packBcd, unpackBcd } from './bcd.js';
import { bitmapSize, encodeBitmap, readBitmapBytes, setBits } from './bitmap.js';
import { decodeText, encodeText, type Charset } from './charsets.js';
import { describeMessage, maskedJson } from './describe.js';
import { compileField, setTlvEntry, type FieldCodec, type FieldMap, type FieldValue } from './field.js';
import { isObject } from '../is-object.js';
import { orderedKeys, withKeyOrder } from '../ordered-json.js';
import type { MessageSpec } from './spec.js';
import { ByteWriter } from './writer.js';

interface CompiledSpec {
  fields: Array<FieldCodec | undefined>;
  /** "0".."192", so that packing does not build a path string per field. */
  paths: string[];
  headerLength: number;
  mtiSize: number;
  bitmapSize: number;
}

const compiled = new WeakMap<MessageSpec, CompiledSpec>();

export function compileSpec(spec: MessageSpec): CompiledSpec {
  let result = compiled.get(spec);
  if (result) return result;
  const fields: Array<FieldCodec | undefined> = [];
  const highest = spec.bitmap.tertiary ? 192 : 128;
  for (const [id, field] of Object.entries(spec.fields)) {
    const number = Number(id);
    if (!Number.isInteger(number) || number < 2 || number > highest) throw new Error(`spec ${spec.name}: no data element ${id}`);
    try {
      fields[number] = compileField(field);
    } catch (error) {
      throw new Error(`spec ${spec.name}, field ${id}: ${(error as Error).message}`);
    }
  }
  result = {
    fields,
    paths: Array.from({ length: 193 }, (_, i) => String(i)),
    headerLength: spec.headerLength ?? 0,
    mtiSize: spec.mtiEncoding === 'bcd' ? 2 : 4,
    bitmapSize: bitmapSize(spec.bitmap.encoding, 8),
  };
  compiled.set(spec, result);
  return result;
}

const mtiPattern = /^[0-9]{4}$/;

/** 0200 → 0210, 0220 → 0230, 0400 → 0410, 0800 → 0810: the function digit goes from request/advice to its response. */
export function responseMti(mti: string): string {
  if (!mtiPattern.test(mti)) throw new EncodeError('MTI', '', 'must be 4 digits');
  const fn = Number(mti[2]);
  if (fn % 2 !== 0) throw new EncodeError('MTI', '', `${mti} is already a response`);
  return `${mti.slice(0, 2)}${fn + 1}${mti[3]}`;
}

const noSubpath: string[] = [];
const noHeader = Buffer.alloc(0);
const noWarnings: readonly string[] = Object.freeze([]);
/** Packing is synchronous and never nested, so every message packs into this one buffer and copies out. */
const scratch = new ByteWriter(4096);

/**
 * Parsed paths by text. Code names the same few dozen paths for every message, so the switch parsed
 * each ~80 times per request; paths from outside (JSON, the CLI) may be anything, hence the bound.
 */
const parsedPaths = new Map<string, [number, string[]]>();
const parsedPathsLimit = 4096;

function splitPath(path: string): [number, string[]] {
  let parsed = parsedPaths.get(path);
  if (parsed === undefined) {
    parsed = parsePath(path);
    if (parsedPaths.size < parsedPathsLimit) parsedPaths.set(path, parsed);
  }
  return parsed;
}

function parsePath(path: string): [number, string[]] {
  if (!path.includes('.')) {
    const number = Number(path);
    if (path === '' || !Number.isInteger(number)) throw new EncodeError('ISO 8583 field', path, 'path must start with a field number');
    return [number, noSubpath];
  }
  const [head, ...rest] = path.split('.');
  const number = Number(head);
  if (!head || !Number.isInteger(number)) throw new EncodeError('ISO 8583 field', path, 'path must start with a field number');
  return [number, rest];
}

export class IsoMessage {
  header: Buffer;
  /** Values by field number; an array because field numbers are small and packing walks them in order. */
  private readonly values: Array<FieldValue | undefined> = [];
  private readonly compiled: CompiledSpec;
  /** Set by unpack() for a received bitmap with no field in its range: how many bitmaps the received fields needed, and the warning. */
  private emptyBitmap: { needed: number; warnings: readonly string[] } | undefined;

  constructor(
    readonly spec: MessageSpec,
    public mti = '0000',
  ) {
    this.compiled = compileSpec(spec);
    this.header = this.compiled.headerLength ? Buffer.alloc(this.compiled.headerLength) : noHeader;
  }

  /** Sets a field or subfield. Numbers are accepted for numeric fields and padded to length when packed. */
  set(path: string, value: FieldValue | number): this {
    const [number, rest] = splitPath(path);
    const codec = this.compiled.fields[number];
    if (!codec) throw new EncodeError('ISO 8583 field', path, `spec ${this.spec.name} does not define field ${number}`);
    const stored = typeof value === 'number' ? String(value) : value;
    if (rest.length === 0) {
      this.values[number] = stored;
      return this;
    }
    if (!codec.spec.subfields) throw new EncodeError('ISO 8583 field', path, `field ${number} has no subfields`);
    let map = this.values[number];
    if (map === undefined || typeof map === 'string' || Buffer.isBuffer(map)) this.values[number] = map = {};
    const tlv = codec.spec.subfields.kind === 'tlv';
    for (let i = 0; i < rest.length - 1; i++) {
      const key = tlv ? rest[i]!.toUpperCase() : rest[i]!;
      let next: FieldValue | undefined = map[key];
      if (next === undefined || typeof next === 'string' || Buffer.isBuffer(next)) putEntry(map, key, (next = {}), tlv);
      map = next;
    }
    putEntry(map, tlv ? rest[rest.length - 1]!.toUpperCase() : rest[rest.length - 1]!, stored, tlv);
    return this;
  }

  /** Copies whole fields, by number, from a message of the same spec (what an answer echoes of its request), without a path per field. */
  copyFields(from: IsoMessage, ids: readonly number[]): this {
    if (from.compiled !== this.compiled) throw new EncodeError('ISO 8583 message', '', `fields of spec ${from.spec.name} copied into a message of spec ${this.spec.name}`);
    for (const id of ids) {
      const value = from.values[id];
      if (value !== undefined) this.values[id] = value;
    }
    return this;
  }

  get(path: string): FieldValue | undefined {
    const [number, rest] = splitPath(path);
    let value = this.values[number];
    for (const key of rest) {
      if (value === undefined || typeof value === 'string' || Buffer.isBuffer(value)) return undefined;
      value = value[key] ?? value[key.toUpperCase()];
    }
    return value;
  }

  getString(path: string): string | undefined {
    const value = this.get(path);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new EncodeError('ISO 8583 field', path, 'is not a text field');
    return value;
  }

  getBuffer(path: string): Buffer | undefined {
    const value = this.get(path);
    if (value === undefined) return undefined;
    if (!Buffer.isBuffer(value)) throw new EncodeError('ISO 8583 field', path, 'is not a binary field');
    return value;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  unset(path: string): this {
    const [number, rest] = splitPath(path);
    if (rest.length === 0) {
      this.values[number] = undefined;
      return this;
    }
    const parent = this.get([number, ...rest.slice(0, -1)].join('.'));
    if (parent && typeof parent !== 'string' && !Buffer.isBuffer(parent)) delete parent[rest[rest.length - 1]!];
    return this;
  }

  /**
   * What unpack() accepted but a conforming sender would not send (an empty secondary or tertiary
   * bitmap), for as long as it is true: a field later set in that bitmap's range ends it.
   */
  get warnings(): readonly string[] {
    const empty = this.emptyBitmap;
    if (!empty) return noWarnings;
    let highest = this.values.length - 1;
    while (highest > 1 && this.values[highest] === undefined) highest--;
    return bitmapsFor(highest) > empty.needed ? noWarnings : empty.warnings;
  }

  fieldIds(): number[] {
    const ids: number[] = [];
    for (let id = 2; id < this.values.length; id++) if (this.values[id] !== undefined) ids.push(id);
    return ids;
  }

  pack(): Buffer {
    if (!mtiPattern.test(this.mti)) throw new EncodeError('MTI', '', 'must be 4 digits');
    const { fields, headerLength } = this.compiled;
    if (this.header.length !== headerLength)
      throw new EncodeError('header', '', `is ${this.header.length} bytes; spec ${this.spec.name} needs ${headerLength}`);
    const ids = this.fieldIds();
    const highest = ids.length ? ids[ids.length - 1]! : 0;
    const tertiary = this.spec.bitmap.tertiary === true;
    if (highest > (tertiary ? 192 : 128)) throw new EncodeError('ISO 8583 field', String(highest), 'beyond the bitmap');
    const bitmaps = bitmapsFor(highest);
    const bits = [...ids];
    if (bitmaps >= 2) bits.push(1);
    if (bitmaps === 3) bits.push(65);
    const out = scratch;
    out.pos = 0;
    out.bytes(this.header);
    out.bytes(this.encodeMti());
    out.bytes(encodeBitmap(bits, bitmaps * 8, this.spec.bitmap.encoding));
    const { paths } = this.compiled;
    for (const id of ids) fields[id]!.write(this.values[id]!, paths[id]!, out);
    return out.result();
  }

  static unpack(spec: MessageSpec, bytes: Buffer): IsoMessage {
    const message = new IsoMessage(spec);
    const { fields, headerLength, mtiSize, bitmapSize: oneBitmap } = message.compiled;
    if (bytes.length < headerLength + mtiSize + oneBitmap)
      throw new DecodeError('ISO 8583 message', '', bytes.length, `too short: ${bytes.length} bytes`);
    if (headerLength) message.header = Buffer.from(bytes.subarray(0, headerLength));
    let at = headerLength;
    message.mti = message.decodeMti(bytes, at);
    at += mtiSize;
    const bitmapStart = at;
    const encoding = spec.bitmap.encoding;
    let raw = readBitmapBytes(bytes, at, 8, encoding, 'bitmap');
    at += oneBitmap;
    let count = 1;
    const tertiary = spec.bitmap.tertiary === true;
    while ((count === 1 && raw[0]! & 0x80) || (count === 2 && tertiary && raw[8]! & 0x80)) {
      if (bytes.length - at < oneBitmap) throw new DecodeError('ISO 8583 bitmap', '', at, 'next bitmap runs past the end of the message');
      raw = Buffer.concat([raw, readBitmapBytes(bytes, at, 8, encoding, 'bitmap')]);
      at += oneBitmap;
      count++;
    }
    let highest = 0;
    for (const number of setBits(raw)) {
      if (number === 1 || (number === 65 && tertiary)) continue;
      highest = number;
      const codec = fields[number];
      if (!codec) throw new DecodeError('ISO 8583 field', String(number), bitmapStart, `bitmap announces field ${number}, which spec ${spec.name} does not define`);
      const { value, next } = codec.decode(bytes, at, bytes.length, message.compiled.paths[number]!);
      message.values[number] = value;
      at = next;
    }
    if (at !== bytes.length) throw new DecodeError('ISO 8583 message', '', at, `${bytes.length - at} bytes after the last field`);
    // Accepted, as jPOS and moov-io accept it (nothing is ambiguous), but said: pack() never sends
    // a bitmap without a field in its range, so this message would not re-pack to the same bytes.
    const needed = bitmapsFor(highest);
    if (count > needed) {
      const which = needed === 1 ? 'secondary' : 'tertiary';
      const range = needed === 1 ? '65–128' : '129–192';
      const warning = `ISO 8583 bitmap at byte ${bitmapStart + needed * oneBitmap}: ${which} bitmap announced but no field ${range} is present`;
      message.emptyBitmap = { needed, warnings: Object.freeze([warning]) };
    }
    return message;
  }

  /** Problems that would stop this message from being sent: required fields missing, values that do not fit. */
  validate(): string[] {
    const problems: string[] = [];
    if (!mtiPattern.test(this.mti)) problems.push('MTI: must be 4 digits');
    for (const id of this.spec.required?.[this.mti] ?? [])
      if (this.values[id] === undefined) problems.push(`field ${id} (${this.spec.fields[id]?.name ?? 'unknown'}) is required for ${this.mti}`);
    for (const id of this.fieldIds()) {
      try {
        this.compiled.fields[id]!.encode(this.values[id]!, String(id));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return problems;
  }

  /** A readable dump; PAN, tracks, PIN block and keys are masked unless `reveal`. */
  describe(options: { reveal?: boolean } = {}): string {
    return describeMessage(this, options.reveal === true);
  }

  /** `{ mti, fields }` with text as characters, binary as uppercase hex and composites as objects; masked unless `reveal`. */
  toJSON(options: { reveal?: boolean } = {}): { mti: string; header?: string; warnings?: string[]; fields: Record<string, unknown> } {
    const fields: Record<string, unknown> = {};
    for (const id of this.fieldIds()) fields[id] = maskedJson(this.spec.fields[id]!, this.values[id]!, options.reveal === true);
    return {
      mti: this.mti,
      ...(this.header.length ? { header: this.header.toString('hex').toUpperCase() } : {}),
      ...(this.warnings.length ? { warnings: [...this.warnings] } : {}),
      fields,
    };
  }

  /**
   * Builds a message from the JSON shape toJSON() prints (binary as hex, composites as objects).
   * Composites keep the key order recorded by protocols/ordered-json.ts (parseOrdered, toJSON): a
   * plain JSON.parse object lists DE55's "82", "95" before "9F26", whatever the text said.
   */
  static fromJSON(spec: MessageSpec, json: { mti: string; header?: string; fields: Record<string, unknown> }): IsoMessage {
    const message = new IsoMessage(spec, json.mti);
    if (json.header !== undefined) message.header = Buffer.from(json.header, 'hex');
    for (const [id, value] of Object.entries(json.fields)) message.set(id, fromJsonValue(value, id));
    return message;
  }

  private encodeMti(): Buffer {
    const encoding = this.spec.mtiEncoding;
    return encoding === 'bcd' ? packBcd(this.mti, 'left')! : encodeText(this.mti, encoding as Charset)!;
  }

  private decodeMti(bytes: Buffer, at: number): string {
    const encoding = this.spec.mtiEncoding;
    const mti = encoding === 'bcd' ? unpackBcd(bytes, at, 4, 'left', false) : decodeText(bytes, at, at + 4, encoding as Charset);
    if (typeof mti !== 'string' || !mtiPattern.test(mti)) throw new DecodeError('MTI', '', at, 'is not 4 digits');
    return mti;
  }
}

/** How many bitmaps a message whose highest field is `highest` carries. */
const bitmapsFor = (highest: number) => (highest > 128 ? 3 : highest > 64 ? 2 : 1);

function putEntry(map: FieldMap, key: string, value: FieldValue, tlv: boolean): void {
  if (tlv) setTlvEntry(map, key, value);
  else map[key] = value;
}

function fromJsonValue(value: unknown, path: string): FieldValue {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isObject(value)) {
    // In the order the JSON lists them when it was read with parseOrdered (or came from toJSON): DE55 packs its tags so.
    const keys = orderedKeys(value);
    const map: FieldMap = {};
    for (const key of keys) map[key] = fromJsonValue(value[key], `${path}.${key}`);
    return withKeyOrder(map, keys);
  }
  throw new EncodeError('ISO 8583 field', path, 'JSON value must be a string, a number or an object');
}
