import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import fc from 'fast-check';
import {
  aesCmac,
  cbcMac,
  CryptoError,
  desCbc,
  desEcb,
  kcv,
  messageMac,
  MessageMacKey,
  padIso9797,
  type PaddingMethod,
  retailMac,
  RetailMacKey,
  verifyMessageMac,
  xor,
} from '../../protocols/crypto/index.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');

describe('ISO 9797-1 padding', () => {
  // knovichikhin/psec tests/test_mac.py: test_pad_iso_1/2/3 (8-byte blocks)
  it.each([
    [1, '1234', '1234000000000000'],
    [1, '1234567890123456', '1234567890123456'],
    [2, '1234', '1234800000000000'],
    [2, '12345678901234', '1234567890123480'],
    [2, '1234567890123456', '12345678901234568000000000000000'],
    [3, '1234', '00000000000000101234000000000000'],
    [3, '1234567890123456', '00000000000000401234567890123456'],
  ] as const)('method %i of %s', (method, data, padded) => {
    expect(toHex(padIso9797(fromHex(data), method))).toBe(padded);
  });
});

describe('MACs', () => {
  // psec tests/test_mac.py test_generate_retail_mac: key1 = 16 × 'A', key2 = 16 × 'B' (each a TDES key
  // with equal halves, i.e. single DES 41…41 and 42…42), so the standard KL‖KR form is 41×8 ‖ 42×8.
  const retailKey = Buffer.concat([Buffer.alloc(8, 0x41), Buffer.alloc(8, 0x42)]);
  it.each([
    [1, '3DDE5C5511661CBF'],
    [2, 'E16941032C3BC7D4'],
    [3, 'BA90F750EF43F668'],
  ] as const)('retail MAC (algorithm 3), padding %i', (padding, mac) => {
    expect(toHex(retailMac(retailKey, ascii('hello world'), padding))).toBe(mac);
    expect(toHex(retailMac(retailKey, ascii('hello world'), padding, 4))).toBe(mac.slice(0, 8));
  });

  // psec tests/test_mac.py test_generate_cbc_mac: TDES key AAAA…BBBB (hex), "hello world"
  it.each([
    [1, '68D9038F23360DF3'],
    [2, '32DC341271ACCD00'],
    [3, 'CDACA53E2DAA5412'],
  ] as const)('CBC-MAC (algorithm 1), padding %i', (padding, mac) => {
    expect(toHex(cbcMac(fromHex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB'), ascii('hello world'), padding))).toBe(mac);
  });

  // RFC 4493 section 4, examples 1–4 (AES-128 key 2b7e1516…)
  it.each([
    ['', 'BB1D6929E95937287FA37D129B756746'],
    ['6bc1bee22e409f96e93d7e117393172a', '070A16B46B4D4144F79BDD9DD04A287C'],
    ['6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411', 'DFA66747DE9AE63030CA32611497C827'],
    [
      '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
      '51F0BEBF7E3B9D92FC49741779363CFE',
    ],
  ])('AES-CMAC RFC 4493 (%s)', (data, mac) => {
    expect(toHex(aesCmac(fromHex('2b7e151628aed2a6abf7158809cf4f3c'), fromHex(data)))).toBe(mac);
  });

  // NIST SP 800-38B appendix D.3 / D.4 example 2 (AES-192 and AES-256, one block)
  it('AES-CMAC with 192- and 256-bit keys (SP 800-38B D.3, D.4)', () => {
    const block = fromHex('6bc1bee22e409f96e93d7e117393172a');
    expect(toHex(aesCmac(fromHex('8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b'), block))).toBe('9E99A7BF31E710900662F65E617C5184');
    expect(toHex(aesCmac(fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'), block))).toBe('28A7023F452E8F82BD4BF28D8C37C35C');
  });

  it('message MAC of CONTRACTS.md is the 8-byte retail MAC with padding 1', () => {
    const tak = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const data = fromHex('0200723A');
    expect(messageMac(tak, data)).toEqual(retailMac(tak, data, 1, 8));
    expect(verifyMessageMac(tak, data, messageMac(tak, data))).toBe(true);
    const altered = Buffer.from(data);
    altered[3]! ^= 1;
    expect(verifyMessageMac(tak, altered, messageMac(tak, data))).toBe(false);
  });
});

describe('prepared MAC keys (the TypeScript DES core, key schedules computed once)', () => {
  const retailKey = Buffer.concat([Buffer.alloc(8, 0x41), Buffer.alloc(8, 0x42)]);
  // The retail MAC step by step as ISO 9797-1 alg 3 defines it: CBC under KL, then D(KR), E(KL).
  const reference = (key: Buffer, data: Buffer) => {
    const cbc = desCbc(key.subarray(0, 8), padIso9797(data, 1));
    return desEcb(key.subarray(0, 8), desEcb(key.subarray(8), cbc.subarray(cbc.length - 8), true));
  };

  it('one key gives the psec vectors on every call, whatever was MACed before', () => {
    const key = new RetailMacKey(retailKey);
    for (const before of ['', 'x', 'a longer message of several blocks', 'hello world']) {
      key.mac(ascii(before));
      expect(toHex(key.mac(ascii('hello world'), 1))).toBe('3DDE5C5511661CBF');
      expect(toHex(key.mac(ascii('hello world'), 2))).toBe('E16941032C3BC7D4');
      expect(toHex(key.mac(ascii('hello world'), 3))).toBe('BA90F750EF43F668');
    }
  });

  // The construction the MAC used before the DES core, on OpenSSL: the blocks before the last as
  // single-DES CBC under KL (DES-EDE3-CBC with KL‖KL‖KL), the last one XORed with that chain and
  // encrypted by two-key EDE, E(KL, D(KR, E(KL, x))) (DES-EDE3 with KL‖KR‖KL).
  const openssl = (key: Buffer, data: Buffer, padding: PaddingMethod) => {
    const kl = key.subarray(0, 8);
    const padded = padIso9797(data, padding);
    const head = createCipheriv('des-ede3-cbc', Buffer.concat([kl, kl, kl]), Buffer.alloc(8)).setAutoPadding(false).update(padded.subarray(0, -8));
    const last = xor(padded.subarray(-8), head.length ? head.subarray(-8) : Buffer.alloc(8));
    return createCipheriv('des-ede3', Buffer.concat([key, kl]), null).setAutoPadding(false).update(last);
  };

  it('equals the OpenSSL construction for random keys, data of 0–300 bytes, paddings 1–3 and MAC lengths 4–8', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom<PaddingMethod>(1, 2, 3),
        fc.integer({ min: 4, max: 8 }),
        (rawKey, rawData, padding, length) => {
          const key = Buffer.from(rawKey);
          const data = Buffer.from(rawData);
          const expected = openssl(key, data, padding).subarray(0, length);
          expect(retailMac(key, data, padding, length)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('two RetailMacKeys, each used for many MACs in a row and interleaved, equal one-shot OpenSSL MACs (chain state reset, earlier MACs untouched)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.record({ second: fc.boolean(), data: fc.uint8Array({ maxLength: 100, size: 'max' }), padding: fc.constantFrom<PaddingMethod>(1, 2, 3), length: fc.integer({ min: 4, max: 8 }) }), { minLength: 2, maxLength: 12 }),
        (rawA, rawB, calls) => {
          const keys = [Buffer.from(rawA), Buffer.from(rawB)];
          const prepared = keys.map((key) => new RetailMacKey(key));
          // All MACs first, compared after: a MAC must not change when the key computes later ones.
          const macs = calls.map(({ second, data, padding, length }) => prepared[Number(second)]!.mac(Buffer.from(data), padding, length));
          calls.forEach(({ second, data, padding, length }, i) => {
            expect(macs[i]).toEqual(openssl(keys[Number(second)]!, Buffer.from(data), padding).subarray(0, length));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a prepared message MAC key equals the step-by-step retail MAC over any sequence of messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }), (rawKey, messages) => {
        const key = Buffer.from(rawKey);
        const prepared = new MessageMacKey(key);
        for (const message of messages.map((m) => Buffer.from(m))) {
          const copy = Buffer.from(message);
          const mac = prepared.mac(message);
          expect(mac).toEqual(reference(key, message));
          expect(prepared.verify(message, mac)).toBe(true);
          expect(message).toEqual(copy); // the input is not touched
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('key check values', () => {
  // pyemv / EMV Book 2 base-case IMK KCV (terminal-protocols.md §6); TR-31:2018 A.7.4 (AES, CMAC method)
  it('TDES: E(K, 0…0); AES: CMAC(K, 0…0)', () => {
    expect(toHex(kcv(fromHex('0123456789ABCDEFFEDCBA9876543210'), 'tdes', 2))).toBe('08D7');
    expect(toHex(kcv(fromHex('3F419E1CB7079442AA37474C2EFBF8B8'), 'aes'))).toBe('08793E');
  });
});

describe('bad input: typed errors that name the argument and never carry key material', () => {
  it('wrong key lengths and MAC lengths', () => {
    const key = Buffer.alloc(15, 0xab);
    expect(() => retailMac(key, Buffer.alloc(8))).toThrow(new CryptoError('key', '15 bytes, expected 16'));
    expect(() => aesCmac(key, Buffer.alloc(8))).toThrow('key: 15 bytes, expected 16, 24 or 32');
    expect(() => cbcMac(key, Buffer.alloc(8))).toThrow('key: 15 bytes, expected 8, 16 or 24');
    expect(() => retailMac(Buffer.alloc(16), Buffer.alloc(8), 1, 9)).toThrow('MAC length: 9, expected 4 to 8 bytes');
    try {
      aesCmac(key, Buffer.alloc(8));
    } catch (error) {
      expect(String(error)).not.toMatch(/ab/i);
    }
  });
});
