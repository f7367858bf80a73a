/**
 * The HSM simulator. Every key is stored as a TR-31 version D key block under the local master key
 * (LMK, AES-256) — the storage form a payShield-style key-block LMK uses — and the block's header
 * carries the key's usage, so a TAK cannot be used as a TPK. Like a real HSM holding a session's
 * keys in its secure memory, it keeps the clear form of recently used keys (and a TAK's prepared MAC
 * ciphers) in a private cache, so a MAC does not unwrap the TR-31 block every time: the cache is a
 * private field, never returned, logged or serialised, bounded, and a key replaced under the same id
 * drops its entry (zeroed). Commands get a copy of the clear key that is zeroed before they return.
 * No method returns a clear key, PIN or PIN block; the debug log names the operation, the key ids
 * and the outcome, nothing else.
 */
import { toHex } from '../../protocols/bytes.js';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  arpcKey,
  arpcMethod1,
  arpcMethod2,
  CryptoError,
  cryptogramKey,
  decipherPinBlock,
  desEcb,
  encipherPinBlock,
  equalBytes,
  kcv,
  MessageMacKey,
  aesDukptKeys,
  oddParity,
  tdesDukptKeys,
  unwrapTr31,
  verifyArqc,
  visaPvv,
  wrapTr31,
  type PinBlockFormat,
} from '../../protocols/crypto/index.js';
import { maskPan } from '../../protocols/mask.js';
import type { CryptogramCheck, Hsm, KeyAlgorithm, KeyInfo, KeyUsage, PinCheck, PinKey, PinVerification } from './hsm.js';

/** What the simulator logs to: a pino logger or anything with the same debug signature. */
export interface HsmLogger {
  debug(object: object, message?: string): void;
  /** pino's: lets the simulator skip building lines nobody writes. */
  isLevelEnabled?(level: string): boolean;
}

export interface SimulatedHsmOptions {
  /** The local master key: 32 bytes (AES-256). */
  lmk: Buffer;
  logger?: HsmLogger;
}

/** An HSM command refused: unknown key, a key used for the wrong purpose, bad arguments. */
export class HsmError extends Error {
  override readonly name = 'HsmError';
}

/** TR-31 header fields per usage: key usage code and mode of use (X9.143 tables). */
const tr31Usage: Record<KeyUsage, { usage: string; modeOfUse: string }> = {
  TMK: { usage: 'K0', modeOfUse: 'B' },
  TPK: { usage: 'P0', modeOfUse: 'B' },
  ZPK: { usage: 'P0', modeOfUse: 'B' },
  TAK: { usage: 'M3', modeOfUse: 'C' },
  BDK: { usage: 'B0', modeOfUse: 'X' },
  'IMK-AC': { usage: 'E0', modeOfUse: 'X' },
  PVK: { usage: 'V2', modeOfUse: 'C' },
};

/** A proprietary optional block (IDs starting with a digit) holding our usage name: P0 serves both TPK and ZPK. */
const usageBlockId = '10';

const keyLengths: Record<KeyAlgorithm, number[]> = { tdes: [16, 24], aes: [16, 24, 32] };

interface StoredKey {
  info: KeyInfo;
  /** TR-31 D block under the LMK; the only form the key is stored in. */
  block: string;
}

/** A key in the HSM's working memory: unwrapped once from its block (usage checked), kept for later commands. */
interface LoadedKey {
  clear: Buffer;
  mac?: MessageMacKey;
}

/** Keys held unwrapped at once; the oldest loaded is dropped first (a later use unwraps it again). */
const loadedLimit = 4096;

export class SimulatedHsm implements Hsm {
  readonly #lmk: Buffer;
  readonly #keys = new Map<string, StoredKey>();
  readonly #loaded = new Map<string, LoadedKey>();
  readonly #log: HsmLogger | undefined;

  constructor({ lmk, logger }: SimulatedHsmOptions) {
    if (!Buffer.isBuffer(lmk) || lmk.length !== 32) throw new HsmError(`LMK: ${Buffer.isBuffer(lmk) ? lmk.length : 0} bytes, expected 32 (AES-256)`);
    this.#lmk = Buffer.from(lmk);
    this.#log = logger;
  }

  async importKey(id: string, usage: KeyUsage, clear: Buffer, algorithm: KeyAlgorithm = 'tdes'): Promise<KeyInfo> {
    if (!(usage in tr31Usage)) throw new HsmError(`key ${id}: unknown usage ${String(usage)}`);
    if (!keyLengths[algorithm]?.includes(clear.length)) throw new HsmError(`key ${id}: ${clear.length} bytes, expected ${keyLengths[algorithm].join(', ')} for ${algorithm}`);
    const info = this.#store(id, usage, algorithm, clear);
    this.#debug('importKey', { id, usage, kcv: info.kcv });
    return info;
  }

