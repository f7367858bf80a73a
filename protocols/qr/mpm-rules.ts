/**
 * What a merchant-presented payload may hold: EMV QRCPS Merchant-Presented Mode v1.1, the data
 * object tables (root, Merchant Account Information templates 26–51, Additional Data Field
 * Template 62, Merchant Information—Language Template 64, Unreserved Templates 80–99). Formats:
 * N digits; ans the common character set (printable ASCII, 0x20–0x7E); S any Unicode character.
 * Lengths count characters. IDs the tables mark RFU are let through with only the 99-character
 * limit, so a payload for a later version of the specification can still be built.
 */
import { EncodeError } from '../errors.js';
import { isObject } from '../is-object.js';

type Format = 'N' | 'ans' | 'S';

interface Rule {
  name: string;
  format: Format;
  /** A fixed length, or [min, max]. */
  length: number | readonly [number, number];
  /** Allowed values, when the table lists them. */
  values?: readonly string[];
  /** A further check; returns what is wrong. */
  check?: (value: string) => string | undefined;
  /** A template: its data objects' rules, and the sub-IDs it must hold. */
  template?: { rules: (id: number) => Rule | undefined; mandatory: readonly string[] };
}

const what = 'EMVCo QR';
const upTo = (max: number) => [1, max] as const;

/** Transaction Amount and convenience fee: digits with at most one "." as the decimal mark ("12,5" is not one). */
const amount = (value: string) => (/^(?=.*\d)\d*\.?\d*$/.test(value) ? undefined : 'digits with at most one "." as the decimal mark');
const nonZeroAmount = (value: string) => amount(value) ?? (Number(value) === 0 ? 'must not be zero' : undefined);
/** 57: "between 00.01 and 99.99" (MPM v1.1 root table), so at most two decimals: 0.001 is not 00.01. */
const percentage = (value: string) =>
  amount(value) ?? (/^\d*\.?\d{0,2}$/.test(value) && Number(value) > 0 && Number(value) < 100 ? undefined : 'between 00.01 and 99.99, at most 2 decimals');

const guid: Rule = { name: 'Globally Unique Identifier', format: 'ans', length: upTo(32) };
const anything: Rule = { name: 'RFU', format: 'S', length: upTo(99) };

/** MPM v1.1, Merchant Account Information template (IDs 26–51): 00 GUI ans ..32, 01–99 payment network specific S ..99. */
const merchantAccount: Rule['template'] = {
  mandatory: ['00'],
  rules: (id) => (id === 0 ? guid : { name: 'Payment network specific', format: 'S', length: upTo(99) }),
};

const additionalData: Record<number, Rule> = {
  1: { name: 'Bill Number', format: 'ans', length: upTo(25) },
  2: { name: 'Mobile Number', format: 'ans', length: upTo(25) },
  3: { name: 'Store Label', format: 'ans', length: upTo(25) },
  4: { name: 'Loyalty Number', format: 'ans', length: upTo(25) },
  5: { name: 'Reference Label', format: 'ans', length: upTo(25) },
  6: { name: 'Customer Label', format: 'ans', length: upTo(25) },
  7: { name: 'Terminal Label', format: 'ans', length: upTo(25) },
  8: { name: 'Purpose of Transaction', format: 'ans', length: upTo(25) },
  9: {
    name: 'Additional Consumer Data Request',
    format: 'ans',
    length: upTo(3),
    check: (value) => (/^(?!.*(.).*\1)[AME]+$/.test(value) ? undefined : '"A", "M" and "E", each at most once'),
  },
  10: { name: 'Merchant Tax ID', format: 'ans', length: upTo(20) },
  11: { name: 'Merchant Channel', format: 'ans', length: 3 },
};

const language: Record<number, Rule> = {
  0: { name: 'Language Preference', format: 'ans', length: 2, check: (value) => (/^[A-Za-z]{2}$/.test(value) ? undefined : 'an ISO 639 two-letter code') },
  1: { name: 'Merchant Name—Alternate Language', format: 'S', length: upTo(25) },
  2: { name: 'Merchant City—Alternate Language', format: 'S', length: upTo(15) },
};

const root: Record<number, Rule> = {
  0: { name: 'Payload Format Indicator', format: 'N', length: 2, values: ['01'] },
  1: { name: 'Point of Initiation Method', format: 'N', length: 2, values: ['11', '12'] },
  52: { name: 'Merchant Category Code', format: 'N', length: 4 },
  53: { name: 'Transaction Currency', format: 'N', length: 3 },
  54: { name: 'Transaction Amount', format: 'ans', length: upTo(13), check: nonZeroAmount },
  55: { name: 'Tip or Convenience Indicator', format: 'N', length: 2, values: ['01', '02', '03'] },
  56: { name: 'Value of Convenience Fee Fixed', format: 'ans', length: upTo(13), check: amount },
  57: { name: 'Value of Convenience Fee Percentage', format: 'ans', length: upTo(5), check: percentage },
  58: { name: 'Country Code', format: 'ans', length: 2, check: (value) => (/^[A-Z]{2}$/.test(value) ? undefined : 'an ISO 3166-1 alpha-2 code (two capital letters)') },
  59: { name: 'Merchant Name', format: 'ans', length: upTo(25) },
  60: { name: 'Merchant City', format: 'ans', length: upTo(15) },
  61: { name: 'Postal Code', format: 'ans', length: upTo(10) },
  62: {
    name: 'Additional Data Field Template',
    format: 'S',
    length: upTo(99),
    template: { mandatory: [], rules: (id) => additionalData[id] ?? (id >= 50 ? { name: 'Payment System specific', format: 'S', length: upTo(99) } : undefined) },
  },
  64: { name: 'Merchant Information—Language Template', format: 'S', length: upTo(99), template: { mandatory: ['00', '01'], rules: (id) => language[id] } },
};

