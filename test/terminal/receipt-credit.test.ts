/**
 * Slips as a Chinese (UnionPay) POS prints them: a refund or void is a credit with its original's
 * reference (原凭证号, 原参考号, 原授权码, 原交易日期); the merchant copy of a transaction not
 * verified by online PIN has the cardholder's signature line and agreement; the settlement slip ends
 * with the grand total over every tender and its net.
 */
import { describe, expect, it } from 'vitest';
import { batchSlip, displayWidth, receipt, type ReceiptData } from '../../terminal/receipt.js';

const sale: ReceiptData = {
  merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', kind: 'sale', state: 'approved', amount: 4_999_999, currency: '156', stan: '000031', batch: 1,
  entryMode: '021', maskedPan: '621234******0010', scheme: 'unionpay', authCode: '366056', rrn: '633200000031', responseCode: '00', reason: 'approved',
  reasonCode: 'approved', at: new Date('2026-11-28T00:31:00Z'),
};
const refund: ReceiptData = {
  ...sale, kind: 'refund', amount: 2456, stan: '000040', authCode: '366070', rrn: '633200000040', at: new Date('2026-11-28T00:40:00Z'),
  original: { stan: '000031', rrn: '633200000031', authCode: '366056', createdAt: '2026-11-27T23:59:00.000Z' },
};
const fits = (text: string) => {
  for (const row of text.split('\n')) {
    expect(displayWidth(row), row).toBeLessThanOrEqual(32);
    expect(row, JSON.stringify(row)).toBe(row.trimEnd());
  }
};

describe('a refund’s and a void’s slip', () => {
  it('prints the amount as a credit and the original’s trace, RRN, auth code and date, in both languages', () => {
    const en = receipt(refund, 'customer').split('\n');
    expect(en).toContain('AMOUNT                CNY -24.56'); // before: CNY 24.56, as a sale's
    expect(en).toContain('ORIG TRACE                000031');
    expect(en).toContain('ORIG RRN            633200000031');
    expect(en).toContain('ORIG AUTH CODE            366056');
    expect(en).toContain('ORIG DATE             2026-11-27');
    const zh = receipt(refund, 'customer', { language: 'zh-CN' }).split('\n');
    expect(zh[5]).toMatch(/^退货 +交易成功$/);
    expect(zh).toContain('金额                  CNY -24.56');
    expect(zh).toContain('原凭证号                  000031');
    expect(zh).toContain('原参考号            633200000031');
    expect(zh).toContain('原交易日期            2026-11-27');
    expect(receipt({ ...refund, kind: 'void', amount: 4_999_999 }, 'merchant').split('\n')).toContain('AMOUNT            CNY -49,999.99');
    for (const language of ['en', 'zh-CN'] as const) for (const copy of ['merchant', 'customer'] as const) fits(receipt(refund, copy, { language }));
  });

  it('a sale stays a debit and names no original', () => {
    const text = receipt(sale, 'customer');
    expect(text).toContain('\nAMOUNT             CNY 49,999.99\n');
    expect(text).not.toContain('ORIG');
  });
});

describe('the cardholder’s signature', () => {
  const signed = (data: ReceiptData, copy: 'merchant' | 'customer', language: 'en' | 'zh-CN' = 'en') =>
    receipt(data, copy, { language }).includes(language === 'en' ? 'CARDHOLDER SIGNATURE' : '持卡人签名');

  it('the merchant copy of a swipe or a refund without a PIN has the signature line and the agreement; the customer copy has not', () => {
    for (const data of [sale, refund, { ...sale, entryMode: '071' }]) {
      expect(signed(data, 'merchant')).toBe(true); // before: no signature line at all
      expect(signed(data, 'merchant', 'zh-CN')).toBe(true);
      expect(signed(data, 'customer')).toBe(false);
      expect(signed(data, 'customer', 'zh-CN')).toBe(false);
    }
    const zh = receipt(sale, 'merchant', { language: 'zh-CN' });
    expect(zh.replace(/\n/g, '')).toContain('本人确认以上交易，同意将其记入本卡账户');
    expect(receipt(sale, 'merchant')).toMatch(/\nCARDHOLDER SIGNATURE\n\n\n_{32}\nI CONFIRM THE TRANSACTION ABOVE\n/);
    fits(zh);
    fits(receipt(sale, 'merchant'));
  });

  it('none after an online PIN, a decline, a reversal, a scanned code or a balance inquiry', () => {
    expect(receipt({ ...sale, entryMode: '071', pinVerified: true }, 'merchant')).toContain('PIN VERIFIED ONLINE');
    for (const data of [
      { ...sale, entryMode: '071', pinVerified: true },
      { ...sale, state: 'declined', responseCode: '51' },
      { ...sale, state: 'reversed', reasonCode: 'no-answer' },
      { ...sale, entryMode: '031', maskedPan: undefined },
      { ...sale, kind: 'balance', amount: 0 },
    ])
      for (const language of ['en', 'zh-CN'] as const) expect(signed(data, 'merchant', language), JSON.stringify(data)).toBe(false);
  });
});

describe('the settlement slip', () => {
  const one = (salesCount: number, salesAmount: number, refundsCount = 0, refundsAmount = 0) => ({ salesCount, salesAmount, refundsCount, refundsAmount });
  const data = { merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', batch: 1, currency: '156', at: sale.at, inBalance: true, uploaded: 0 };

  it('ends with the grand total over every tender and the net (sales less refunds), in both languages', () => {
    const totals = { card: one(7, 49_301, 2, 3_456), magstripe: one(2, 5_004_566), code: one(3, 20_357, 1, 550) };
    const en = batchSlip({ ...data, totals });
    expect(en).toMatch(/\nTOTAL\nSALES 12 +CNY 50,742\.24\nREFUNDS 3 +CNY 40\.06\nNET +CNY 50,702\.18\n={32}$/); // before: no total
    const zh = batchSlip({ ...data, totals }, { language: 'zh-CN' });
    expect(zh).toMatch(/\n合计\n消费笔数 12 +CNY 50,742\.24\n退货笔数 3 +CNY 40\.06\n净额 +CNY 50,702\.18\n={32}$/);
    for (const text of [en, zh]) fits(text);
  });

  it('a net below zero prints as one', () => {
    expect(batchSlip({ ...data, totals: { card: one(1, 100, 2, 3_456) } })).toContain('\nNET                   CNY -33.56\n');
  });
});
