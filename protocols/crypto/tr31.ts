/**
 * TR-31 (ANSI X9.143) key blocks, version D (AES): the key block protection key (KBPK, AES-128/
 * 192/256) yields an encryption key and a MAC key by the CMAC counter-mode KDF; the payload
 * (2-byte key length in bits ‖ key ‖ random padding) is AES-CBC encrypted with the 16-byte
 * CMAC over header ‖ clear payload as IV, and that CMAC ends the block.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../bytes.js';
import { CryptoError, expectLength } from './errors.js';
import { aesCmac } from './mac.js';
import { aesCbc, equalBytes } from './primitives.js';

export interface Tr31OptionalBlock {
  /** Two printable characters, e.g. "KS" (KSN), "KC" (KCV), "PB" (padding, added by wrap). */
  id: string;
  /** Printable ASCII. */
  data: string;
}

export interface Tr31Header {
  /** Key usage, e.g. "P0" PIN encryption, "M3" ISO 9797-1 MAC alg 3, "K0" KEK, "B1" initial DUKPT key. */
  usage: string;
  /** Algorithm: "A" AES, "T" TDES, "D" DES, "H" HMAC. */
  algorithm: string;
  /** Mode of use: "B" both, "E" encrypt, "D" decrypt, "C" generate+verify, "G", "V", "N", "X". */
  modeOfUse: string;
  /** Key version number, 2 characters ("00" unused). */
  versionNumber: string;
  /** Exportability: "E" exportable under a KEK, "N" not exportable, "S" sensitive. */
  exportability: string;
  optionalBlocks: Tr31OptionalBlock[];
}

const printable = /^[\x20-\x7e]*$/;

function deriveKeys(kbpk: Buffer): { encryption: Buffer; mac: Buffer } {
  expectLength('KBPK', kbpk, [16, 24, 32]);
  const algorithm = { 16: 2, 24: 3, 32: 4 }[kbpk.length]!;
  const bits = kbpk.length * 8;
  const derive = (usage: number) => {
    const blocks: Buffer[] = [];
    for (let counter = 1; counter <= Math.ceil(bits / 128); counter++) {
      const data = Buffer.from([counter, 0, usage, 0, 0, algorithm, bits >> 8, bits & 0xff]);
      blocks.push(aesCmac(kbpk, data));
    }
    return Buffer.concat(blocks).subarray(0, kbpk.length);
  };
  return { encryption: derive(0), mac: derive(1) };
}

function field(value: string, what: string, length: number, allowed?: string): string {
  if (value.length !== length || !/^[0-9A-Za-z]+$/.test(value)) throw new CryptoError(`TR-31 ${what}`, `expected ${length} letters or digits`);
  if (allowed && !allowed.includes(value)) throw new CryptoError(`TR-31 ${what}`, `'${value}' is not one of ${allowed.split('').join(', ')}`);
  return value;
}

/** ANSI X9.143 (TR-31) header values a block we write may carry: a receiving HSM refuses others. */
const algorithms = 'ADEHRST';
const modesOfUse = 'BCDEGNSTVXY';
const exportabilities = 'ENS';

function encodeHeader(header: Tr31Header, payloadLength: number): string {
  const blocks = header.optionalBlocks.map(({ id, data }) => {
    field(id, 'optional block ID', 2);
    if (!printable.test(data)) throw new CryptoError('TR-31 optional block', `${id}: data is not printable ASCII`);
    if (data.length + 4 > 255) throw new CryptoError('TR-31 optional block', `${id}: ${data.length} characters, at most 251`);
    return id + (data.length + 4).toString(16).toUpperCase().padStart(2, '0') + data;
  });
  let optional = blocks.join('');
  let count = blocks.length;
  const rest = (16 + optional.length) % 16;
  if (rest) {
    // a PB block pads the header to the AES block size; it needs at least its 4-character head
    const padLength = 16 - rest < 4 ? 32 - rest : 16 - rest;
    optional += 'PB' + padLength.toString(16).toUpperCase().padStart(2, '0') + '0'.repeat(padLength - 4);
    count++;
  }
  const total = 16 + optional.length + payloadLength * 2 + 32;
  if (total > 9999) throw new CryptoError('TR-31 key block', `${total} characters, at most 9999`);
  return (
    'D' +
    String(total).padStart(4, '0') +
    field(header.usage, 'key usage', 2) +
    field(header.algorithm, 'algorithm', 1, algorithms) +
    field(header.modeOfUse, 'mode of use', 1, modesOfUse) +
    field(header.versionNumber, 'key version number', 2) +
    field(header.exportability, 'exportability', 1, exportabilities) +
    String(count).padStart(2, '0') +
    '00' +
    optional
  );
}

export interface Tr31WrapInput {
  kbpk: Buffer;
  header: Omit<Tr31Header, 'optionalBlocks'> & { optionalBlocks?: Tr31OptionalBlock[] };
  key: Buffer;
  /** Pad the key to this many bytes so the block does not reveal its length (default: the key length). */
  maskedLength?: number;
  random?: (length: number) => Buffer;
}