function rootRule(id: number): Rule | undefined {
  if (id >= 2 && id <= 25) return { name: 'Merchant Account Information', format: 'ans', length: upTo(99) };
  if (id >= 26 && id <= 51) return { name: 'Merchant Account Information', format: 'ans', length: upTo(99), template: merchantAccount };
  if (id >= 80 && id <= 99)
    return { name: 'Unreserved Template', format: 'S', length: upTo(99), template: { mandatory: ['00'], rules: (sub) => (sub === 0 ? guid : { name: 'Context specific data', format: 'S', length: upTo(99) }) } };
  return root[id];
}

/** The IDs the root table marks M (00 is added by the encoder; 63 is the CRC it computes). */
const mandatory = ['52', '53', '58', '59', '60'];

const ans = /^[\x20-\x7E]*$/;

function checkValue(rule: Rule, value: string, path: string): void {
  const fail = (reason: string) => new EncodeError(what, path, `${rule.name}: ${reason}`);
  const [min, max] = typeof rule.length === 'number' ? [rule.length, rule.length] : rule.length;
  // A character is 1 or 2 UTF-16 units: past 2 × max units the value is too long whatever it holds, and is refused without counting (Array.from of 50 million characters took seconds).
  if (value.length > 2 * max) throw fail(`at least ${Math.ceil(value.length / 2)} characters; ${min === max ? `exactly ${min}` : `${min} to ${max}`} allowed`);
  const length = Array.from(value).length;
  if (length < min || length > max) throw fail(`${length} characters; ${min === max ? `exactly ${min}` : `${min} to ${max}`} allowed`);
  if (rule.format === 'N' && !/^\d*$/.test(value)) throw fail('format N: digits only');
  if (rule.format === 'ans' && !ans.test(value)) throw fail('format ans: printable ASCII characters only (0x20–0x7E)');
  if (rule.values && !rule.values.includes(value)) throw fail(`must be ${rule.values.map((v) => `"${v}"`).join(' or ')}`);
  const problem = rule.check?.(value);
  if (problem) throw fail(problem);
}

function checkObjects(objects: Record<string, unknown>, rules: (id: number) => Rule | undefined, required: readonly string[], prefix: string): void {
  for (const id of Object.keys(objects)) {
    const path = prefix ? `${prefix}.${id}` : id;
    if (!/^\d\d$/.test(id)) throw new EncodeError(what, path, 'IDs are two digits');
    if (!prefix && id === '63') continue; // the CRC: always computed
    const value = objects[id];
    const rule = rules(Number(id)) ?? anything;
    if (rule.template && !prefix) {
      if (!isObject(value)) throw new EncodeError(what, path, `${rule.name} is a template: give its data objects as an object`);
      // MPM v1.1 §4.1: a length is "01" to "99", so a template holds at least one data object.
      if (Object.keys(value).length === 0) throw new EncodeError(what, path, `${rule.name}: no data objects; a length is 01 to 99`);
      checkObjects(value, rule.template.rules, rule.template.mandatory, path);
    } else {
      if (typeof value !== 'string') throw new EncodeError(what, path, `${rule.name}: the value must be a string`);
      checkValue(rule, value, path);
    }
  }
  for (const id of required) if (!(id in objects)) throw new EncodeError(what, prefix ? `${prefix}.${id}` : id, `${(rules(Number(id)) ?? anything).name} is mandatory`);
}

/**
 * Checks data objects against the tables before they are encoded: each value's format (N, ans,
 * S) and length, the values the tables list, the mandatory objects (52, 53, 58, 59, 60, and
 * at least one Merchant Account Information 02–51, inside templates their GUI 00 or language 00/01),
 * and the convenience fee that goes with indicator 55. Throws EncodeError naming the data object.
 */
export function checkMpmObjects(objects: unknown): void {
  if (!isObject(objects)) throw new EncodeError(what, '', 'data objects must be a JSON object of ID → value');
  checkObjects(objects, rootRule, mandatory, '');
  // The table marks Merchant Account Information M: a payload naming no account a wallet could pay into is refused by every wallet.
  if (!Object.keys(objects).some((id) => /^\d\d$/.test(id) && Number(id) >= 2 && Number(id) <= 51)) {
    throw new EncodeError(what, '02–51', 'at least one Merchant Account Information (02–51) is mandatory');
  }
  const indicator = objects['55'];
  for (const [id, needs] of [['56', '02'], ['57', '03']] as const) {
    if (indicator === needs && !(id in objects)) throw new EncodeError(what, id, `${root[Number(id)]!.name} is mandatory when 55 is "${needs}"`);
    if (id in objects && indicator !== needs) throw new EncodeError(what, id, `${root[Number(id)]!.name} is present only when 55 is "${needs}"`);
  }
}
