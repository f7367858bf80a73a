/**
 * AES DUKPT, ANSI X9.24-3-2017: initial key from the BDK and the 8-byte initial key ID, the
 * derivation (transaction) key of a 12-byte KSN (32-bit counter, at most 16 bits set), and the
 * working keys derived from it for PIN, MAC, data and key encryption.
 */
import { CryptoError, expectLength } from './errors.js';
import { aesEcb } from './primitives.js';

export type AesDukptKeyType = 'aes128' | 'aes256' | 'aes192' | 'tdes2' | 'tdes3';

const keyTypes: Record<AesDukptKeyType, { algorithm: number; bits: number }> = {
  tdes2: { algorithm: 0x0000, bits: 128 },
  tdes3: { algorithm: 0x0001, bits: 192 },
  aes128: { algorithm: 0x0002, bits: 128 },
  aes192: { algorithm: 0x0003, bits: 192 },
  aes256: { algorithm: 0x0004, bits: 256 },
};

/** Key usage indicators of the derivation data (X9.24-3-2017 6.3.2). */
export const aesDukptUsages = {
  keyEncryption: 0x0002,
  pinEncryption: 0x1000,
  macGeneration: 0x2000,
  macVerification: 0x2001,
  macBoth: 0x2002,
  dataEncryption: 0x3000,
  dataDecryption: 0x3001,
  dataBoth: 0x3002,
} as const;
export type AesDukptUsage = keyof typeof aesDukptUsages;

const initialKeyUsage = 0x8001;
const derivationUsage = 0x8000;
const maxOnes = 16;

function derive(key: Buffer, usage: number, type: AesDukptKeyType, tail: Buffer): Buffer {
  const { algorithm, bits } = keyTypes[type];
  const blocks: Buffer[] = [];
  for (let counter = 1; counter <= Math.ceil(bits / 128); counter++) {
    const data = Buffer.alloc(16);
    data[0] = 0x01;
    data[1] = counter;
    data.writeUInt16BE(usage, 2);
    data.writeUInt16BE(algorithm, 4);
    data.writeUInt16BE(bits, 6);
    tail.copy(data, 8);
    blocks.push(aesEcb(key, data));
  }
  return Buffer.concat(blocks).subarray(0, bits / 8);
}

function typeOfKey(what: string, key: Buffer): 'aes128' | 'aes192' | 'aes256' {
  expectLength(what, key, [16, 24, 32]);
  return key.length === 16 ? 'aes128' : key.length === 24 ? 'aes192' : 'aes256';
}

function checkKsn(ksn: Buffer): void {
  expectLength('KSN', ksn, [12]);
}

export function aesKsnCounter(ksn: Buffer): number {
  checkKsn(ksn);
  return ksn.readUInt32BE(8);
}

function ones(value: number): number {
  let count = 0;
  for (let v = value >>> 0; v; v = (v & (v - 1)) >>> 0) count++;
  return count;
}

export function isValidAesKsn(ksn: Buffer): boolean {
  const counter = aesKsnCounter(ksn);
  return counter !== 0 && ones(counter) <= maxOnes;
}

/** Next KSN: counter + 1 below 16 set bits, else counter + its lowest set bit. */
export function nextAesKsn(ksn: Buffer): Buffer {
  const counter = aesKsnCounter(ksn);
  const next = ones(counter) < maxOnes ? counter + 1 : counter + ((counter & -counter) >>> 0);
  if (next > 0xffffffff) throw new CryptoError('KSN', 'transaction counter exhausted (more than 2^32 − 1)');
  const out = Buffer.from(ksn);
  out.writeUInt32BE(next, 8);
  return out;
}

/** Initial key: derivation data 01 01 8001 alg bits ‖ initial key ID (the KSN's first 8 bytes). */
export function aesDukptInitialKey(bdk: Buffer, initialKeyId: Buffer): Buffer {
  expectLength('initial key ID', initialKeyId, [8]);
  return derive(bdk, initialKeyUsage, typeOfKey('BDK', bdk), initialKeyId);
}

/** The derivation key of the KSN's counter: one derivation per set bit, MSB first. */
export function aesDukptTransactionKey(initialKey: Buffer, ksn: Buffer): Buffer {
  const type = typeOfKey('initial key', initialKey);
  if (!isValidAesKsn(ksn)) throw new CryptoError('KSN', 'counter is 0 or has more than 16 bits set');
  const counter = aesKsnCounter(ksn);
  const tail = Buffer.alloc(8);
  ksn.copy(tail, 0, 4, 8);
  let working = 0;
  let key = initialKey;
  for (let bit = 0x80000000; bit >= 1; bit = bit / 2) {
    if (!((counter & bit) >>> 0)) continue;
    working = (working | bit) >>> 0;
    tail.writeUInt32BE(working, 4);
    key = derive(key, derivationUsage, type, tail);
  }
  return key;
}

/** A working key from the transaction (derivation) key: data = usage, key type, IKID[4..8] ‖ counter. */
export function aesDukptWorkingKey(transactionKey: Buffer, ksn: Buffer, usage: AesDukptUsage, type: AesDukptKeyType): Buffer {
  typeOfKey('transaction key', transactionKey);
  checkKsn(ksn);
  if (!(type in keyTypes)) throw new CryptoError('key type', `${String(type)} is not aes128, aes192, aes256, tdes2 or tdes3`);
  return derive(transactionKey, aesDukptUsages[usage], type, ksn.subarray(4, 12));
}

/** Initial, transaction and the PIN/MAC/data working keys of one KSN, for calculators and the HSM. */
export function aesDukptKeys(bdk: Buffer, ksn: Buffer, workingKeyType: AesDukptKeyType = typeOfKey('BDK', bdk)) {
  checkKsn(ksn);
  const initialKey = aesDukptInitialKey(bdk, ksn.subarray(0, 8));
  const transactionKey = aesDukptTransactionKey(initialKey, ksn);
  const work = (usage: AesDukptUsage) => aesDukptWorkingKey(transactionKey, ksn, usage, workingKeyType);
  return {
    initialKey,
    transactionKey,
    pinEncryption: work('pinEncryption'),
    macGeneration: work('macGeneration'),
    macVerification: work('macVerification'),
    dataEncryption: work('dataEncryption'),
    dataDecryption: work('dataDecryption'),
  };
}