  keyInfo(id: string): KeyInfo | undefined {
    const stored = this.#keys.get(id);
    return stored && { ...stored.info };
  }

  deleteKey(id: string): void {
    this.#unload(id);
    this.#keys.delete(id);
  }

  async generateWorkingKey(usage: 'TPK' | 'TAK', tmkId: string, newId: string): Promise<{ underKek: Buffer; kcv: Buffer }> {
    const key = oddParity(randomBytes(16));
    try {
      const result = this.#use(tmkId, 'TMK', (tmk) => ({ underKek: desEcb(tmk, key), kcv: kcv(key) }));
      this.#store(newId, usage, 'tdes', key);
      this.#debug('generateWorkingKey', { usage, tmkId, newId, kcv: toHex(result.kcv) });
      return result;
    } finally {
      key.fill(0);
    }
  }

  async generateMac(takId: string, data: Buffer): Promise<Buffer> {
    const mac = this.#macKey(takId).mac(data);
    this.#debug('generateMac', { takId, bytes: data.length });
    return mac;
  }

  async verifyMac(takId: string, data: Buffer, mac: Buffer): Promise<boolean> {
    const ok = this.#macKey(takId).verify(data, mac);
    this.#debug('verifyMac', { takId, bytes: data.length, ok });
    return ok;
  }

