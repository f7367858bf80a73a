/**
 * Single DES (FIPS 46-3) in TypeScript, for the retail MAC's CBC chain. Node 20's OpenSSL 3 has
 * single DES only in its legacy provider, so through node:crypto single DES is DES-EDE3 with K‖K‖K:
 * three DES operations per block plus a native call. This core does one, with the key schedule
 * computed once per key.
 *
 * Table-driven (S-boxes merged with the P permutation, indexed straight from the E expansion's
 * 6-bit groups), so not constant-time: fine for a simulator, never for production keys.
 *
 * Inside the rounds each 32-bit half is held rotated left by one bit (rotl(R, 1)): then every
 * S-box's six E-expansion bits are one aligned 6-bit group of either rotl(R, 1) or that rotated right
 * by 4, so a round is two XORs with the subkey and eight table lookups.
 */
import { expectLength } from './errors.js';

// FIPS 46-3 tables, bit positions numbered from 1 at the most significant bit.
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const S = [
  '14 4 13 1 2 15 11 8 3 10 6 12 5 9 0 7 0 15 7 4 14 2 13 1 10 6 12 11 9 5 3 8 4 1 14 8 13 6 2 11 15 12 9 7 3 10 5 0 15 12 8 2 4 9 1 7 5 11 3 14 10 0 6 13',
  '15 1 8 14 6 11 3 4 9 7 2 13 12 0 5 10 3 13 4 7 15 2 8 14 12 0 1 10 6 9 11 5 0 14 7 11 10 4 13 1 5 8 12 6 9 3 2 15 13 8 10 1 3 15 4 2 11 6 7 12 0 5 14 9',
  '10 0 9 14 6 3 15 5 1 13 12 7 11 4 2 8 13 7 0 9 3 4 6 10 2 8 5 14 12 11 15 1 13 6 4 9 8 15 3 0 11 1 2 12 5 10 14 7 1 10 13 0 6 9 8 7 4 15 14 3 11 5 2 12',
  '7 13 14 3 0 6 9 10 1 2 8 5 11 12 4 15 13 8 11 5 6 15 0 3 4 7 2 12 1 10 14 9 10 6 9 0 12 11 7 13 15 1 3 14 5 2 8 4 3 15 0 6 10 1 13 8 9 4 5 11 12 7 2 14',
  '2 12 4 1 7 10 11 6 8 5 3 15 13 0 14 9 14 11 2 12 4 7 13 1 5 0 15 10 3 9 8 6 4 2 1 11 10 13 7 8 15 9 12 5 6 3 0 14 11 8 12 7 1 14 2 13 6 15 0 9 10 4 5 3',
  '12 1 10 15 9 2 6 8 0 13 3 4 14 7 5 11 10 15 4 2 7 12 9 5 6 1 13 14 0 11 3 8 9 14 15 5 2 8 12 3 7 0 4 10 1 13 11 6 4 3 2 12 9 5 15 10 11 14 1 7 6 0 8 13',
  '4 11 2 14 15 0 8 13 3 12 9 7 5 10 6 1 13 0 11 7 4 9 1 10 14 3 5 12 2 15 8 6 1 4 11 13 12 3 7 14 10 15 6 8 0 5 9 2 6 11 13 8 1 4 10 7 9 5 0 15 14 2 3 12',
  '13 2 8 4 6 15 11 1 10 9 3 14 5 0 12 7 1 15 13 8 10 3 7 4 12 5 6 11 0 14 9 2 7 11 4 1 9 12 14 2 0 6 10 13 15 3 5 8 2 1 14 7 4 10 8 13 15 12 9 0 3 5 6 11',
].map((box) => box.split(' ').map(Number));

const rotl1 = (x: number) => ((x << 1) | (x >>> 31)) | 0;

/**
 * SP[64j + g]: S-box j+1 applied to the 6-bit group g (E-expansion order, the first bit most
 * significant), placed at its 4 output bits, through P, rotated left by one bit.
 */
const SP = new Int32Array(8 * 64);
S.forEach((box, j) => {
  for (let g = 0; g < 64; g++) {
    const out = box[(((g >> 4) & 2) | (g & 1)) * 16 + ((g >> 1) & 15)]!;
    // S-box j's output is bits 4j+1 … 4j+4 of the 32-bit word before P.
    let permuted = 0;
    for (let bit = 0; bit < 32; bit++) {
      const source = P[bit]! - 1;
      if (source >> 2 === j && (out >> (3 - (source & 3))) & 1) permuted |= 1 << (31 - bit);
    }
    SP[64 * j + g] = rotl1(permuted);
  }
});

/**
 * The 16 round keys, two words each: [K1 K3 K5 K7] and [K2 K4 K6 K8], the 6-bit group of S-box n
 * in the low six bits of a byte, matching how a round slices rotr(rotl(R, 1), 4) and rotl(R, 1).
 * PC1, the rotations and PC2 only move key bits, so a key's round keys are the OR of what each of
 * its bits contributes. NIBBLES[(16 * position + value) * 32 …] holds that for each key nibble
 * (computed here once), so a schedule is 16 × 32 ORs.
 */
