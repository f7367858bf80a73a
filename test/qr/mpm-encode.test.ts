// encodeMpm / `pos qr encode` refuse what EMV QRCPS Merchant-Presented Mode v1.1 does not allow,
// checked against the specification's data object tables (§4, Data Objects): root 00 N 2 "01",
// 01 N 2 "11"/"12", 02–51 ans ..99 (26–51 templates with GUI 00 ans ..32), 52 N 4, 53 N 3,
// 54 ans ..13, 55 N 2, 56 ans ..13, 57 ans ..5, 58 ans 2, 59 ans ..25, 60 ans ..15, 61 ans ..10,
// 62 S ..99, 63 CRC ans 4, 64 S ..99; Additional Data Field Template 62: 01–08 ans ..25, 09 ans ..3;
// Merchant Information—Language Template 64: 00 ans 2, 01 S ..25, 02 S ..15. The same sizes are in
// mvallim/emv-qrcode's MPM validators (MerchantPresentedModeValidator, AdditionalDataFieldValidator).
// The decoder stays as it was (test/qr/qr.test.ts).
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { EncodeError } from '../../protocols/errors.js';
import { decodeMpm, encodeMpm, qrCrc, type MpmObject } from '../../protocols/qr/index.js';
import { capture } from '../support/cli.js';

/** A payload that conforms: the docs/qr.md example with a merchant account template added. */
const base: MpmObject = { '01': '12', 26: { '00': 'D15600000000', '05': 'A93FO3230Q' }, 52: '5411', 53: '156', 54: '23.72', 58: 'CN', 59: 'BEST TRANSPORT', 60: 'BEIJING' };

function refusal(change: Record<string, unknown>, without: string[] = []): [string, string] {
  const objects: Record<string, unknown> = { ...base, ...change };
  for (const id of without) delete objects[id];
  try {
    encodeMpm(objects as MpmObject);
  } catch (error) {
    expect(error).toBeInstanceOf(EncodeError);
    return [(error as EncodeError).path, (error as EncodeError).reason];
  }
  throw new Error(`encoded ${JSON.stringify(change)} without error`);
}

