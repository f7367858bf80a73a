/**
 * Block cipher building blocks on node:crypto. Node 20's OpenSSL 3 has no single DES (it lives in
 * the legacy provider), so single DES is 3DES-EDE with K‖K‖K, which is the same function.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError, expectLength } from './errors.js';

export type BlockAlgorithm = 'tdes' | 'aes';

/** A DES key of 8, 16 or 24 bytes as the 24-byte key des-ede3 wants. */
function ede3Key(key: Buffer): Buffer {
  expectLength('key', key, [8, 16, 24]);
  if (key.length === 8) return Buffer.concat([key, key, key]);
  if (key.length === 16) return Buffer.concat([key, key.subarray(0, 8)]);
  return key;
}

function aesName(key: Buffer, mode: 'ecb' | 'cbc'): string {
  expectLength('key', key, [16, 24, 32]);
  return `aes-${key.length * 8}-${mode}`;
}

function run(name: string, key: Buffer, iv: Buffer | null, data: Buffer, decrypt: boolean): Buffer {
  const cipher = decrypt ? createDecipheriv(name, key, iv) : createCipheriv(name, key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function expectBlocks(data: Buffer, size: number): void {
  if (data.length % size !== 0) throw new CryptoError('data', `${data.length} bytes, not a multiple of the ${size}-byte block`);
}

/** DES (8-byte key) or TDES (16/24) in ECB mode; data a multiple of 8 bytes. */
export function desEcb(key: Buffer, data: Buffer, decrypt = false): Buffer {
  expectBlocks(data, 8);
  return run('des-ede3', ede3Key(key), null, data, decrypt);
}

/** DES/TDES CBC; IV defaults to zeros. */
export function desCbc(key: Buffer, data: Buffer, decrypt = false, iv: Buffer = Buffer.alloc(8)): Buffer {
  expectBlocks(data, 8);
  return run('des-ede3-cbc', ede3Key(key), iv, data, decrypt);
}

export function aesEcb(key: Buffer, data: Buffer, decrypt = false): Buffer {
  expectBlocks(data, 16);
  return run(aesName(key, 'ecb'), key, null, data, decrypt);
}

export function aesCbc(key: Buffer, data: Buffer, decrypt = false, iv: Buffer = Buffer.alloc(16)): Buffer {
  expectBlocks(data, 16);
  return run(aesName(key, 'cbc'), key, iv, data, decrypt);
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0);
  return out;
}

/** Sets each byte's low bit so the byte has odd parity (DES key convention). */
export function oddParity(key: Buffer): Buffer {
  return Buffer.from(
    key.map((b) => {
      let ones = 0;
      for (let v = b >> 1; v; v >>= 1) ones += v & 1;
      return (b & 0xfe) | (ones % 2 === 0 ? 1 : 0);
    }),
  );
}

/** Constant-time comparison (lengths may differ). */
export function equalBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
