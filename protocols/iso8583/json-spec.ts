/**
 * Custom specs from JSON (schema: docs/iso8583-spec-json.md). The JSON is checked before use, and
 * a mistake is reported with its location ("fields.55.prefix: …"), so an integrator can describe a
 * host without writing code. Reading the file is the caller's job: protocols/ does no I/O.
 */
import { compileSpec } from './message.js';
import { isObject } from '../is-object.js';
import type { FieldSpec, MessageSpec } from './spec.js';

export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(
    readonly where: string,
    reason: string,
  ) {
    super(`spec ${where}: ${reason}`);
  }
}

const oneOf = (where: string, value: unknown, allowed: readonly string[]): void => {
  if (typeof value !== 'string' || !allowed.includes(value)) throw new SpecError(where, `must be one of ${allowed.join(', ')}`);
};
const optionalOneOf = (where: string, value: unknown, allowed: readonly string[]): void => {
  if (value !== undefined) oneOf(where, value, allowed);
};

const types = ['n', 'a', 'an', 'ans', 'b', 'z', 'xn'];
const encodings = ['ascii', 'ebcdic037', 'ebcdic1047', 'bcd', 'binary', 'hex'];
const prefixEncodings = ['ascii', 'ebcdic037', 'ebcdic1047', 'bcd', 'binary'];
const prefixes = ['L', 'LL', 'LLL', 'LLLL', 'LLLLL', 'LLLLLL'];
const bitmapEncodings = ['binary', 'hex', 'ebcdic037', 'ebcdic1047'];
const fieldKeys = new Set(['name', 'type', 'length', 'encoding', 'prefix', 'prefixEncoding', 'prefixCounts', 'bcdPad', 'sensitive', 'subfields']);

function checkField(where: string, field: unknown): void {
  if (!isObject(field)) throw new SpecError(where, 'must be an object');
  for (const key of Object.keys(field)) if (!fieldKeys.has(key)) throw new SpecError(`${where}.${key}`, 'is not a field property');
  if (typeof field.name !== 'string') throw new SpecError(`${where}.name`, 'must be a string');
  oneOf(`${where}.type`, field.type, types);
  if (!Number.isInteger(field.length) || (field.length as number) < 0 || (field.length as number) > 999_999)
    throw new SpecError(`${where}.length`, 'must be an integer from 0 to 999999');
  oneOf(`${where}.encoding`, field.encoding, encodings);
  optionalOneOf(`${where}.prefix`, field.prefix, prefixes);
  optionalOneOf(`${where}.prefixEncoding`, field.prefixEncoding, prefixEncodings);
  optionalOneOf(`${where}.prefixCounts`, field.prefixCounts, ['units', 'bytes']);
  optionalOneOf(`${where}.bcdPad`, field.bcdPad, ['left', 'right', 'right-f']);
  optionalOneOf(`${where}.sensitive`, field.sensitive, ['pan', 'track', 'secret', 'emv']);
  if (field.prefix) {
    const digits = (field.prefix as string).length;
    const max = field.prefixEncoding === 'binary' ? 2 ** (8 * digits) - 1 : 10 ** digits - 1;
    if ((field.length as number) > max) throw new SpecError(`${where}.length`, `${field.length} does not fit a ${field.prefix} prefix`);
  }
  if (field.subfields !== undefined) checkComposite(`${where}.subfields`, field.subfields);
}

function checkComposite(where: string, composite: unknown): void {
  if (!isObject(composite)) throw new SpecError(where, 'must be an object');
  oneOf(`${where}.kind`, composite.kind, ['tlv', 'positional', 'bitmap', 'tagged']);
  if (composite.kind === 'tlv') return;
  if (!isObject(composite.fields)) throw new SpecError(`${where}.fields`, 'must be an object of subfields');
  for (const [id, sub] of Object.entries(composite.fields)) checkField(`${where}.fields.${id}`, sub);
  if (composite.kind === 'bitmap') oneOf(`${where}.bitmap`, composite.bitmap, bitmapEncodings);
  if (composite.kind === 'tagged') {
    if (!Number.isInteger(composite.tagLength) || (composite.tagLength as number) < 1) throw new SpecError(`${where}.tagLength`, 'must be a positive integer');
    if (composite.unknownTag !== undefined) checkField(`${where}.unknownTag`, composite.unknownTag);
  }
}

