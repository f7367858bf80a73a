/**
 * ISO 9564-1 PIN blocks. Formats 0, 1 and 3 are 8-byte blocks enciphered with TDES; format 4 is a
 * 16-byte PIN field and PAN field enciphered with AES: C = E(K, E(K, PIN field) ⊕ PAN field).
 * Errors name the field and the rule broken, never the digits.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../bytes.js';
import { CryptoError, expectLength } from './errors.js';
import { aesEcb, desEcb, xor } from './primitives.js';

export type PinBlockFormat = 0 | 1 | 3 | 4;
export const pinBlockFormats: readonly PinBlockFormat[] = [0, 1, 3, 4];

/** Source of fill bytes for formats 1, 3 and 4; tests pass a fixed one. */
export type RandomSource = (length: number) => Buffer;

function checkPin(pin: string): void {
  if (!/^\d+$/.test(pin)) throw new CryptoError('PIN', 'must be digits only');
  if (pin.length < 4 || pin.length > 12) throw new CryptoError('PIN', `${pin.length} digits, expected 4 to 12`);
}

function checkPan(pan: string, min: number): void {
  if (!/^\d+$/.test(pan)) throw new CryptoError('PAN', 'must be digits only');
  if (pan.length < min || pan.length > 19) throw new CryptoError('PAN', `${pan.length} digits, expected ${min} to 19`);
}

/** Formats 0 and 3: 0000 ‖ the 12 rightmost PAN digits excluding the check digit. */
function panField8(pan: string): Buffer {
  checkPan(pan, 13);
  return Buffer.from(`0000${pan.slice(-13, -1)}`, 'hex');
}

/** Format 4: M (PAN length − 12, 0 if shorter) ‖ PAN left-padded with zeros to 12 digits ‖ zero fill. */
function panField16(pan: string): Buffer {
  checkPan(pan, 1);
  const digits = pan.padStart(12, '0');
  return Buffer.from(`${pan.length > 12 ? pan.length - 12 : 0}${digits}`.padEnd(32, '0'), 'hex');
}

/** Fill nibbles for formats 1 (any 0–F) and 3 (A–F only). */
function fillNibbles(count: number, random: RandomSource, range: 'any' | 'a-f'): string {
  const bytes = random(count);
  if (bytes.length < count) throw new CryptoError('random source', `${bytes.length} bytes, expected ${count}`);
  let out = '';
  for (let i = 0; i < count; i++) {
    const n = bytes[i]! & 0x0f;
    out += (range === 'any' ? n : 10 + (n % 6)).toString(16);
  }
  return out.toUpperCase();
}

/** The clear PIN block (format 0/1/3: 8 bytes) or PIN field (format 4: 16 bytes). */
function pinField(format: PinBlockFormat, pin: string, random: RandomSource): Buffer {
  const head = `${format}${pin.length.toString(16)}${pin}`;
  if (format === 0) return Buffer.from(head.padEnd(16, 'F'), 'hex');
  if (format === 1) return Buffer.from(head + fillNibbles(16 - head.length, random, 'any'), 'hex');
  if (format === 3) return Buffer.from(head + fillNibbles(16 - head.length, random, 'a-f'), 'hex');
  const fill = random(8);
  if (fill.length !== 8) throw new CryptoError('random source', `${fill.length} bytes, expected 8`);
  return Buffer.concat([Buffer.from(head.padEnd(16, 'A'), 'hex'), fill]);
}

export interface PinBlockInput {
  format: PinBlockFormat;
  pin: string;
  /** Required for formats 0, 3 and 4. */
  pan?: string;
  random?: RandomSource;
}

function checkFormat(format: number): asserts format is PinBlockFormat {
  if (!pinBlockFormats.includes(format as PinBlockFormat)) throw new CryptoError('PIN block format', `${format} is not 0, 1, 3 or 4`);
}

function requirePan(format: PinBlockFormat, pan: string | undefined): string {
  if (pan === undefined) throw new CryptoError('PAN', `required for format ${format}`);
  return pan;
}

/**
 * Clear PIN block for formats 0, 1 and 3 (PIN field ⊕ PAN field for 0 and 3). For format 4 this is
 * the plain PIN field: format 4 only exists enciphered (see encipherPinBlock).
 */
export function encodePinBlock({ format, pin, pan, random = randomBytes }: PinBlockInput): Buffer {
  checkFormat(format);
  checkPin(pin);
  const field = pinField(format, pin, random);
  if (format === 0 || format === 3) return xor(field, panField8(requirePan(format, pan)));
  return field;
}

/** Reads the PIN out of a clear block (formats 0/1/3) or a format 4 PIN field. */
export function decodePinBlock(block: Buffer, format: PinBlockFormat, pan?: string): string {
  checkFormat(format);
  expectLength('PIN block', block, [format === 4 ? 16 : 8]);
  const field = format === 0 || format === 3 ? xor(block, panField8(requirePan(format, pan))) : block;
  const hex = toHex(field);
  const control = Number.parseInt(hex[0]!, 16);
  if (control !== format) throw new CryptoError('PIN block', `control field is ${control}, expected ${format}`);
  const length = Number.parseInt(hex[1]!, 16);
  if (length < 4 || length > 12) throw new CryptoError('PIN block', `PIN length ${length}, expected 4 to 12`);
  const pin = hex.slice(2, 2 + length);
  if (!/^\d+$/.test(pin)) throw new CryptoError('PIN block', 'PIN digits are not all decimal');
  const fill = hex.slice(2 + length, 16);
  const fillRule = { 0: /^F*$/, 1: /^[0-9A-F]*$/, 3: /^[A-F]*$/, 4: /^A*$/ }[format];
  if (!fillRule.test(fill)) throw new CryptoError('PIN block', `fill is not valid for format ${format}`);
  return pin;
}

/** Enciphered PIN block: TDES-ECB of the clear block (0/1/3), or the two-pass AES of format 4. */
export function encipherPinBlock(key: Buffer, input: PinBlockInput): Buffer {
  const field = encodePinBlock(input);
  if (input.format !== 4) return desEcb(key, field);
  const panField = panField16(requirePan(4, input.pan));
  return aesEcb(key, xor(aesEcb(key, field), panField));
}

/** Deciphers and decodes; throws CryptoError when the block does not decode under the key. */
export function decipherPinBlock(key: Buffer, block: Buffer, format: PinBlockFormat, pan?: string): string {
  checkFormat(format);
  expectLength('PIN block', block, [format === 4 ? 16 : 8]);
  if (format !== 4) return decodePinBlock(desEcb(key, block, true), format, pan);
  const panField = panField16(requirePan(4, pan));
  return decodePinBlock(aesEcb(key, xor(aesEcb(key, block, true), panField), true), 4);
}
