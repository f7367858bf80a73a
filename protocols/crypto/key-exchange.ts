/**
 * Sign-on key exchange (CONTRACTS.md): the 0810's DE96 is BER-TLV with DF01 = TPK under the TMK
 * (TDES ECB, 16 bytes), DF02 = its 3-byte KCV, DF03 = TAK under the TMK, DF04 = its KCV. The switch
 * side builds it from what its HSM returns; the terminal side unwraps it and checks both KCVs.
 */
import { DecodeError } from '../errors.js';
import { decodeTlv, encodeTlv, findTag } from '../tlv/index.js';
import { CryptoError, expectLength } from './errors.js';
import { kcv } from './kcv.js';
import { desEcb, equalBytes } from './primitives.js';

export interface WrappedWorkingKeys {
  tpkUnderTmk: Buffer;
  tpkKcv: Buffer;
  takUnderTmk: Buffer;
  takKcv: Buffer;
}

/** DE96 of a sign-on or key-exchange answer. */
export function encodeKeyExchange(keys: WrappedWorkingKeys): Buffer {
  expectLength('TPK under TMK', keys.tpkUnderTmk, [16]);
  expectLength('TAK under TMK', keys.takUnderTmk, [16]);
  expectLength('TPK KCV', keys.tpkKcv, [3]);
  expectLength('TAK KCV', keys.takKcv, [3]);
  return encodeTlv([
    { tag: 'DF01', value: keys.tpkUnderTmk },
    { tag: 'DF02', value: keys.tpkKcv },
    { tag: 'DF03', value: keys.takUnderTmk },
    { tag: 'DF04', value: keys.takKcv },
  ]);
}

/** Reads DE96 without decrypting anything; DecodeError when a tag is missing or has the wrong length. */
export function decodeKeyExchange(de96: Buffer): WrappedWorkingKeys {
  const items = decodeTlv(de96);
  const get = (tag: string, length: number) => {
    const item = findTag(items, tag);
    if (!item) throw new DecodeError('key exchange', `96.${tag}`, 0, 'missing');
    if (item.value.length !== length) throw new DecodeError('key exchange', `96.${tag}`, 0, `${item.value.length} bytes, expected ${length}`);
    return item.value;
  };
  return { tpkUnderTmk: get('DF01', 16), tpkKcv: get('DF02', 3), takUnderTmk: get('DF03', 16), takKcv: get('DF04', 3) };
}

/** Terminal side: decrypts the TPK and TAK under the TMK and checks their KCVs (CryptoError naming the key that fails). */
export function unwrapWorkingKeys(de96: Buffer, tmk: Buffer): { tpk: Buffer; tak: Buffer } {
  expectLength('TMK', tmk, [16, 24]);
  const wrapped = decodeKeyExchange(de96);
  const tpk = desEcb(tmk, wrapped.tpkUnderTmk, true);
  const tak = desEcb(tmk, wrapped.takUnderTmk, true);
  if (!equalBytes(kcv(tpk), wrapped.tpkKcv)) throw new CryptoError('TPK', 'check value does not match (wrong TMK or damaged key)');
  if (!equalBytes(kcv(tak), wrapped.takKcv)) throw new CryptoError('TAK', 'check value does not match (wrong TMK or damaged key)');
  return { tpk, tak };
}
