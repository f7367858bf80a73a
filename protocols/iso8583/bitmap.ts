/**
 * Bitmaps: which fields are present, most significant bit first (bit 1 = field 1). On the wire as
 * raw bytes, as ASCII hex, or as EBCDIC hex digits.
 */
import { DecodeError } from '../errors.js';
import { decodeText, encodeText, type Charset } from './charsets.js';
import type { BitmapEncoding } from './spec.js';

/** Wire size of a bitmap of `bytes` bytes. */
export function bitmapSize(encoding: BitmapEncoding, bytes: number): number {
  return encoding === 'binary' ? bytes : bytes * 2;
}

const hexDigits = '0123456789ABCDEF';

/** Encodes the bits of `present` (1-based numbers within this bitmap) into `bytes` bytes. */
export function encodeBitmap(present: readonly number[], bytes: number, encoding: BitmapEncoding): Buffer {
  const raw = Buffer.alloc(bytes);
  for (const bit of present) raw[(bit - 1) >> 3] = raw[(bit - 1) >> 3]! | (0x80 >> ((bit - 1) & 7));
  if (encoding === 'binary') return raw;
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += hexDigits[raw[i]! >> 4]! + hexDigits[raw[i]! & 0x0f]!;
  return encodeText(hex, encoding === 'hex' ? 'ascii' : encoding)!;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const upper = code & ~0x20;
  if (upper >= 0x41 && upper <= 0x46) return upper - 0x37;
  return -1;
}

/** The raw bitmap bytes at `offset` (the caller has checked that they are there). */
export function readBitmapBytes(bytes: Buffer, offset: number, count: number, encoding: BitmapEncoding, path: string): Buffer {
  if (encoding === 'binary') return bytes.subarray(offset, offset + count);
  if (encoding === 'hex') {
    const raw = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i++) {
      const high = hexValue(bytes[offset + 2 * i]!);
      const low = hexValue(bytes[offset + 2 * i + 1]!);
      if (high < 0 || low < 0) throw new DecodeError('ISO 8583 bitmap', path, offset, 'bitmap is not hex digits');
      raw[i] = (high << 4) | low;
    }
    return raw;
  }
  const charset: Charset = encoding;
  const text = decodeText(bytes, offset, offset + count * 2, charset);
  if (!/^[0-9A-Fa-f]+$/.test(text)) throw new DecodeError('ISO 8583 bitmap', path, offset, 'bitmap is not hex digits');
  return Buffer.from(text, 'hex');
}

/** The numbers (1-based) of the set bits. */
export function setBits(raw: Buffer, firstNumber = 1): number[] {
  const present: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) present.push(firstNumber + i * 8 + bit);
  }
  return present;
}

export function decodeBitmap(bytes: Buffer, offset: number, count: number, encoding: BitmapEncoding, path: string): number[] {
  return setBits(readBitmapBytes(bytes, offset, count, encoding, path));
}
