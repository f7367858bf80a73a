import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import {
  applicationCryptogram,
  arpcMethod1,
  arpcMethod2,
  commonSessionKey,
  generateArqc,
  iccMasterKey,
  kcv,
  mastercardSessionKey,
  sessionKeyFromR,
  verifyArqc,
} from '../../protocols/crypto/index.js';
import { testCards } from '../../protocols/testcards.js';

const kcv2 = (key: Buffer) => toHex(kcv(key, 'tdes', 2));
const join = (...hex: string[]) => Buffer.concat(hex.map((v) => fromHex(v)));
const imk = fromHex('0123456789ABCDEFFEDCBA9876543210');

describe('EMV base case (pyemv tests, EMV Book 2 A1.4: PAN 9901234567890123, PSN 45)', () => {
  const mk = iccMasterKey(imk, '9901234567890123', '45');
  const sk = sessionKeyFromR(mk, fromHex('1234567890123456'));
  it('ICC MK option A, session key, ARQC, ARPC 1 and 2', () => {
    expect(kcv2(imk)).toBe('08D7');
    expect(kcv2(mk)).toBe('1DA5');
    expect(kcv2(sk)).toBe('0995');
    const arqc = generateArqc(sk, fromHex('0123456789ABCDEF0123456789ABCDEF'), 2);
    expect(toHex(arqc)).toBe('4B46013359B7A58B');
    expect(toHex(arpcMethod1(mk, arqc, fromHex('0000')))).toBe('F8C9CECAABD55AD1');
    expect(toHex(arpcMethod2(sk, arqc, fromHex('00000000'), fromHex('1234567890ABCDEF')))).toBe('4962B76C');
  });
});

// knovichikhin/pyemv tests/test_cvn_hsm.py: IMK-AC 0123…3210, PAN 1234567890123456, PSN 00, ATC 001C
describe('scheme CVNs (pyemv test_visa_cvn10, test_visa_cvn18, Mastercard CVN 16)', () => {
  const mk = iccMasterKey(imk, '1234567890123456', '00');
  const visaData = ['000000004000', '000000000000', '0124', '8000048000', '0124', '191105', '01', '52BF4585', '1800', '001C'];
  it('ICC MK KCV BAB0', () => expect(kcv2(mk)).toBe('BAB0'));

  it('Visa CVN 10: ICC MK, CVR tail, padding 1; ARPC method 1 with ARC 3030', () => {
    const arqc = generateArqc(mk, join(...visaData, '03A06010'), 1);
    expect(toHex(arqc)).toBe('29CCA15AE665FA2E');
    expect(toHex(arpcMethod1(mk, arqc, fromHex('3030')))).toBe('28993816AFAE4AEB');
  });

  it('Visa CVN 18: common session key, whole IAD, padding 2; ARPC method 2 with CSU 00000000', () => {
    const sk = commonSessionKey(mk, fromHex('001C'));
    expect(kcv2(sk)).toBe('22C8');
    const data = join(...visaData, '06011203A0B800');
    expect(toHex(generateArqc(sk, data, 2))).toBe('7A788EA6B8A3E733');
    expect(verifyArqc(sk, data, fromHex('7A788EA6B8A3E733'))).toBe(true);
    expect(verifyArqc(sk, data, fromHex('7A788EA6B8A3E734'))).toBe(false);
    expect(toHex(arpcMethod2(sk, fromHex('7A788EA6B8A3E733'), fromHex('00000000')))).toBe('9AF514C1');
  });

  it('Mastercard CVN 16: SKD session key with UN, padding 2; ARPC method 1 under the ICC MK (ARC 0010)', () => {
    const sk = mastercardSessionKey(mk, fromHex('001C'), fromHex('ABCDEF12'));
    const data = join('000000009999', '000000000000', '0124', '8000000000', '0124', '209906', '00', 'ABCDEF12', '1800', '001C', 'A00003220000');
    expect(toHex(generateArqc(sk, data, 2))).toBe('24CCF3DEE3158C70');
    expect(toHex(arpcMethod1(mk, fromHex('24CCF3DEE3158C70'), fromHex('0010')))).toBe('73F6BBF389A6586C');
  });

  it('applicationCryptogram follows the testcards recipes', () => {
    const data = join(...visaData, '06011203A0B800');
    const ac = applicationCryptogram({ recipe: testCards.visa.recipe, imk, pan: '1234567890123456', psn: '00', atc: fromHex('001C'), unpredictableNumber: fromHex('52BF4585'), data });
    expect(toHex(ac)).toBe('7A788EA6B8A3E733');
  });

  it('bad input names the field', () => {
    expect(() => iccMasterKey(imk, '12345678901A', '00')).toThrow('PAN: must be digits only');
    expect(() => iccMasterKey(imk.subarray(0, 8), '1234567890123456')).toThrow('IMK: 8 bytes, expected 16');
    expect(() => arpcMethod1(mk, fromHex('00'), fromHex('3030'))).toThrow('ARQC: 1 bytes, expected 8');
    expect(() => arpcMethod2(mk, Buffer.alloc(8), Buffer.alloc(4), Buffer.alloc(9))).toThrow('proprietary authentication data: 9 bytes, expected 0 to 8');
  });
});