  async verifyPin(request: PinVerification): Promise<PinCheck> {
    const deciphered = this.#decipherPin(request.pinBlock, request.format, request.pan, request.key);
    const result: PinCheck =
      'failure' in deciphered
        ? deciphered.failure
        : this.#use(request.pvkId, 'PVK', (pvk) => {
            try {
              return equalBytes(Buffer.from(visaPvv(pvk, request.pan, request.pvki, deciphered.pin)), Buffer.from(request.pvv)) ? 'right' : 'wrong';
            } catch (error) {
              if (error instanceof CryptoError) return 'wrong';
              throw error;
            }
          });
    this.#debug('verifyPin', { pan: maskPan(request.pan), key: describePinKey(request.key), pvkId: request.pvkId, result });
    return result;
  }

  async translatePin(request: { pan: string; format: 0 | 1 | 3 | 4; pinBlock: Buffer; key: PinKey; zpkId: string; toFormat?: 0 | 1 | 3 }): Promise<Buffer> {
    const deciphered = this.#decipherPin(request.pinBlock, request.format, request.pan, request.key);
    if ('failure' in deciphered) throw new HsmError('translatePin: the PIN block does not decode under its key');
    const { pin } = deciphered;
    const format = request.toFormat ?? 0;
    const out = this.#use(request.zpkId, 'ZPK', (zpk) => encipherPinBlock(zpk, { format, pin, pan: request.pan }));
    this.#debug('translatePin', { pan: maskPan(request.pan), from: describePinKey(request.key), zpkId: request.zpkId, format });
    return out;
  }

  async issuePvv(pvkId: string, pan: string, pvki: number, pin: string): Promise<string> {
    const pvv = this.#use(pvkId, 'PVK', (pvk) => visaPvv(pvk, pan, pvki, pin));
    this.#debug('issuePvv', { pvkId, pan: maskPan(pan), pvki });
    return pvv;
  }

  async verifyArqc(check: CryptogramCheck): Promise<boolean> {
    const ok = this.#use(check.imkId, 'IMK-AC', (imk) => {
      const key = cryptogramKey({ ...check, imk });
      try {
        return verifyArqc(key, check.data, check.arqc, check.recipe.padding);
      } finally {
        key.fill(0);
      }
    });
    this.#debug('verifyArqc', { imkId: check.imkId, pan: maskPan(check.pan), cvn: check.recipe.cvn, ok });
    return ok;
  }

  async generateArpc(
    check: Omit<CryptogramCheck, 'data'>,
    answer: { method: 1; arc: Buffer } | { method: 2; csu: Buffer; proprietary?: Buffer },
  ): Promise<Buffer> {
    const arpc = this.#use(check.imkId, 'IMK-AC', (imk) => {
      const key = arpcKey({ ...check, imk }, answer.method);
      try {
        if (answer.method === 1) return Buffer.concat([arpcMethod1(key, check.arqc, answer.arc), answer.arc]);
        const proprietary = answer.proprietary ?? Buffer.alloc(0);
        return Buffer.concat([arpcMethod2(key, check.arqc, answer.csu, proprietary), answer.csu, proprietary]);
      } finally {
        key.fill(0);
      }
    });
    this.#debug('generateArpc', { imkId: check.imkId, pan: maskPan(check.pan), method: answer.method });
    return arpc;
  }

  /** Ids, usages and check values only. */
  toJSON(): { keys: KeyInfo[] } {
    return { keys: [...this.#keys.values()].map(({ info }) => ({ ...info })) };
  }

  [inspect.custom](): string {
    return `SimulatedHsm { keys: ${this.#keys.size} }`;
  }

  #store(id: string, usage: KeyUsage, algorithm: KeyAlgorithm, clear: Buffer): KeyInfo {
    const { usage: code, modeOfUse } = tr31Usage[usage];
    const block = wrapTr31({
      kbpk: this.#lmk,
      header: { usage: code, algorithm: algorithm === 'aes' ? 'A' : 'T', modeOfUse, versionNumber: '00', exportability: 'N', optionalBlocks: [{ id: usageBlockId, data: usage }] },
      key: clear,
      maskedLength: 32,
    });
    const info: KeyInfo = { id, usage, algorithm, kcv: toHex(kcv(clear, algorithm)) };
    this.#unload(id);
    this.#keys.set(id, { info, block });
    return info;
  }

  /** The key `id` in working memory, after checking its usage; unwrapped from its block (and its block's usage checked) on first use. */
  #load(id: string, usage: KeyUsage | readonly KeyUsage[]): { loaded: LoadedKey; info: KeyInfo } {
    const stored = this.#keys.get(id);
    if (!stored) throw new HsmError(`key ${id}: not found`);
    const allowed: readonly KeyUsage[] = typeof usage === 'string' ? [usage] : usage;
    if (!allowed.includes(stored.info.usage)) throw new HsmError(`key ${id}: usage ${stored.info.usage}, expected ${allowed.join(' or ')}`);
    let loaded = this.#loaded.get(id);
    if (!loaded) {
      const { header, key } = unwrapTr31(stored.block, this.#lmk);
      const tagged = header.optionalBlocks.find((b) => b.id === usageBlockId)?.data;
      if (tagged !== stored.info.usage) {
        key.fill(0);
        throw new HsmError(`key ${id}: key block usage does not match`);
      }
      if (this.#loaded.size >= loadedLimit) this.#unload(this.#loaded.keys().next().value!);
      this.#loaded.set(id, (loaded = { clear: key }));
    }
    return { loaded, info: stored.info };
  }

  #unload(id: string): void {
    this.#loaded.get(id)?.clear.fill(0);
    this.#loaded.delete(id);
  }

  /** The prepared message MAC of a TAK. */
  #macKey(takId: string): MessageMacKey {
    const { loaded } = this.#load(takId, 'TAK');
    return (loaded.mac ??= new MessageMacKey(loaded.clear));
  }

  /** Runs `use` with a copy of the clear key of `id`, after checking its usage; zeroes the copy afterwards. */
  #use<T>(id: string, usage: KeyUsage | readonly KeyUsage[], use: (clear: Buffer, info: KeyInfo) => T): T {
    const { loaded, info } = this.#load(id, usage);
    const key = Buffer.from(loaded.clear);
    try {
      return use(key, info);
    } finally {
      key.fill(0);
    }
  }

  /** The clear PIN of a block; `undecodable` when it does not decode (wrong key, damaged block), `no-key` when the KSN names no key. */
  #decipherPin(pinBlock: Buffer, format: PinBlockFormat, pan: string, key: PinKey): { pin: string } | { failure: 'undecodable' | 'no-key' } {
    const attempt = (pinKey: Buffer): { pin: string } | { failure: 'undecodable' } => {
      try {
        return { pin: decipherPinBlock(pinKey, pinBlock, format, pan) };
      } catch (error) {
        if (error instanceof CryptoError) return { failure: 'undecodable' };
        throw error;
      }
    };
    if ('tpk' in key) return this.#use(key.tpk, ['TPK', 'ZPK'], attempt);
    return this.#use(key.bdk, 'BDK', (bdk, info) => {
      let keys: Record<string, Buffer>;
      try {
        keys = info.algorithm === 'aes' ? aesDukptKeys(bdk, key.ksn, 'aes128') : tdesDukptKeys(bdk, key.ksn);
      } catch (error) {
        if (error instanceof CryptoError) return { failure: 'no-key' }; // a KSN with a bad length or counter
        throw error;
      }
      const pinKey = (info.algorithm === 'aes' ? keys.pinEncryption : keys.pin)!;
      try {
        return attempt(pinKey);
      } finally {
        for (const value of Object.values(keys)) value.fill(0);
      }
    });
  }

  #debug(op: string, fields: Record<string, unknown>): void {
    if (this.#log && this.#log.isLevelEnabled?.('debug') !== false) this.#log.debug({ hsm: op, ...fields }, `hsm ${op}`);
  }
}

function describePinKey(key: PinKey): string {
  return 'tpk' in key ? `tpk:${key.tpk}` : `dukpt:${key.bdk}`;
}