/** Wraps a key into a version D key block (ASCII). */
export function wrapTr31(input: Tr31WrapInput): string {
  const { kbpk, key, random = randomBytes } = input;
  if (key.length === 0 || key.length > 64) throw new CryptoError('key', `${key.length} bytes, expected 1 to 64`);
  const masked = input.maskedLength ?? key.length;
  if (masked < key.length) throw new CryptoError('masked key length', `${masked} is shorter than the key (${key.length})`);
  const clearLength = 2 + masked;
  const payloadLength = Math.ceil(clearLength / 16) * 16;
  const { encryption, mac } = deriveKeys(kbpk);
  const header = encodeHeader({ ...input.header, optionalBlocks: input.header.optionalBlocks ?? [] }, payloadLength);
  const bits = Buffer.alloc(2);
  bits.writeUInt16BE(key.length * 8);
  const payload = Buffer.concat([bits, key, random(payloadLength - 2 - key.length)]);
  const tag = aesCmac(mac, Buffer.concat([Buffer.from(header, 'ascii'), payload]));
  const encrypted = aesCbc(encryption, payload, false, tag);
  return header + toHex(encrypted) + toHex(tag);
}

function headerError(reason: string): CryptoError {
  return new CryptoError('TR-31 header', reason);
}

/** Parses the header of a key block; `length` is the characters it spans (incl. optional blocks). */
export function parseTr31Header(block: string): { header: Tr31Header; version: string; declaredLength: number; length: number } {
  if (!printable.test(block)) throw headerError('not printable ASCII');
  if (block.length < 16) throw headerError(`${block.length} characters, at least 16`);
  const version = block[0]!;
  const lengthText = block.slice(1, 5);
  if (!/^\d{4}$/.test(lengthText)) throw headerError('key block length (characters 2–5) is not 4 digits');
  const countText = block.slice(12, 14);
  if (!/^\d{2}$/.test(countText)) throw headerError('optional block count (characters 13–14) is not 2 digits');
  const optionalBlocks: Tr31OptionalBlock[] = [];
  let at = 16;
  for (let i = 0; i < Number(countText); i++) {
    const id = block.slice(at, at + 2);
    const lengthHex = block.slice(at + 2, at + 4);
    if (id.length < 2 || !/^[0-9A-Fa-f]{2}$/.test(lengthHex)) throw headerError(`optional block ${i + 1} at character ${at}: bad ID or length`);
    let size = Number.parseInt(lengthHex, 16);
    let dataStart = at + 4;
    if (size === 0) {
      // extended length: 2 hex digits giving the digit count, then the length in hex
      const digits = Number.parseInt(block.slice(at + 4, at + 6), 16);
      const extended = block.slice(at + 6, at + 6 + digits);
      if (!Number.isInteger(digits) || digits === 0 || extended.length !== digits || !/^[0-9A-Fa-f]+$/.test(extended))
        throw headerError(`optional block ${i + 1} at character ${at}: bad extended length`);
      size = Number.parseInt(extended, 16);
      dataStart = at + 6 + digits;
    }
    if (size < dataStart - at || at + size > block.length) throw headerError(`optional block ${i + 1} at character ${at}: length ${size} does not fit`);
    optionalBlocks.push({ id, data: block.slice(dataStart, at + size) });
    at += size;
  }
  return {
    version,
    declaredLength: Number(lengthText),
    length: at,
    header: {
      usage: block.slice(5, 7),
      algorithm: block[7]!,
      modeOfUse: block[8]!,
      versionNumber: block.slice(9, 11),
      exportability: block[11]!,
      optionalBlocks: optionalBlocks.filter((b) => b.id !== 'PB'),
    },
  };
}

/** Unwraps a version D key block; throws CryptoError on any structural fault or a wrong MAC. */
export function unwrapTr31(block: string, kbpk: Buffer): { header: Tr31Header; key: Buffer } {
  const parsed = parseTr31Header(block);
  if (parsed.version !== 'D') throw headerError(`version ${JSON.stringify(parsed.version)} is not supported (D only)`);
  if (parsed.declaredLength !== block.length) throw new CryptoError('TR-31 key block', `${block.length} characters, the header says ${parsed.declaredLength}`);
  if (parsed.length % 16 !== 0) throw headerError(`${parsed.length} characters, not a multiple of 16`);
  const body = block.slice(parsed.length);
  if (!/^[0-9A-Fa-f]*$/.test(body)) throw new CryptoError('TR-31 key block', `payload at character ${parsed.length} is not hex`);
  const payloadHex = body.slice(0, -32);
  if (payloadHex.length < 32 || payloadHex.length % 32 !== 0) throw new CryptoError('TR-31 key block', `encrypted payload of ${payloadHex.length / 2} bytes is not a positive multiple of 16`);
  const tag = Buffer.from(body.slice(-32), 'hex');
  const { encryption, mac } = deriveKeys(kbpk);
  const payload = aesCbc(encryption, Buffer.from(payloadHex, 'hex'), true, tag);
  const header = Buffer.from(block.slice(0, parsed.length), 'ascii');
  if (!equalBytes(aesCmac(mac, Buffer.concat([header, payload])), tag)) throw new CryptoError('TR-31 key block', 'MAC does not verify (wrong KBPK or altered block)');
  const bits = payload.readUInt16BE(0);
  if (bits % 8 !== 0 || bits / 8 > payload.length - 2 || bits === 0) throw new CryptoError('TR-31 key block', `key length ${bits} bits does not fit the payload`);
  return { header: parsed.header, key: payload.subarray(2, 2 + bits / 8) };
}
