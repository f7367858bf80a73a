import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import { CryptoError } from '../../protocols/crypto/errors.js';
import { DesKey } from '../../protocols/crypto/des.js';

/** One 8-byte block through DesKey's two-word form (big-endian words, as the MAC chain holds them). */
const crypt = (key: DesKey, block: Buffer, decrypting: boolean): Buffer => {
  const halves = Int32Array.of(block.readInt32BE(0), block.readInt32BE(4));
  if (decrypting) key.decryptHalves(halves);
  else key.encryptHalves(halves);
  const out = Buffer.alloc(8);
  out.writeInt32BE(halves[0]!, 0);
  out.writeInt32BE(halves[1]!, 4);
  return out;
};
const encrypt = (key: string, block: string) => toHex(crypt(new DesKey(fromHex(key)), fromHex(block), false));
const decrypt = (key: string, block: string) => toHex(crypt(new DesKey(fromHex(key)), fromHex(block), true));

/** Single DES through OpenSSL: DES-EDE3 with K1 = K2 = K3 (Node 20 has no des-ecb without the legacy provider). */
const openssl = (key: Buffer, block: Buffer, decrypting: boolean) => {
  const ede3 = Buffer.concat([key, key, key]);
  const cipher = decrypting ? createDecipheriv('des-ede3', ede3, null) : createCipheriv('des-ede3', ede3, null);
  return cipher.setAutoPadding(false).update(block);
};

// Every vector below was also checked against OpenSSL (des-ede3 with K‖K‖K, and des-ecb under
// `node --openssl-legacy-provider`) when it was typed in.
describe('DES known answers', () => {
  it.each([
    // FIPS 81 appendix B, the ECB example: key 0123456789ABCDEF, "Now is the time for all "
    ['0123456789ABCDEF', '4E6F772069732074', '3FA40E8A984D4815'],
    ['0123456789ABCDEF', '68652074696D6520', '6A271787AB8883F9'],
    ['0123456789ABCDEF', '666F7220616C6C20', '893D51EC4B563B53'],
    // NIST SP 800-17 table A.1 (variable plaintext), first, second and last rows
    ['0101010101010101', '8000000000000000', '95F8A5E5DD31D900'],
    ['0101010101010101', '4000000000000000', 'DD7F121CA5015619'],
    ['0101010101010101', '0000000000000001', '166B40B44ABA4BD6'],
    // NIST SP 800-17 table A.2 (variable key), first and last rows
    ['8001010101010101', '0000000000000000', '95A8D72813DAA94D'],
    ['0101010101010102', '0000000000000000', '869EFD7F9F265A09'],
    // NIST SP 800-17 table A.4 (substitution table test), first row
    ['7CA110454A1A6E57', '01A1D6D039776742', '690F5B0D9A26939B'],
    // J. Orlin Grabbe, "The DES Algorithm Illustrated": the worked example
    ['133457799BBCDFF1', '0123456789ABCDEF', '85E813540F0AB405'],
  ])('key %s, plaintext %s → %s', (key, plain, cipher) => {
    expect(encrypt(key, plain)).toBe(cipher);
    expect(decrypt(key, cipher)).toBe(plain);
  });

  it('parity bits are ignored: 0101…01 and 0000…00 are the same key (SP 800-17 A.1 row 1)', () => {
    expect(encrypt('0000000000000000', '8000000000000000')).toBe('95F8A5E5DD31D900');
    expect(encrypt('0123456789ABCDEF', '4E6F772069732074')).toBe(encrypt('0022446688AACCEE', '4E6F772069732074'));
  });

  it('the two-word form works in place: [left, right] as big-endian words (FIPS 81 B, first block)', () => {
    const key = new DesKey(fromHex('0123456789ABCDEF'));
    const halves = Int32Array.of(0x4e6f7720, 0x69732074);
    key.encryptHalves(halves);
    expect([halves[0]! >>> 0, halves[1]! >>> 0]).toEqual([0x3fa40e8a, 0x984d4815]);
    key.decryptHalves(halves);
    expect([halves[0]! >>> 0, halves[1]! >>> 0]).toEqual([0x4e6f7720, 0x69732074]);
  });

  it('equals OpenSSL DES-EDE3 with K1 = K2 = K3 for random keys and blocks, both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (rawKey, rawBlock) => {
        const key = Buffer.from(rawKey);
        const block = Buffer.from(rawBlock);
        const des = new DesKey(key);
        expect(crypt(des, block, false)).toEqual(openssl(key, block, false));
        expect(crypt(des, block, true)).toEqual(openssl(key, block, true));
      }),
      { numRuns: 500 },
    );
  });

  it('bad input: a key that is not 8 bytes is a CryptoError', () => {
    expect(() => new DesKey(Buffer.alloc(16))).toThrow(new CryptoError('key', '16 bytes, expected 8'));
  });
});