/** Checks a parsed JSON spec and returns it as a MessageSpec, or throws a SpecError naming where it is wrong. */
export function specFromJson(json: unknown): MessageSpec {
  if (!isObject(json)) throw new SpecError('(root)', 'must be an object');
  if (typeof json.name !== 'string' || !json.name) throw new SpecError('name', 'must be a non-empty string');
  if (json.headerLength !== undefined && (!Number.isInteger(json.headerLength) || (json.headerLength as number) < 0))
    throw new SpecError('headerLength', 'must be a non-negative integer');
  oneOf('mtiEncoding', json.mtiEncoding, ['ascii', 'bcd', 'ebcdic037', 'ebcdic1047']);
  if (!isObject(json.bitmap)) throw new SpecError('bitmap', 'must be an object');
  oneOf('bitmap.encoding', json.bitmap.encoding, bitmapEncodings);
  if (!isObject(json.fields)) throw new SpecError('fields', 'must be an object keyed by field number');
  for (const [id, field] of Object.entries(json.fields)) {
    const number = Number(id);
    const highest = json.bitmap.tertiary === true ? 192 : 128;
    if (!Number.isInteger(number) || number < 2 || number > highest) throw new SpecError(`fields.${id}`, `field numbers run from 2 to ${highest}`);
    checkField(`fields.${id}`, field);
  }
  if (json.required !== undefined) {
    if (!isObject(json.required)) throw new SpecError('required', 'must map MTIs to lists of field numbers');
    for (const [mti, list] of Object.entries(json.required))
      if (!/^\d{4}$/.test(mti) || !Array.isArray(list) || !list.every((n) => Number.isInteger(n)))
        throw new SpecError(`required.${mti}`, 'must be a 4-digit MTI mapped to a list of field numbers');
  }
  const spec = json as unknown as MessageSpec;
  try {
    compileSpec(spec);
  } catch (error) {
    throw new SpecError('fields', (error as Error).message);
  }
  return spec;
}

/** Parses JSON text (a file's contents) into a spec; `source` names the file in errors. */
export function parseSpecJson(text: string, source = 'JSON'): MessageSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SpecError(source, `is not valid JSON (${jsonSyntaxProblem(text, (error as Error).message)})`);
  }
  return specFromJson(json);
}

/**
 * What is wrong and where, as line, column and offset. Never V8's text around the error (`Unexpected
 * token 'x', "…"… is not valid JSON`): a file given as a spec may be anything, a card file too.
 */
function jsonSyntaxProblem(text: string, message: string): string {
  const at = /at position (\d+)/.exec(message)?.[1];
  const ends = message.startsWith('Unexpected end of JSON input');
  const offset = at !== undefined ? Number(at) : ends ? text.length : unexpectedTokenOffset(text);
  // V8's own words before " in JSON at position" name no content (kept only while they quote nothing); an unexpected token's name the character.
  const words = message.replace(/ (in JSON )?at position [\s\S]*$/, '');
  const what = ends ? 'unexpected end' : at !== undefined && !words.includes('"') ? words : 'unexpected character';
  if (offset === undefined) return what;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${what} at line ${line}, column ${offset - before.lastIndexOf('\n')} (offset ${offset})`;
}

/**
 * Where V8 found an unexpected token: its message quotes 10 characters either side of it once the
 * text is padded with blanks both sides, so the quote's place in the padded text gives the offset.
 */
function unexpectedTokenOffset(text: string): number | undefined {
  const pad = ' '.repeat(16);
  const padded = pad + text + pad;
  try {
    JSON.parse(padded);
  } catch (error) {
    const context = /^Unexpected token [\s\S]*?, \.\.\."([\s\S]*)"\.\.\. is not valid JSON$/.exec((error as Error).message)?.[1];
    const at = context === undefined ? -1 : padded.indexOf(context);
    if (at >= 0) return at + 10 - pad.length;
  }
  return undefined;
}

export type { FieldSpec };
