/**
 * EMV application cryptograms (EMV Book 2 Annex A1.3/A1.4 and the scheme variants): ICC master key
 * by Option A, the common session key and the Mastercard SKD session key, ARQC generation and
 * verification (ISO 9797-1 algorithm 3 with padding 1 or 2), ARPC methods 1 and 2.
 */
import type { CryptogramRecipe } from '../testcards.js';
import { CryptoError, expectLength } from './errors.js';
import { retailMac, type PaddingMethod } from './mac.js';
import { desEcb, equalBytes, oddParity, xor } from './primitives.js';

function checkDigits(what: string, value: string): void {
  if (!/^\d+$/.test(value)) throw new CryptoError(what, 'must be digits only');
}

/** ICC master key, Option A: Y = rightmost 16 digits of PAN ‖ PSN; MK = 3DES(IMK, Y) ‖ 3DES(IMK, Y ⊕ FF…), odd parity. */
export function iccMasterKey(imk: Buffer, pan: string, psn = '00'): Buffer {
  expectLength('IMK', imk, [16]);
  checkDigits('PAN', pan);
  checkDigits('PSN', psn);
  if (pan.length < 12 || pan.length > 19) throw new CryptoError('PAN', `${pan.length} digits, expected 12 to 19`);
  if (psn.length !== 2) throw new CryptoError('PSN', `${psn.length} digits, expected 2`);
  const y = Buffer.from((pan + psn).slice(-16).padStart(16, '0'), 'hex');
  return oddParity(Buffer.concat([desEcb(imk, y), desEcb(imk, xor(y, Buffer.alloc(8, 0xff)))]));
}

/** Session key from an 8-byte R: 3DES(MK, R with byte 2 = F0) ‖ 3DES(MK, R with byte 2 = 0F) (EMV 4.1+ A1.3.1). */
export function sessionKeyFromR(masterKey: Buffer, r: Buffer): Buffer {
  expectLength('ICC master key', masterKey, [16]);
  expectLength('R', r, [8]);
  const left = Buffer.from(r);
  left[2] = 0xf0;
  const right = Buffer.from(r);
  right[2] = 0x0f;
  return Buffer.concat([desEcb(masterKey, left), desEcb(masterKey, right)]);
}

/** EMV common session key: R = ATC ‖ 00×6 (Visa CVN 18/22, UnionPay). */
export function commonSessionKey(masterKey: Buffer, atc: Buffer): Buffer {
  expectLength('ATC', atc, [2]);
  return sessionKeyFromR(masterKey, Buffer.concat([atc, Buffer.alloc(6)]));
}

/** Mastercard SKD session key: R = ATC ‖ 00 00 ‖ UN (M/Chip CVN 16/17/20/21). */
export function mastercardSessionKey(masterKey: Buffer, atc: Buffer, unpredictableNumber: Buffer): Buffer {
  expectLength('ATC', atc, [2]);
  expectLength('unpredictable number', unpredictableNumber, [4]);
  return sessionKeyFromR(masterKey, Buffer.concat([atc, Buffer.alloc(2), unpredictableNumber]));
}

/** ARQC/TC/AAC: ISO 9797-1 algorithm 3 over the data (CVN 10: padding 1; CVN 16/18: padding 2). */
export function generateArqc(key: Buffer, data: Buffer, padding: PaddingMethod = 2): Buffer {
  return retailMac(key, data, padding, 8);
}

export function verifyArqc(key: Buffer, data: Buffer, arqc: Buffer, padding: PaddingMethod = 2): boolean {
  return equalBytes(generateArqc(key, data, padding), arqc);
}

/** ARPC method 1: 3DES(K, ARQC ⊕ (ARC ‖ 00×6)), 8 bytes. */
export function arpcMethod1(key: Buffer, arqc: Buffer, arc: Buffer): Buffer {
  expectLength('key', key, [16]);
  expectLength('ARQC', arqc, [8]);
  expectLength('ARC', arc, [2]);
  return desEcb(key, xor(arqc, Buffer.concat([arc, Buffer.alloc(6)])));
}

/** ARPC method 2: the first 4 bytes of MAC algorithm 3 (padding 2) over ARQC ‖ CSU ‖ proprietary data. */
export function arpcMethod2(key: Buffer, arqc: Buffer, csu: Buffer, proprietary: Buffer = Buffer.alloc(0)): Buffer {
  expectLength('ARQC', arqc, [8]);
  expectLength('CSU', csu, [4]);
  if (proprietary.length > 8) throw new CryptoError('proprietary authentication data', `${proprietary.length} bytes, expected 0 to 8`);
  return retailMac(key, Buffer.concat([arqc, csu, proprietary]), 2, 4);
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

/** The AC key a recipe uses: the ICC master key itself, or a session key derived from it. */
export function cryptogramKey(input: Omit<CryptogramInput, 'data'>): Buffer {
  const mk = iccMasterKey(input.imk, input.pan, input.psn);
  if (input.recipe.sessionKey === 'emv-csk') return commonSessionKey(mk, input.atc);
  if (input.recipe.sessionKey === 'mastercard-skd') return mastercardSessionKey(mk, input.atc, input.unpredictableNumber);
  return mk;
}

/**
 * The ARPC key of a recipe. Method 2 uses the AC session key (the ICC MK when the recipe has none);
 * method 1 uses the ICC MK for CVN 10 style and Mastercard SKD recipes (as pyemv's CVN 10 / CVN 16
 * do) and the common session key for EMV CSK recipes (EMV 4.x Book 2 A1.3).
 */
export function arpcKey(input: Omit<CryptogramInput, 'data'>, method: 1 | 2): Buffer {
  if (method === 1 && input.recipe.sessionKey !== 'emv-csk') return iccMasterKey(input.imk, input.pan, input.psn);
  return cryptogramKey(input);
}

/** The 8-byte application cryptogram of a protocols/testcards.ts recipe. */
export function applicationCryptogram(input: CryptogramInput): Buffer {
  return generateArqc(cryptogramKey(input), input.data, input.recipe.padding);
}
