/**
 * The application cryptogram a virtual card computes (EMV Book 2 Annex A1.3/A1.4 with the scheme
 * variants described in docs/virtual-devices.md): ICC master key by Option A, an optional session
 * key, and an ISO 9797-1 algorithm 3 MAC over the cryptogram data.
 * A bridge until protocols/crypto (the crypto helper's module) lands; then these delegate to it.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CryptogramRecipe } from '../../../protocols/testcards.js';

/** 3DES-ECB of one 8-byte block with a double-length key (single DES as K‖K‖K: Node 20 has no des-ecb). */
function tdes(key: Buffer, block: Buffer, decrypt = false): Buffer {
  const k = key.length === 8 ? Buffer.concat([key, key, key]) : Buffer.concat([key, key.subarray(0, 8)]);
  const cipher = decrypt ? createDecipheriv('des-ede3', k, null) : createCipheriv('des-ede3', k, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((v, i) => v ^ b[i]!));
}

function oddParity(key: Buffer): Buffer {
  return Buffer.from(
    key.map((b) => {
      let ones = 0;
      for (let v = b >> 1; v; v >>= 1) ones += v & 1;
      return (b & 0xfe) | (ones % 2 === 0 ? 1 : 0);
    }),
  );
}

/** ICC master key, EMV Book 2 A1.4.1 Option A: Y = rightmost 16 digits of PAN‖PSN. */
export function iccMasterKey(imk: Buffer, pan: string, psn: string): Buffer {
  const digits = (pan + psn).padStart(16, '0').slice(-16);
  const y = Buffer.from(digits, 'hex');
  return oddParity(Buffer.concat([tdes(imk, y), tdes(imk, xor(y, Buffer.alloc(8, 0xff)))]));
}

/** Session key from R (8 bytes): 3DES(MK, R with byte 2 = F0) ‖ 3DES(MK, R with byte 2 = 0F) (EMV 4.1 A1.3.1). */
export function sessionKey(masterKey: Buffer, r: Buffer): Buffer {
  const left = Buffer.from(r);
  left[2] = 0xf0;
  const right = Buffer.from(r);
  right[2] = 0x0f;
  return Buffer.concat([tdes(masterKey, left), tdes(masterKey, right)]);
}

/** ISO 9797-1 MAC algorithm 3 (retail MAC), 8 bytes, with padding method 1 (zeros) or 2 (80 00…). */
export function retailMac(key: Buffer, data: Buffer, padding: 1 | 2): Buffer {
  const padded = padding === 2 ? Buffer.concat([data, Buffer.from([0x80])]) : data;
  const length = Math.max(8, Math.ceil(padded.length / 8) * 8);
  const message = Buffer.concat([padded, Buffer.alloc(length - padded.length)]);
  const kl = key.subarray(0, 8);
  const kr = key.subarray(8, 16);
  let state: Buffer = Buffer.alloc(8);
  for (let i = 0; i < message.length; i += 8) state = tdes(kl, xor(state, message.subarray(i, i + 8)));
  return tdes(kl, tdes(kr, state, true));
}

/** Key check value: the first `length` bytes of 3DES(key, 00…00). */
export function kcv(key: Buffer, length = 2): Buffer {
  return tdes(key, Buffer.alloc(8)).subarray(0, length);
}

export interface CryptogramInput {
  recipe: CryptogramRecipe;
  imk: Buffer;
  pan: string;
  psn: string;
  atc: Buffer;
  unpredictableNumber: Buffer;
  /** The data the recipe MACs, already concatenated. */
  data: Buffer;
}

/** The 8-byte AC for a recipe. */
export function applicationCryptogram(input: CryptogramInput): Buffer {
  const mk = iccMasterKey(input.imk, input.pan, input.psn);
  const { sessionKey: method, padding } = input.recipe;
  let key = mk;
  if (method === 'emv-csk') key = sessionKey(mk, Buffer.concat([input.atc, Buffer.alloc(6)]));
  if (method === 'mastercard-skd') key = sessionKey(mk, Buffer.concat([input.atc, Buffer.alloc(2), input.unpredictableNumber]));
  return retailMac(key, input.data, padding);
}
