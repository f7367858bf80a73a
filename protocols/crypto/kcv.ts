import type { BlockAlgorithm } from './primitives.js';
import { desEcb } from './primitives.js';
import { aesCmac } from './mac.js';

/**
 * Key check value. TDES: the first bytes of E(K, 00…00) (ANSI X9.24-1). AES: the first bytes of
 * AES-CMAC(K, 00…00) — the CMAC method of X9.24-1:2017 that TR-31/X9.143 key blocks use.
 */
export function kcv(key: Buffer, algorithm: BlockAlgorithm = 'tdes', length = 3): Buffer {
  const full = algorithm === 'aes' ? aesCmac(key, Buffer.alloc(16)) : desEcb(key, Buffer.alloc(8));
  return full.subarray(0, length);
}
