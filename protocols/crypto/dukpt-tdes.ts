/**
 * TDES DUKPT, ANSI X9.24-1:2009 (also X9.24-3:2017 Annex C): initial key (IPEK) from the BDK and
 * the initial KSN, the transaction key of a KSN, the PIN/MAC/data variants, and the KSN counter
 * (21 bits, at most 10 of them set; a counter with more is skipped, which is the "rollover").
 */
import { CryptoError, expectLength } from './errors.js';
import { desEcb, xor } from './primitives.js';

const keyMask = Buffer.from('C0C0C0C000000000C0C0C0C000000000', 'hex');
const counterBits = 21;
const counterMask = (1 << counterBits) - 1;
const maxOnes = 10;

/** Variant masks XORed into the transaction key (X9.24-1:2009 Table A-1 and A.6). */
export const tdesDukptVariants = {
  pin: Buffer.from('00000000000000FF00000000000000FF', 'hex'),
  macRequest: Buffer.from('000000000000FF00000000000000FF00', 'hex'),
  macResponse: Buffer.from('00000000FF00000000000000FF000000', 'hex'),
  dataRequest: Buffer.from('0000000000FF00000000000000FF0000', 'hex'),
  dataResponse: Buffer.from('000000FF00000000000000FF00000000', 'hex'),
} as const;
export type TdesDukptKeyUsage = keyof typeof tdesDukptVariants;

function checkKsn(ksn: Buffer): void {
  expectLength('KSN', ksn, [10]);
}

/** The 21-bit transaction counter of a 10-byte KSN. */
export function tdesKsnCounter(ksn: Buffer): number {
  checkKsn(ksn);
  return ksn.readUIntBE(7, 3) & counterMask;
}

function ones(value: number): number {
  let count = 0;
  for (let v = value; v; v &= v - 1) count++;
  return count;
}

/** A KSN whose counter has at most 10 bits set (and is not 0) names a transaction key. */
export function isValidTdesKsn(ksn: Buffer): boolean {
  const counter = tdesKsnCounter(ksn);
  return counter !== 0 && ones(counter) <= maxOnes;
}

function withCounter(ksn: Buffer, counter: number): Buffer {
  checkKsn(ksn);
  const next = Buffer.from(ksn);
  next.writeUIntBE((ksn.readUIntBE(7, 3) & ~counterMask & 0xffffff) | counter, 7, 3);
  return next;
}

/**
 * The next KSN an originating device uses: counter + 1 while it has fewer than 10 bits set,
 * otherwise counter + its lowest set bit (X9.24-1 A.2). Throws when the counter is exhausted.
 */
export function nextTdesKsn(ksn: Buffer): Buffer {
  const counter = tdesKsnCounter(ksn);
  const next = ones(counter) < maxOnes ? counter + 1 : counter + (counter & -counter);
  if (next > counterMask) throw new CryptoError('KSN', 'transaction counter exhausted (more than 2^21 − 1)');
  return withCounter(ksn, next);
}

function checkBdk(bdk: Buffer): void {
  expectLength('BDK', bdk, [16]);
}

/** IPEK: TDES(BDK, KSN₈) ‖ TDES(BDK ⊕ C0C0C0C0…, KSN₈) with KSN₈ = the KSN's left 8 bytes, counter cleared. */
export function tdesIpek(bdk: Buffer, ksn: Buffer): Buffer {
  checkBdk(bdk);
  const base = withCounter(ksn, 0).subarray(0, 8);
  return Buffer.concat([desEcb(bdk, base), desEcb(xor(bdk, keyMask), base)]);
}

/** X9.24-1 non-reversible key generation: one 16-byte key from the current key and the KSN register. */
function nonReversible(key: Buffer, register: Buffer): Buffer {
  const half = (k: Buffer) => {
    const kl = k.subarray(0, 8);
    const kr = k.subarray(8, 16);
    return xor(desEcb(kl, xor(register, kr)), kr);
  };
  return Buffer.concat([half(xor(key, keyMask)), half(key)]);
}

/** The transaction key of a KSN, from the IPEK: one derivation per set counter bit, MSB first. */
export function tdesTransactionKey(ipek: Buffer, ksn: Buffer): Buffer {
  expectLength('IPEK', ipek, [16]);
  if (!isValidTdesKsn(ksn)) throw new CryptoError('KSN', 'counter is 0 or has more than 10 bits set');
  const counter = tdesKsnCounter(ksn);
  const register = Buffer.from(withCounter(ksn, 0).subarray(2, 10));
  let key = ipek;
  for (let bit = 1 << (counterBits - 1); bit; bit >>>= 1) {
    if (!(counter & bit)) continue;
    register.writeUIntBE(register.readUIntBE(5, 3) | bit, 5, 3);
    key = nonReversible(key, register);
  }
  return key;
}

/**
 * A working key: the transaction key XOR the usage's variant. The data keys are the 2009 one-way
 * form, each half of the variant key encrypted under the variant key (pre-2009 devices used the
 * variant key directly).
 */
export function tdesWorkingKey(transactionKey: Buffer, usage: TdesDukptKeyUsage): Buffer {
  expectLength('transaction key', transactionKey, [16]);
  const variant = xor(transactionKey, tdesDukptVariants[usage]);
  if (usage !== 'dataRequest' && usage !== 'dataResponse') return variant;
  return desEcb(variant, variant);
}

/** All keys of a KSN from the BDK, for calculators and the HSM. */
export function tdesDukptKeys(bdk: Buffer, ksn: Buffer) {
  const ipek = tdesIpek(bdk, ksn);
  const transactionKey = tdesTransactionKey(ipek, ksn);
  const keys = Object.fromEntries(Object.keys(tdesDukptVariants).map((usage) => [usage, tdesWorkingKey(transactionKey, usage as TdesDukptKeyUsage)]));
  return { ipek, transactionKey, ...(keys as Record<TdesDukptKeyUsage, Buffer>) };
}
