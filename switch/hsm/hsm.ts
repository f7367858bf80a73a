/**
 * The HSM seam: every key operation the switch and its issuer simulator need. Keys live inside the
 * HSM (the simulator keeps them wrapped under its local master key, LMK); callers name keys by id
 * and never see a clear key, PIN or PIN block result. A real HSM (Thales payShield, Futurex, …)
 * can stand behind this interface; methods are async for that reason.
 */
import type { CryptogramRecipe } from '../../protocols/testcards.js';

export type KeyUsage =
  /** terminal master key: key-encrypting key shared with one terminal */
  | 'TMK'
  /** terminal PIN key (working key, sent to the terminal under its TMK at sign-on) */
  | 'TPK'
  /** terminal MAC key (working key, sent like the TPK) */
  | 'TAK'
  /** DUKPT base derivation key (TDES or AES) */
  | 'BDK'
  /** issuer master key for application cryptograms (EMV) */
  | 'IMK-AC'
  /** PIN verification key (Visa PVV) */
  | 'PVK'
  /** zone PIN key: PIN blocks towards a network or issuer (PIN translate target) */
  | 'ZPK';

/** Block cipher of a key: TDES (default) or AES (AES DUKPT BDKs). */
export type KeyAlgorithm = 'tdes' | 'aes';

export interface KeyInfo {
  id: string;
  usage: KeyUsage;
  algorithm: KeyAlgorithm;
  /** Key check value, 6 hex digits (3 bytes: first bytes of E(K, 0…0); AES keys use the CMAC method). */
  kcv: string;
}

/**
 * Where a PIN block came from: a terminal PIN key, or DUKPT (the BDK id and the KSN: 10 bytes for a
 * TDES BDK, PIN variant; 12 bytes for an AES BDK, AES-128 PIN working key and format 4 blocks).
 */
export type PinKey = { tpk: string } | { bdk: string; ksn: Buffer };

export interface PinVerification {
  pan: string;
  /** ISO 9564 format of the incoming block (0, 1, 3 or 4). */
  format: 0 | 1 | 3 | 4;
  pinBlock: Buffer;
  key: PinKey;
  /** Visa PVV method: the PVK, the PVV key index and the card's stored 4-digit PVV. */
  pvkId: string;
  pvki: number;
  pvv: string;
}

/**
 * What a PIN check found: `right`/`wrong` only when the block deciphered to a well-formed ISO 9564
 * block of its format; `undecodable` when it did not (damaged, or enciphered under another key);
 * `no-key` when the key names none (a DUKPT KSN of the wrong length for the BDK, counter 0 or with too
 * many one-bits: X9.24 derives no key for it). Only the first two say anything about the cardholder's PIN.
 */
export type PinCheck = 'right' | 'wrong' | 'undecodable' | 'no-key';

export interface CryptogramCheck {
  /** The issuer master key (IMK-AC) id. */
  imkId: string;
  pan: string;
  psn: string;
  recipe: CryptogramRecipe;
  /** Application transaction counter (9F36), 2 bytes. */
  atc: Buffer;
  /** Unpredictable number (9F37), 4 bytes. */
  unpredictableNumber: Buffer;
  /** The data the card MACed (see protocols/testcards.ts cryptogramDataElements), already concatenated. */
  data: Buffer;
  arqc: Buffer;
}

export interface Hsm {
  /** Import a clear key at setup (configuration, test cards); afterwards it is only wrapped. */
  importKey(id: string, usage: KeyUsage, clear: Buffer, algorithm?: KeyAlgorithm): Promise<KeyInfo>;
  /** The key's id, usage and check value, or undefined. */
  keyInfo(id: string): KeyInfo | undefined;
  /** Forgets a key (no error if there is none): the switch drops a signed-off terminal's working keys. */
  deleteKey(id: string): void;
  /**
   * A fresh working key (TPK or TAK) stored as `newId`, returned encrypted under the TMK `tmkId`
   * (TDES ECB, the way sign-on key exchange carries it) with its 3-byte check value.
   */
  generateWorkingKey(usage: 'TPK' | 'TAK', tmkId: string, newId: string): Promise<{ underKek: Buffer; kcv: Buffer }>;
  /** ISO 9797-1 algorithm 3 (retail MAC), padding method 1, 8 bytes, under a TAK. */
  generateMac(takId: string, data: Buffer): Promise<Buffer>;
  verifyMac(takId: string, data: Buffer, mac: Buffer): Promise<boolean>;
  /** Decrypts the PIN block inside the HSM and checks it against the card's PVV. */
  verifyPin(request: PinVerification): Promise<PinCheck>;
  /**
   * PIN translate: the block from a TPK or DUKPT re-enciphered under a ZPK (TDES, format 0 by
   * default). Throws when the incoming block does not decode (wrong key or damaged block).
   */
  translatePin(request: { pan: string; format: 0 | 1 | 3 | 4; pinBlock: Buffer; key: PinKey; zpkId: string; toFormat?: 0 | 1 | 3 }): Promise<Buffer>;
  /** PIN issuance for test cards: the Visa PVV of a PIN. Setup only; never called per transaction. */
  issuePvv(pvkId: string, pan: string, pvki: number, pin: string): Promise<string>;
  /** EMV: recompute the ARQC with the recipe's session key and compare. */
  verifyArqc(check: CryptogramCheck): Promise<boolean>;
  /**
   * EMV ARPC for the answer's tag 91. Method 1: 3DES(key, ARQC ⊕ ARC‖00…) ‖ ARC (10 bytes);
   * method 2: 4-byte MAC over ARQC ‖ CSU ‖ proprietary data, then CSU (8 bytes + data).
   */
  generateArpc(
    check: Omit<CryptogramCheck, 'data'>,
    answer: { method: 1; arc: Buffer } | { method: 2; csu: Buffer; proprietary?: Buffer },
  ): Promise<Buffer>;
}
