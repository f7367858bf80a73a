/**
 * Which scheme a scanned customer payment code belongs to. The rules are data, because wallets
 * change their code formats: the defaults below can be replaced from a JSON file
 * (docs/qr.md) without touching code.
 */
import { isCpm } from './cpm.js';

export interface PaymentCodeRule {
  /** What the switch routes on: UNIONPAY, WECHAT, ALIPAY, … */
  scheme: string;
  /** A regular expression the whole code must match. */
  pattern: string;
  /** Where the rule comes from, shown to integrators. */
  source?: string;
}

/** EMVCo consumer-presented payloads are recognised by structure, before any rule. */
export const emvcoCpmScheme = 'EMVCPM';

export const defaultPaymentCodeRules: readonly PaymentCodeRule[] = [
  { scheme: 'WECHAT', pattern: '^1[0-5]\\d{16}$', source: 'WeChat Pay auth_code: 18 digits starting 10–15 (pay.weixin.qq.com, POS parameters)' },
  { scheme: 'ALIPAY', pattern: '^(2[5-9]|30)\\d{14,22}$', source: 'Alipay auth_code: 16–24 digits starting 25–30 (alipay.trade.pay, as quoted by integrators)' },
  { scheme: 'UNIONPAY', pattern: '^62\\d{17}$', source: 'UnionPay QR payment code: 19 digits starting 62 (secondary source; configurable)' },
];

export type Classification =
  | { scheme: string; rule: string }
  | { scheme: undefined; reason: string };

export interface PaymentCodeClassifier {
  classify(code: string): Classification;
  readonly rules: readonly PaymentCodeRule[];
}

/** Builds a classifier; rule patterns are compiled once and a bad pattern is refused here, not at the checkout. */
export function paymentCodeClassifier(rules: readonly PaymentCodeRule[] = defaultPaymentCodeRules): PaymentCodeClassifier {
  const compiled = rules.map((rule, index) => {
    if (typeof rule.scheme !== 'string' || !rule.scheme) throw new Error(`payment code rule ${index}: scheme must be a non-empty string`);
    try {
      return { rule, regex: new RegExp(rule.pattern) };
    } catch {
      throw new Error(`payment code rule ${index} (${rule.scheme}): pattern is not a valid regular expression`);
    }
  });
  return {
    rules,
    classify(code) {
      const text = code.trim();
      if (!text) return { scheme: undefined, reason: 'empty code' };
      if (text.length <= 512 && isCpm(text)) return { scheme: emvcoCpmScheme, rule: 'base64 BER-TLV starting with 85 "CPV01"' };
      for (const { rule, regex } of compiled) if (regex.test(text)) return { scheme: rule.scheme, rule: rule.pattern };
      const shape = /^\d+$/.test(text) ? `${text.length} digits starting ${text.slice(0, 2)}` : `${text.length} characters, not all digits`;
      return { scheme: undefined, reason: `matches no payment code rule (${shape})` };
    },
  };
}

/** Parses rules from JSON text: an array of { scheme, pattern, source? }. */
export function parsePaymentCodeRules(json: string): PaymentCodeRule[] {
  let rules: unknown;
  try {
    rules = JSON.parse(json);
  } catch (error) {
    throw new Error(`payment code rules: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(rules)) throw new Error('payment code rules: must be an array of { scheme, pattern }');
  rules.forEach((rule, index) => {
    if (typeof rule?.scheme !== 'string' || typeof rule?.pattern !== 'string') throw new Error(`payment code rule ${index}: needs string scheme and pattern`);
  });
  paymentCodeClassifier(rules as PaymentCodeRule[]);
  return rules as PaymentCodeRule[];
}
