/**
 * What a slip says about the outcome: a reversed sale must not read as approved, and a decline or
 * reversal says why in the checkout page's words (terminal/checkout/public/i18n.js) in either language.
 */
import { describe, expect, it } from 'vitest';
import { receipt, type ReceiptData } from '../../terminal/receipt.js';

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
