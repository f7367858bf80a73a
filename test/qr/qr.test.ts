// EMVCo QR vectors: the EMV QRCPS Merchant-Presented Mode specification's example payload (CRC A13A;
// reproduced in many public libraries, e.g. mvallim/emv-qrcode tests); the CPM specification example
// (mvallim/emv-qrcode ConsumerPresentedModeDecoderTest); CRC-16/CCITT-FALSE check value "123456789" →
// 29B1 (reveng catalogue); the SGQR sample from sgqrgen's README, whose CRC is wrong (the content gives 1F4D).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../protocols/errors.js';
import { decodeCpm, decodeMpm, encodeCpm, encodeMpm, paymentCodeClassifier, parsePaymentCodeRules, qrCrc } from '../../protocols/qr/index.js';

const emvcoExample =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
const cpmExample =
  'hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==';

describe('CRC-16/CCITT-FALSE', () => {
  it('check value: "123456789" → 29B1', () => expect(qrCrc('123456789')).toBe('29B1'));
  it('SGQR sample (sgqrgen README) carries 2968, but its content gives 1F4D', () => {
    const sgqr = '00020101021125280009SG.PAYNOW010100211+659876543203011530370254040.005802SG5913TAN AH GAO 63042968';
    expect(qrCrc(sgqr.slice(0, -4))).toBe('1F4D');
  });
});

describe('merchant-presented mode', () => {
  it('decodes the EMVCo specification example, Chinese characters counted as characters', () => {
    const decoded = decodeMpm(emvcoExample);
    expect(decoded.crc).toEqual({ carried: 'A13A', computed: 'A13A', valid: true });
    expect(decoded.objects).toMatchObject({
      '00': '01',
      '01': '12',
      29: { '00': 'D15600000000', '05': 'A93FO3230Q' },
      52: '4111',
      53: '156',
      54: '23.72',
      59: 'BEST TRANSPORT',
      62: { '03': '1234', '06': '***', '07': 'A6008667', '09': 'ME' },
      64: { '00': 'ZH', '01': '最佳运输', '02': '北京' },
    });
    expect(decoded.order.slice(0, 4)).toEqual(['00', '01', '29', '31']);
  });
  it('re-encodes the example byte for byte in its own order', () => {
    const decoded = decodeMpm(emvcoExample);
    expect(encodeMpm(decoded.objects, decoded.order)).toBe(emvcoExample);
  });
  it('reports a wrong CRC without refusing the payload', () => {
    expect(decodeMpm(emvcoExample.replace(/A13A$/, 'A13B')).crc.valid).toBe(false);
  });
  it('refuses structural errors with the data object and byte offset', () => {
    const cases: Array<[string, string, number]> = [
      ['000201010211520441', '52', 14],
      ['0102120002016304ABCD', '00', 0],
      ['00020101021152X4411163040000', '52', 14],
      ['000201010211', '63', 4],
    ];
    for (const [payload, path, offset] of cases) {
      try {
        decodeMpm(payload);
        expect.unreachable(payload);
      } catch (error) {
        expect(error, payload).toBeInstanceOf(DecodeError);
        expect([(error as DecodeError).path, (error as DecodeError).offset], payload).toEqual([path, offset]);
      }
    }
  });
  it('reports byte offsets past multi-byte characters', () => {
    const broken = emvcoExample.replace('0202北京', '0209北京');
    expect(() => decodeMpm(broken)).toThrow(DecodeError);
  });
  it('encode → decode round trip (property)', () => {
    // Within the data object tables (MPM v1.1): ans (printable ASCII) for 59, 60, 62.01–08 and the
    // GUIs; S (any character, here CJK, accented and outside the BMP) for 26–51.01–99, 62.50–99,
    // 64.01 and 80–99.01–99. Lengths count characters, so a surrogate pair counts once.
    const ans = (maxLength: number) => fc.string({ unit: fc.constantFrom(...'ABCxyz 0189.-'.split('')), minLength: 1, maxLength });
    const s = (maxLength: number) => fc.string({ unit: fc.constantFrom('A', 'B', ' ', '最', '佳', '运', '输', 'é', '€', '😀'), minLength: 1, maxLength });
    const objects = fc.record({
      26: fc.record({ '00': fc.constant('D15600000000'), '05': s(20) }),
      29: fc.record({ '00': fc.constant('com.wechat.pay'), '01': s(25) }),
      52: fc.constant('5411'),
      53: fc.constant('156'),
      58: fc.constant('CN'),
      59: ans(25),
      60: ans(15),
      62: fc.record({ '05': ans(25), '07': ans(25), '50': s(25) }),
      64: fc.record({ '00': fc.constant('ZH'), '01': s(25) }),
      80: fc.record({ '00': fc.constant('com.example'), '01': s(25) }),
    });
    fc.assert(
      fc.property(objects, (objects) => {
        const payload = encodeMpm(objects);
        const decoded = decodeMpm(payload);
        expect(decoded.crc.valid).toBe(true);
        expect(decoded.objects).toMatchObject(objects);
      }),
    );
  });
});

describe('consumer-presented mode', () => {
  it('decodes the EMVCo CPM example (two application templates, common data with a transparent template)', () => {
    expect(decodeCpm(cpmExample)).toEqual({
      85: '4350563031',
      61: { '4F': 'A0000000555555', 50: '50726F6475637431' },
      '61#2': { '4F': 'A0000000666666', 50: '50726F6475637432' },
      62: {
        '5A': '1234567890123458',
        '5F20': '43415244484F4C4445522F454D56',
        '5F2D': '727565736465656E',
        64: { '9F10': '06010A03000000', '9F26': '584FD385FA234BCC', '9F36': '0001', '9F37': '6D58EF13' },
      },
    });
  });
  it('re-encodes it to the same base64', () => expect(encodeCpm(decodeCpm(cpmExample))).toBe(cpmExample));
  it('refuses what is not a CPM payload', () => {
    expect(() => decodeCpm('not base64!')).toThrow(/not base64/);
    expect(() => decodeCpm(Buffer.from('9F0201FF', 'hex').toString('base64'))).toThrow(/85 = "CPV01"/);
  });
});

describe('payment code classifier', () => {
  const classifier = paymentCodeClassifier();
  it('recognises each scheme by the default rules', () => {
    expect(classifier.classify('134567890123456789').scheme).toBe('WECHAT');
    expect(classifier.classify('151234567890123456').scheme).toBe('WECHAT');
    expect(classifier.classify('281234567890123456').scheme).toBe('ALIPAY');
    expect(classifier.classify('2812345678901234567890').scheme).toBe('ALIPAY');
    expect(classifier.classify('6212345678901234567').scheme).toBe('UNIONPAY');
    expect(classifier.classify(cpmExample).scheme).toBe('EMVCPM');
  });
  it('refuses a code that matches no scheme, and says why', () => {
    expect(classifier.classify('161234567890123456')).toEqual({ scheme: undefined, reason: 'matches no payment code rule (18 digits starting 16)' });
    expect(classifier.classify('621234567890123456').scheme).toBeUndefined(); // 18 digits: not UnionPay's 19
    expect(classifier.classify('hello').scheme).toBeUndefined();
  });
  it('takes its rules from configuration', () => {
    const rules = parsePaymentCodeRules('[{"scheme":"DCEP","pattern":"^01\\\\d{16}$"}]');
    expect(paymentCodeClassifier(rules).classify('011234567890123456').scheme).toBe('DCEP');
    expect(() => parsePaymentCodeRules('[{"scheme":"X","pattern":"("}]')).toThrow(/not a valid regular expression/);
  });
});