const NIBBLES = (() => {
  const bits = new Int32Array(64 * 32);
  for (let keyBit = 0; keyBit < 64; keyBit++) {
    const pc1 = PC1.indexOf(keyBit + 1); // −1 for a parity bit
    if (pc1 < 0) continue;
    const half = pc1 < 28 ? 0 : 28; // C or D
    let shifted = 0;
    for (let round = 0; round < 16; round++) {
      shifted += SHIFTS[round]!;
      const subkeyBit = PC2.indexOf(half + ((((pc1 - half - shifted) % 28) + 28) % 28) + 1); // −1: PC2 drops it
      if (subkeyBit < 0) continue;
      const group = (subkeyBit / 6) | 0; // 0 for S1 … 7 for S8
      bits[keyBit * 32 + 2 * round + (group & 1)]! |= 1 << (24 - 8 * (group >> 1) + 5 - (subkeyBit % 6));
    }
  }
  const nibbles = new Int32Array(16 * 16 * 32);
  for (let position = 0; position < 16; position++) {
    for (let value = 0; value < 16; value++) {
      for (let b = 0; b < 4; b++) {
        if (!((value >> (3 - b)) & 1)) continue;
        for (let w = 0; w < 32; w++) nibbles[(16 * position + value) * 32 + w]! |= bits[(4 * position + b) * 32 + w]!;
      }
    }
  }
  return nibbles;
})();

/**
 * The encryption round keys at 0–31 and the decryption ones (the same, last round first) at 32–63.
 * A plain array of small integers: allocating a 256-byte Int32Array costs more than the whole schedule.
 */
function keySchedule(key: Buffer): number[] {
  const schedule: number[] = [];
  for (let w = 0; w < 32; w++) {
    let word = 0;
    for (let i = 0; i < 8; i++) word |= NIBBLES[(32 * i + (key[i]! >> 4)) * 32 + w]! | NIBBLES[(32 * i + 16 + (key[i]! & 15)) * 32 + w]!;
    schedule.push(word);
  }
  for (let round = 15; round >= 0; round--) schedule.push(schedule[2 * round]!, schedule[2 * round + 1]!);
  return schedule;
}

/** A DES key with its key schedule computed once. The parity bits (each byte's lowest) are ignored, as DES does. */
export class DesKey {
  readonly #schedule: number[];

  constructor(key: Buffer) {
    expectLength('key', key, [8]);
    this.#schedule = keySchedule(key);
  }

  /** Encrypts the block held as two big-endian 32-bit words, [left, right], in place. */
  encryptHalves(block: Int32Array): void {
    crypt(block, this.#schedule, 0);
  }

  decryptHalves(block: Int32Array): void {
    crypt(block, this.#schedule, 32);
  }
}

/** One DES operation on [left, right] with the 16 round keys at k[from … from + 31]. */
function crypt(block: Int32Array, k: number[], from: number): void {
  let left = block[0]!;
  let right = block[1]!;
  let work: number;
  // Initial permutation as five masked swaps between the halves (Hoey's / Outerbridge's sequence).
  work = ((left >>> 4) ^ right) & 0x0f0f0f0f;
  right ^= work;
  left ^= work << 4;
  work = ((left >>> 16) ^ right) & 0x0000ffff;
  right ^= work;
  left ^= work << 16;
  work = ((right >>> 2) ^ left) & 0x33333333;
  left ^= work;
  right ^= work << 2;
  work = ((right >>> 8) ^ left) & 0x00ff00ff;
  left ^= work;
  right ^= work << 8;
  work = ((left >>> 1) ^ right) & 0x55555555;
  right ^= work;
  left ^= work << 1;
  left = rotl1(left);
  right = rotl1(right);

  // Each round: sp[64(n − 1) | g] is S-box n's entry (0x000 S1, 0x040 S2, … 0x1C0 S8).
  const sp = SP;
  for (let i = from; i < from + 32; i += 4) {
    work = ((right >>> 4) | (right << 28)) ^ k[i]!;
    let f = sp[0x180 | (work & 0x3f)]! | sp[0x100 | ((work >>> 8) & 0x3f)]! | sp[0x80 | ((work >>> 16) & 0x3f)]! | sp[(work >>> 24) & 0x3f]!;
    work = right ^ k[i + 1]!;
    f |= sp[0x1c0 | (work & 0x3f)]! | sp[0x140 | ((work >>> 8) & 0x3f)]! | sp[0xc0 | ((work >>> 16) & 0x3f)]! | sp[0x40 | ((work >>> 24) & 0x3f)]!;
    left ^= f;
    work = ((left >>> 4) | (left << 28)) ^ k[i + 2]!;
    f = sp[0x180 | (work & 0x3f)]! | sp[0x100 | ((work >>> 8) & 0x3f)]! | sp[0x80 | ((work >>> 16) & 0x3f)]! | sp[(work >>> 24) & 0x3f]!;
    work = left ^ k[i + 3]!;
    f |= sp[0x1c0 | (work & 0x3f)]! | sp[0x140 | ((work >>> 8) & 0x3f)]! | sp[0xc0 | ((work >>> 16) & 0x3f)]! | sp[0x40 | ((work >>> 24) & 0x3f)]!;
    right ^= f;
  }

  // The output is R16‖L16 (no swap after the last round), through the inverse permutation.
  left = (left >>> 1) | (left << 31);
  right = (right >>> 1) | (right << 31);
  work = ((right >>> 1) ^ left) & 0x55555555;
  left ^= work;
  right ^= work << 1;
  work = ((left >>> 8) ^ right) & 0x00ff00ff;
  right ^= work;
  left ^= work << 8;
  work = ((left >>> 2) ^ right) & 0x33333333;
  right ^= work;
  left ^= work << 2;
  work = ((right >>> 16) ^ left) & 0x0000ffff;
  left ^= work;
  right ^= work << 16;
  work = ((right >>> 4) ^ left) & 0x0f0f0f0f;
  left ^= work;
  right ^= work << 4;
  block[0] = right;
  block[1] = left;
}
