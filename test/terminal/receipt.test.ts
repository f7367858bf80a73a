/**
 * Receipts on a 32-column thermal printer: a CJK (East Asian Wide or Fullwidth) character takes two
 * columns (Unicode Standard Annex #11, EastAsianWidth.txt), so every line is measured in columns.
 */
import { describe, expect, it } from 'vitest';
import { batchSlip, displayWidth, receipt, wrap, type ReceiptData } from '../../terminal/receipt.js';

const slip: ReceiptData = {
  merchantName: '演示咖啡（上海）有限公司南京西路旗舰店 Demo Coffee',
  merchantId: 'DEMO00000000001',
  terminalId: 'DEMO0001',
  kind: 'sale',
  state: 'declined',
  amount: 1234,
  currency: '156',
  stan: '000042',
  batch: 1,
  entryMode: '901',
  maskedPan: '621234******0010',
  scheme: 'unionpay',
  label: 'UnionPay Debit',
  responseCode: '51',
  reason: 'insufficient funds 余额不足，请换卡或减少金额后重试',
  at: new Date('2026-11-27T10:00:00Z'),
};

describe('receipt columns', () => {
  it('counts wide and fullwidth characters as two columns, combining marks as none', () => {
    expect(displayWidth('abc 12')).toBe(6);
    expect(displayWidth('演示咖啡')).toBe(8); // CJK unified ideographs
    expect(displayWidth('，。「」')).toBe(8); // fullwidth comma, CJK punctuation
    expect(displayWidth('ＡＢ１￥')).toBe(8); // fullwidth forms and signs
    expect(displayWidth('한국어')).toBe(6); // Hangul syllables
    expect(displayWidth('カナ')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1); // e + combining acute
    expect(displayWidth('𠀋')).toBe(2); // CJK extension B (astral)
  });

  it('wraps CJK text by columns, splitting between characters', () => {
    const lines = wrap('演示咖啡'.repeat(5));
    expect(lines).toEqual(['演示咖啡'.repeat(4), '演示咖啡']);
    for (const text of wrap('ab 演示咖啡演示咖啡演示咖啡演示咖啡演示')) expect(displayWidth(text)).toBeLessThanOrEqual(32);
  });

  it('a zh-CN receipt keeps every line within 32 columns, right column flush right', () => {
    for (const copy of ['merchant', 'customer'] as const) {
      for (const reprint of [false, true]) {
        const text = receipt(slip, copy, { language: 'zh-CN', reprint });
        for (const row of text.split('\n')) expect(displayWidth(row), row).toBeLessThanOrEqual(32);
        expect(text).toContain('终端编号 DEMO0001');
        expect(text).toContain('余额不足');
        const amount = text.split('\n').find((row) => row.startsWith('金额'))!;
        expect(displayWidth(amount)).toBe(32);
        expect(amount.endsWith('CNY 12.34')).toBe(true);
        expect(text.includes('重打印凭证')).toBe(reprint);
      }
    }
  });

  it('the English receipt is unchanged in shape: 32 columns, the merchant name on top', () => {
    const text = receipt({ ...slip, state: 'approved', pinVerified: true }, 'customer');
    const rows = text.split('\n');
    expect(rows[1]).toBe('演示咖啡（上海）有限公司南京西路');
    for (const row of rows) expect(displayWidth(row)).toBeLessThanOrEqual(32);
    expect(rows).toContain('PIN VERIFIED ONLINE');
    expect(rows).toContain('*** CUSTOMER COPY ***');
    expect(rows.find((row) => row.startsWith('TERMINAL'))).toBe('TERMINAL DEMO0001   BATCH 000001');
  });

  it('the zh-CN date and trace share one line of exactly 32 columns, a space between them', () => {
    const rows = receipt(slip, 'merchant', { language: 'zh-CN' }).split('\n');
    // Before: 19 + 1 + 13 columns did not fit, so 凭证号 always took a line of its own.
    expect(rows).toContain('2026-11-27 10:00:00 凭证号000042');
    expect(displayWidth('2026-11-27 10:00:00 凭证号000042')).toBe(32);
    expect(rows.find((row) => row.startsWith('TERMINAL') || row.startsWith('终端编号'))).toBe('终端编号 DEMO0001   批次号000001');
    expect(receipt(slip, 'merchant').split('\n')).toContain('2026-11-27 10:00:00 TRACE 000042');
  });

  it('no line keeps trailing spaces (a line with nothing on the right is not padded)', () => {
    const totals = { salesCount: 1, salesAmount: 100, refundsCount: 0, refundsAmount: 0 };
    for (const language of ['en', 'zh-CN'] as const) {
      const batch = batchSlip({ merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', batch: 7, currency: '156', at: slip.at, inBalance: true, uploaded: 0, totals: { card: totals } }, { language });
      for (const text of [receipt(slip, 'merchant', { language }), receipt({ ...slip, merchantName: undefined }, 'customer', { language }), batch])
        for (const row of text.split('\n')) expect(row, JSON.stringify(row)).toBe(row.trimEnd());
    }
  });

  it('a receipt and the settlement slip open with the same header', () => {
    const batch = batchSlip({ merchantName: slip.merchantName, merchantId: slip.merchantId, terminalId: slip.terminalId, batch: 1, currency: '156', at: slip.at, inBalance: true, uploaded: 0, totals: {} });
    const head = receipt(slip, 'merchant').split('\n').slice(0, 6); // =, the name on two lines, merchant, terminal, date
    expect(batch.split('\n').slice(0, 6)).toEqual([...head.slice(0, 5), '2026-11-27 10:00:00']);
    expect(head[5]).toBe('2026-11-27 10:00:00 TRACE 000042');
  });

  it('emoji skin tones, ZWJ and variation selectors take no column and stay with their base when wrapping', () => {
    expect(displayWidth('👍🏽')).toBe(2); // U+1F44D + U+1F3FD
    expect(displayWidth('👍\u{1F3FB}\u{1F3FF}')).toBe(2);
    expect(displayWidth('\u200D\uFE0F')).toBe(0);
    const lines = wrap(`${'a'.repeat(31)}👍🏽x`);
    expect(lines).toEqual(['a'.repeat(31), '👍🏽x']); // before: the modifier counted 2 and was split from its thumb
    const family = '👨\u200D👩\u200D👧';
    for (const cut of wrap(`${'演'.repeat(15)}${family}`)) expect(cut.includes('\u200D') ? cut.endsWith(family) : true).toBe(true);
    expect(wrap(`${'a'.repeat(31)}e\u0301`)).toEqual([`${'a'.repeat(31)}e\u0301`]);
  });

  it('a zh-CN settlement slip fits 32 columns too', () => {
    const totals = { salesCount: 12, salesAmount: 9_999_999_99, refundsCount: 1, refundsAmount: 300 };
    const text = batchSlip(
      { merchantName: slip.merchantName, merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', batch: 7, currency: '156', at: new Date(), inBalance: false, uploaded: 13, totals: { card: totals, magstripe: totals, code: totals } },
      { language: 'zh-CN' },
    );
    for (const row of text.split('\n')) expect(displayWidth(row), row).toBeLessThanOrEqual(32);
    expect(text).toContain('\n付款码\n');
    expect(text).toContain('对账不平');
  });
});

describe('balance inquiry receipts', () => {
  // DE54 as the switch answers it (docs/switch.md): available 1,000,000.00 CNY; here with a ledger balance and a USD debit too.
  const inquiry: ReceiptData = {
    ...slip, kind: 'balance', state: 'approved', amount: 0, responseCode: '00', reason: 'approved', entryMode: '021',
    balance: '0002156C0001000000000001156C000099999999' + '0002840D000000000250',
  };

  it('the customer copy prints the available and ledger balances with their currency, in both languages, within 32 columns', () => {
    const en = receipt(inquiry, 'customer');
    expect(en).toContain('\nAVAIL BALANCE   CNY 1,000,000.00\n'); // 'AVAILABLE BALANCE' would not fit beside it
    expect(en).toContain('\nAVAIL BALANCE          USD -2.50\n');
    expect(en).toContain('\nLEDGER BALANCE    CNY 999,999.99\n');
    expect(en.indexOf('AVAIL BALANCE   CNY')).toBeLessThan(en.indexOf('LEDGER BALANCE'));
    const zh = receipt(inquiry, 'customer', { language: 'zh-CN' });
    expect(zh).toContain('\n可用余额        CNY 1,000,000.00\n');
    expect(zh).toContain('\n账面余额          CNY 999,999.99\n');
    for (const text of [en, zh]) for (const row of text.split('\n')) expect(displayWidth(row)).toBeLessThanOrEqual(32);
  });

  it('a balance too wide for one line wraps by columns instead of overflowing', () => {
    const en = receipt({ ...inquiry, balance: '0002156C999999999999' }, 'customer');
    expect(en).toContain(`\nAVAIL BALANCE\n${' '.repeat(12)}CNY 9,999,999,999.99\n`);
    expect(receipt({ ...inquiry, balance: '0002156C999999999999' }, 'customer', { language: 'zh-CN' })).toContain('\n可用余额    CNY 9,999,999,999.99\n');
  });

  it('no balance on the merchant copy, nor on a declined inquiry, nor from a DE54 in another layout', () => {
    expect(receipt(inquiry, 'merchant')).not.toMatch(/AVAIL|LEDGER/);
    expect(receipt(inquiry, 'merchant', { language: 'zh-CN' })).not.toMatch(/可用余额|账面余额/);
    expect(receipt({ ...inquiry, state: 'declined', responseCode: '51' }, 'customer')).not.toMatch(/AVAIL|LEDGER/);
    expect(receipt({ ...inquiry, balance: 'garbage' }, 'customer')).not.toMatch(/AVAIL|LEDGER/);
  });
});