describe('encodeMpm: the data object table', () => {
  it('encodes a conforming payload, 00 first and the CRC computed (a 63 given is ignored)', () => {
    const payload = encodeMpm({ ...base, 63: 'FFFF' });
    expect(payload.startsWith('000201010212')).toBe(true);
    expect(decodeMpm(payload).crc.valid).toBe(true);
    const decoded = decodeMpm(payload);
    expect(encodeMpm(decoded.objects, [...decoded.order.slice(1), '00'])).toBe(payload);
  });

  it('refuses a value that needs a 3-digit length (the ID and the count)', () => {
    expect(refusal({ 62: { '05': 'R'.repeat(25), '07': 'T'.repeat(25), '08': 'P'.repeat(25), '01': 'B'.repeat(25) } })).toEqual(['62', 'value of 116 characters exceeds 99']);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a non-numeric MCC', { 52: '54A1' }, '52', /^Merchant Category Code: format N: digits only$/],
    ['a 5-digit MCC', { 52: '54111' }, '52', /^Merchant Category Code: 5 characters; exactly 4 allowed$/],
    ['a currency code in letters', { 53: 'CNY' }, '53', /Transaction Currency: format N/],
    ['a 4-letter country code', { 58: 'CHNA' }, '58', /^Country Code: 4 characters; exactly 2 allowed$/],
    ['a lower-case country code', { 58: 'cn' }, '58', /ISO 3166-1 alpha-2/],
    ['an amount with a decimal comma', { 54: '12,5' }, '54', /^Transaction Amount: digits with at most one "\." as the decimal mark$/],
    ['an amount with two points', { 54: '1.2.5' }, '54', /decimal mark/],
    ['a zero amount', { 54: '0.00' }, '54', /must not be zero/],
    ['an amount of 14 characters', { 54: '12345678901.25' }, '54', /14 characters; 1 to 13 allowed/],
    ['a merchant name of 26 characters', { 59: 'A'.repeat(26) }, '59', /^Merchant Name: 26 characters; 1 to 25 allowed$/],
    ['a merchant name outside ans', { 59: 'CAFÉ DU MONDE' }, '59', /format ans: printable ASCII/],
    ['a merchant city of 16 characters', { 60: 'C'.repeat(16) }, '60', /^Merchant City: 16 characters; 1 to 15 allowed$/],
    ['an empty value', { 61: '' }, '61', /Postal Code: 0 characters/],
    ['payload format indicator other than 01', { '00': '02' }, '00', /^Payload Format Indicator: must be "01"$/],
    ['a point of initiation method other than 11/12', { '01': '13' }, '01', /must be "11" or "12"/],
    ['a tip indicator other than 01–03', { 55: '04' }, '55', /must be "01" or "02" or "03"/],
    ['a percentage fee of 100', { 55: '03', 57: '100' }, '57', /between 00\.01 and 99\.99/],
    // MPM v1.1 root table, ID 57: "between 00.01 and 99.99": two decimals at most.
    ['a percentage fee of 0.001', { 55: '03', 57: '0.001' }, '57', /between 00\.01 and 99\.99, at most 2 decimals/],
    ['a percentage fee of 0.00', { 55: '03', 57: '0.00' }, '57', /between 00\.01 and 99\.99/],
  ])('refuses %s, naming the data object', (_, change, path, reason) => {
    const [gotPath, gotReason] = refusal(change);
    expect(gotPath).toBe(path);
    expect(gotReason).toMatch(reason);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a reference label of 26 characters (62.05)', { 62: { '05': 'R'.repeat(26) } }, '62.05', /^Reference Label: 26 characters; 1 to 25 allowed$/],
    ['an additional consumer data request other than A/M/E (62.09)', { 62: { '09': 'AAX' } }, '62.09', /"A", "M" and "E", each at most once/],
    ['a GUI of 33 characters (26.00)', { 26: { '00': 'G'.repeat(33) } }, '26.00', /^Globally Unique Identifier: 33 characters; 1 to 32 allowed$/],
    ['a merchant account template without its GUI', { 26: { '05': 'A93FO3230Q' } }, '26.00', /^Globally Unique Identifier is mandatory$/],
    ['an alternate-language name of 26 characters (64.01)', { 64: { '00': 'ZH', '01': '最'.repeat(26) } }, '64.01', /Merchant Name—Alternate Language: 26 characters; 1 to 25 allowed/],
    ['a language template without its language (64.00)', { 64: { '01': '最佳运输' } }, '64.00', /Language Preference is mandatory/],
    ['an unreserved template without its GUI (80.00)', { 80: { '01': 'X' } }, '80.00', /Globally Unique Identifier is mandatory/],
    // MPM v1.1 §4.1 (Data Object format): the length is "01" to "99"; an empty template would be written with length 00.
    ['an empty Additional Data Field Template (62)', { 62: {} }, '62', /^Additional Data Field Template: no data objects; a length is 01 to 99$/],
    ['an empty Language Template (64)', { 64: {} }, '64', /no data objects/],
  ])('refuses %s, naming template and sub-ID', (_, change, path, reason) => {
    const [gotPath, gotReason] = refusal(change);
    expect(gotPath).toBe(path);
    expect(gotReason).toMatch(reason);
  });

  it('accepts S (any character) where the table says S: the alternate-language name in Chinese', () => {
    const payload = encodeMpm({ ...base, 64: { '00': 'ZH', '01': '最佳运输', '02': '北京' } });
    expect(decodeMpm(payload).objects['64']).toEqual({ '00': 'ZH', '01': '最佳运输', '02': '北京' });
  });

  it('accepts S in Merchant Account Information templates 26–51 (sub-IDs 01–99 are format S in the MPM v1.1 template table): a WeChat-style 29.01 in Chinese re-encodes as it came', () => {
    const tlv = (id: string, value: string) => id + String(Array.from(value).length).padStart(2, '0') + value;
    const body = [tlv('00', '01'), tlv('01', '12'), tlv('29', tlv('00', 'com.wechat.pay') + tlv('01', '微信商户123')), tlv('52', '5812'), tlv('53', '156'), tlv('58', 'CN'), tlv('59', 'SHOP'), tlv('60', 'SHENZHEN')].join('') + '6304';
    const payload = body + qrCrc(body);
    const decoded = decodeMpm(payload);
    expect(encodeMpm(decoded.objects, decoded.order)).toBe(payload);
    // The GUI 00 stays ans.
    expect(refusal({ 26: { '00': '微信' } })).toEqual(['26.00', 'Globally Unique Identifier: format ans: printable ASCII characters only (0x20–0x7E)']);
  });

  it('refuses a 50-million-character value by its size before counting its characters', () => {
    const [path, reason] = refusal({ 59: 'A'.repeat(50_000_000) });
    expect(path).toBe('59');
    expect(reason).toBe('Merchant Name: at least 25000000 characters; 1 to 25 allowed');
  });

  it('refuses missing mandatory objects and a convenience fee without its indicator', () => {
    expect(refusal({}, ['60'])).toEqual(['60', 'Merchant City is mandatory']);
    expect(refusal({}, ['52'])).toEqual(['52', 'Merchant Category Code is mandatory']);
    // The table marks Merchant Account Information (02–51) M: at least one of them.
    expect(refusal({}, ['26'])).toEqual(['02–51', 'at least one Merchant Account Information (02–51) is mandatory']);
    expect(() => encodeMpm({ ...Object.fromEntries(Object.entries(base).filter(([id]) => id !== '26')), '02': '4000123456789012' })).not.toThrow();
    expect(refusal({ 55: '02' })).toEqual(['56', 'Value of Convenience Fee Fixed is mandatory when 55 is "02"']);
    expect(refusal({ 56: '1.00' })).toEqual(['56', 'Value of Convenience Fee Fixed is present only when 55 is "02"']);
    expect(() => encodeMpm({ ...base, 55: '02', 56: '1.00' })).not.toThrow();
  });

  it('refuses values of the wrong JSON type instead of encoding them as empty or crashing', () => {
    expect(refusal({ 54: 12.5 })).toEqual(['54', 'Transaction Amount: the value must be a string']);
    expect(refusal({ 62: null })).toEqual(['62', 'Additional Data Field Template is a template: give its data objects as an object']);
    expect(refusal({ 62: '0503ABC' })[1]).toMatch(/is a template/);
    expect(refusal({ 59: { '00': 'X' } })).toEqual(['59', 'Merchant Name: the value must be a string']);
    expect(() => encodeMpm(null as unknown as MpmObject)).toThrow(EncodeError);
  });
});

describe('pos qr encode', () => {
  it('prints one line naming the data object and exits 2; its own example encodes', async () => {
    const bad = capture();
    expect(await main(['qr', 'encode', JSON.stringify({ ...base, 52: '54111' })], bad)).toBe(2);
    expect(bad.stderr).toEqual([expect.stringMatching(/EMVCo QR 52: Merchant Category Code: 5 characters; exactly 4 allowed/)]);
    for (const json of ['null', '[1,2]', '{"62":null}']) {
      const io = capture();
      expect(await main(['qr', 'encode', json], io), json).toBe(2);
    }
    const help = capture();
    await main(['qr', '--help'], help);
    const example = /pos qr encode '(.*)'/.exec(help.stdout.join('\n'))![1]!;
    const io = capture();
    expect(await main(['qr', 'encode', example], io)).toBe(0);
    expect(decodeMpm(io.stdout.join('')).crc.valid).toBe(true);
  });
});
