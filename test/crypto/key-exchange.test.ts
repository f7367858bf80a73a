import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import { CryptoError, desEcb, encodeKeyExchange, kcv, unwrapWorkingKeys } from '../../protocols/crypto/index.js';
import { DecodeError } from '../../protocols/errors.js';

describe('sign-on key exchange (CONTRACTS.md DE96: DF01..DF04)', () => {
  const tmk = fromHex('0123456789ABCDEFFEDCBA9876543210');
  const tpk = fromHex('1111111111111111FEFEFEFEFEFEFEFE');
  const tak = fromHex('2222222222222222DCDCDCDCDCDCDCDC');
  const de96 = encodeKeyExchange({ tpkUnderTmk: desEcb(tmk, tpk), tpkKcv: kcv(tpk), takUnderTmk: desEcb(tmk, tak), takKcv: kcv(tak) });

  it('is BER-TLV DF01 16 bytes, DF02 3, DF03 16, DF04 3', () => {
    expect(toHex(de96.subarray(0, 3))).toBe('DF0110');
    expect(de96.length).toBe(4 * 3 + 16 + 3 + 16 + 3);
  });

  it('the terminal unwraps the TPK and TAK and checks their KCVs', () => {
    const keys = unwrapWorkingKeys(de96, tmk);
    expect(toHex(keys.tpk)).toBe(toHex(tpk));
    expect(toHex(keys.tak)).toBe(toHex(tak));
  });

  it('a wrong TMK or a damaged KCV is a CryptoError naming the key; a malformed DE96 a DecodeError', () => {
    expect(() => unwrapWorkingKeys(de96, fromHex('FEDCBA98765432100123456789ABCDEF'))).toThrow(new CryptoError('TPK', 'check value does not match (wrong TMK or damaged key)'));
    const damaged = Buffer.from(de96);
    damaged[damaged.length - 1]! ^= 1;
    expect(() => unwrapWorkingKeys(damaged, tmk)).toThrow('TAK: check value does not match');
    expect(() => unwrapWorkingKeys(de96.subarray(0, 22), tmk)).toThrow(DecodeError);
    expect(() => unwrapWorkingKeys(de96, tmk.subarray(0, 8))).toThrow('TMK: 8 bytes, expected 16 or 24');
  });
});
