/**
 * MACs: ISO 9797-1 MAC algorithm 1 (CBC-MAC) and algorithm 3 (the ANSI X9.19 retail MAC) with
 * padding methods 1–3, and AES-CMAC (NIST SP 800-38B / RFC 4493, ISO 9797-1 algorithm 5).
 */
import { DesKey } from './des.js';
import { CryptoError, expectLength } from './errors.js';
import { aesCbc, aesEcb, desCbc, xor } from './primitives.js';

export type PaddingMethod = 1 | 2 | 3;

/**
 * ISO 9797-1 padding. Method 1: zeros to a block boundary (empty data → one zero block);
 * method 2: 80 then zeros; method 3: a block holding the data length in bits, then method 1.
 */
export function padIso9797(data: Buffer, method: PaddingMethod, blockSize = 8): Buffer {
  const toBlock = (bytes: Buffer) => {
    const length = Math.max(blockSize, Math.ceil(bytes.length / blockSize) * blockSize);
    return Buffer.concat([bytes, Buffer.alloc(length - bytes.length)]);
  };
  if (method === 1) return toBlock(data);
  if (method === 2) {
    const withMarker = Buffer.concat([data, Buffer.from([0x80])]);
    return Buffer.concat([withMarker, Buffer.alloc((blockSize - (withMarker.length % blockSize)) % blockSize)]);
  }
  if (method === 3) {
    const bits = Buffer.alloc(blockSize);
    bits.writeBigUInt64BE(BigInt(data.length) * 8n, blockSize - 8);
    return Buffer.concat([bits, toBlock(data)]);
  }
  throw new CryptoError('padding', `method ${String(method)} is not 1, 2 or 3`);
}

function macLength(length: number, max: number): number {
  if (!Number.isInteger(length) || length < 4 || length > max) throw new CryptoError('MAC length', `${length}, expected 4 to ${max} bytes`);
  return length;
}

/** ISO 9797-1 algorithm 1: CBC-MAC with DES (8-byte key) or TDES (16/24-byte key). */
export function cbcMac(key: Buffer, data: Buffer, padding: PaddingMethod = 1, length = 8): Buffer {
  const encrypted = desCbc(key, padIso9797(data, padding));
  return encrypted.subarray(encrypted.length - 8, encrypted.length - 8 + macLength(length, 8));
}

/**
 * ISO 9797-1 algorithm 3 (ANSI X9.19 retail MAC): single-DES CBC under the left half KL, then
 * the last block decrypted under KR and encrypted under KL. Double-length key.
 */
export function retailMac(key: Buffer, data: Buffer, padding: PaddingMethod = 1, length = 8): Buffer {
  return new RetailMacKey(key).mac(data, padding, length);
}

/**
 * A retail MAC key prepared once, for many MACs (an HSM's session key): the DES key schedules of KL
 * and KR are computed once. Every DES step runs in the TypeScript DES core (des.ts), single DES as
 * the algorithm defines it, so a MAC makes no OpenSSL call: through node:crypto the single-DES CBC
 * chain would be DES-EDE3 with KL‖KL‖KL, three DES operations per block.
 */
export class RetailMacKey {
  readonly #kl: DesKey;
  readonly #kr: DesKey;
  /** The chaining value as two big-endian words; reset by each MAC. */
  readonly #state = new Int32Array(2);

  constructor(key: Buffer) {
    expectLength('key', key, [16]);
    this.#kl = new DesKey(key.subarray(0, 8));
    this.#kr = new DesKey(key.subarray(8));
  }

  mac(data: Buffer, padding: PaddingMethod = 1, length = 8): Buffer {
    macLength(length, 8);
    // Padding method 1 is applied on the fly (no copy): the last partial block is read zero-filled.
    const input = padding === 1 ? data : padIso9797(data, padding);
    const state = this.#state;
    state[0] = 0;
    state[1] = 0;
    const whole = input.length - (input.length % 8);
    for (let offset = 0; offset < whole; offset += 8) {
      state[0]! ^= (input[offset]! << 24) | (input[offset + 1]! << 16) | (input[offset + 2]! << 8) | input[offset + 3]!;
      state[1]! ^= (input[offset + 4]! << 24) | (input[offset + 5]! << 16) | (input[offset + 6]! << 8) | input[offset + 7]!;
      this.#kl.encryptHalves(state);
    }
    if (whole < input.length || input.length === 0) {
      state[0]! ^= zeroFilledWord(input, whole);
      state[1]! ^= zeroFilledWord(input, whole + 4);
      this.#kl.encryptHalves(state);
    }
    this.#kr.decryptHalves(state);
    this.#kl.encryptHalves(state);
    const mac = Buffer.allocUnsafe(8);
    mac.writeInt32BE(state[0]!, 0);
    mac.writeInt32BE(state[1]!, 4);
    return length === 8 ? mac : mac.subarray(0, length);
  }
}

/** The big-endian 32-bit word at `offset`, the bytes past the end read as zeros. */
function zeroFilledWord(data: Buffer, offset: number): number {
  let value = 0;
  for (let i = offset; i < offset + 4; i++) value = (value << 8) | (i < data.length ? data[i]! : 0);
  return value;
}

function shiftLeft(block: Buffer): Buffer {
  const out = Buffer.alloc(block.length);
  for (let i = 0; i < block.length; i++) out[i] = ((block[i]! << 1) | ((block[i + 1] ?? 0) >> 7)) & 0xff;
  return out;
}

/** CMAC subkey: L·x in GF(2^128) (or GF(2^64) for TDES), Rb = 0x87 / 0x1B. */
function double(block: Buffer): Buffer {
  const out = shiftLeft(block);
  if (block[0]! & 0x80) out[out.length - 1]! ^= block.length === 16 ? 0x87 : 0x1b;
  return out;
}

/** AES-CMAC (RFC 4493) with a 16-, 24- or 32-byte key; `length` truncates the 16-byte tag. */
export function aesCmac(key: Buffer, data: Buffer, length = 16): Buffer {
  expectLength('key', key, [16, 24, 32]);
  macLength(length, 16);
  const k1 = double(aesEcb(key, Buffer.alloc(16)));
  const k2 = double(k1);
  const blocks = Math.max(1, Math.ceil(data.length / 16));
  const complete = data.length > 0 && data.length % 16 === 0;
  const lastIn = data.subarray((blocks - 1) * 16);
  const last = complete ? xor(lastIn, k1) : xor(Buffer.concat([lastIn, Buffer.from([0x80]), Buffer.alloc(15 - lastIn.length)]), k2);
  // The blocks before the last are plain CBC-MAC: one CBC call, its last block is the chaining value.
  const head = (blocks - 1) * 16;
  const state = head ? aesCbc(key, data.subarray(0, head)).subarray(head - 16) : Buffer.alloc(16);
  return aesEcb(key, xor(state, last)).subarray(0, length);
}
