/**
 * What a slip says about the outcome: a reversed sale must not read as approved, and a decline or
 * reversal says why in the checkout page's words (terminal/checkout/public/i18n.js) in either language.
 */
import { describe, expect, it } from 'vitest';
import { batchSlip, displayWidth, receipt, type ReceiptData } from '../../terminal/receipt.js';
import { messages } from '../../terminal/checkout/public/i18n.js';

const approved: ReceiptData = {
  merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', kind: 'sale', state: 'approved', amount: 3097, currency: '156', stan: '000029', batch: 1,
  entryMode: '071', maskedPan: '476173******0010', scheme: 'visa', authCode: '366056', rrn: '633200000029', responseCode: '00', reason: 'approved',
  reasonCode: 'approved', at: new Date('2026-11-28T00:30:25Z'),
};
const copies = (data: ReceiptData) =>
  (['en', 'zh-CN'] as const).flatMap((language) => (['merchant', 'customer'] as const).map((copy) => receipt(data, copy, { language })));

describe('a reversed transaction’s slip', () => {
  // The host approved (00, auth code 366056), then the card rejected the ARPC and the terminal reversed it.
  const reversed: ReceiptData = { ...approved, state: 'reversed', reasonCode: 'arpc-failed', reason: 'the card rejected the issuer authentication (6300)' };

  it('prints no auth code and no response 00: nothing on it reads as approved; the RRN stays', () => {
    for (const text of copies(reversed)) {
      expect(text).not.toContain('366056'); // before: AUTH CODE 366056
      expect(text).not.toMatch(/(RESPONSE|应答码) +00/); // before: RESPONSE 00
      expect(text).toContain('633200000029');
    }
  });

  it('an approval still prints both, a decline its response code', () => {
    for (const text of copies(approved)) {
      expect(text).toContain('366056');
      expect(text).toMatch(/(RESPONSE|应答码) +00\n/);
    }
    for (const text of copies({ ...approved, state: 'declined', authCode: undefined, responseCode: '51', reasonCode: 'insufficient-funds', reason: 'insufficient funds' }))
      expect(text).toMatch(/(RESPONSE|应答码) +51\n/);
  });
});

describe('why it was not approved, on the English slip', () => {
  const en = (messages as Record<'en' | 'zh-CN', Record<string, string>>).en;
  const oneLine = (data: ReceiptData) => receipt(data, 'customer').replace(/\n/g, ' ');

  it('a reversal says the page’s English words for its reason code, not the terminal’s diagnostics', () => {
    const cases = [
      { reasonCode: 'no-answer', reason: 'no answer from the host: no answer to 0200 STAN 000029 within 30000 ms', responseCode: undefined },
      { reasonCode: 'arpc-failed', reason: 'the card rejected the issuer authentication (6300)', responseCode: '00' },
    ];
    for (const why of cases) {
      const text = oneLine({ ...approved, state: 'reversed', ...why });
      expect(text, why.reasonCode).toContain(en[`reason.${why.reasonCode}`]!.toUpperCase()); // NO ANSWER FROM THE HOST, THE CARD REJECTED THE ISSUER’S ANSWER
      expect(text).not.toMatch(/STAN 000029|30000 MS|6300/); // before: the sentence upper-cased
    }
  });

  it('a decline says the page’s words for its response code; an unknown code names it; the sentence only when nothing else is known', () => {
    expect(oneLine({ ...approved, state: 'declined', responseCode: '05', reasonCode: 'do-not-honor', reason: 'declined by the issuer (do not honor)' })).toContain('DO NOT HONOUR');
    expect(oneLine({ ...approved, state: 'declined', responseCode: 'N7', reasonCode: 'response-N7', reason: 'declined (response code N7)' })).toContain('DECLINED (RESPONSE CODE N7)');
    expect(oneLine({ ...approved, state: 'reversed', responseCode: undefined, reasonCode: 'something-new', reason: 'something new happened' })).toContain('SOMETHING NEW HAPPENED');
  });
});

describe('amounts', () => {
  it('group thousands with commas; the largest DE4 amount still fits 32 columns beside AMOUNT / 金额', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      const rows = receipt({ ...approved, amount: 5_004_566 }, 'customer', { language }).split('\n');
      expect(rows).toContainEqual(expect.stringMatching(/^(AMOUNT|金额) +CNY 50,045\.66$/)); // before: CNY 50045.66
      const largest = receipt({ ...approved, amount: 999_999_999_999 }, 'merchant', { language }).split('\n');
      const amount = largest.find((row) => / CNY 9,999,999,999\.99$/.test(row));
      expect(amount && displayWidth(amount)).toBe(32);
      expect(receipt({ ...approved, amount: 99_999 }, 'customer', { language })).toMatch(/ CNY 999\.99\n/);
    }
  });

  it('the settlement slip groups its totals too, within 32 columns', () => {
    const totals = { salesCount: 9999, salesAmount: 999_999_999_999, refundsCount: 2, refundsAmount: 5_004_566 };
    for (const language of ['en', 'zh-CN'] as const) {
      const text = batchSlip({ merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', batch: 1, currency: '156', at: approved.at, inBalance: true, uploaded: 0, totals: { magstripe: totals } }, { language });
      expect(text).toContain('CNY 9,999,999,999.99');
      expect(text).toContain('CNY 50,045.66');
      for (const row of text.split('\n')) expect(displayWidth(row), row).toBeLessThanOrEqual(32);
    }
  });
});
