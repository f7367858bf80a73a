// A Chinese slip says why a transaction was not approved in Chinese: the host's response code in the
// words the checkout page shows (its `rc.*`), else the terminal's reason (a reversal after no answer,
// a rejected ARPC). Before: the terminal's English sentence, upper-cased, on the zh-CN slip.
import { describe, expect, it } from 'vitest';
import { displayWidth, receipt, type ReceiptData } from '../../terminal/receipt.js';
import { describeResponse, namedResponseCodes } from '../../terminal/responses.js';
import { messages } from '../../terminal/checkout/public/i18n.js';

const zh = (messages as Record<'en' | 'zh-CN', Record<string, string>>)['zh-CN'];

const base: ReceiptData = {
  merchantName: 'Demo Coffee 演示咖啡', merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', kind: 'sale', state: 'declined',
  amount: 2051, currency: '156', stan: '000042', batch: 1, entryMode: '071', maskedPan: '476173******0010', scheme: 'Visa',
  reason: '', at: new Date('2026-11-27T10:00:00Z'),
};
/** Every decline code terminal/responses.ts names. */
const codes = namedResponseCodes.filter((code) => code !== '00');

function slips(data: ReceiptData) {
  return (['merchant', 'customer'] as const).flatMap((copy) => [false, true].map((reprint) => receipt(data, copy, { language: 'zh-CN', reprint })));
}

describe('decline reasons on the zh-CN slip', () => {
  it('every response code prints the page’s Chinese words, within 32 columns; the English slip the page’s English', () => {
    for (const code of codes) {
      const { reason, reasonCode } = describeResponse(code);
      const data = { ...base, responseCode: code, reason, reasonCode };
      for (const text of slips(data)) {
        for (const row of text.split('\n')) expect(displayWidth(row), `${code}: ${row}`).toBeLessThanOrEqual(32);
        expect(text.replace(/\n/g, ''), code).toContain(zh[`rc.${code}`]);
        expect(text.replace(/\n/g, ' '), code).not.toContain(reason.toUpperCase()); // before: "INSUFFICIENT FUNDS"
      }
      // The English slip says the page's English words for the code (one source with the page), not responses.ts's sentence.
      expect(receipt(data, 'customer', { language: 'en' }).replace(/\n/g, ' '), code).toContain(messages.en[`rc.${code}`]!.toUpperCase());
    }
  });

  it('a code without words says it is declined and which code; a reversal says why in Chinese', () => {
    const unknown = describeResponse('N7');
    expect(receipt({ ...base, responseCode: 'N7', ...unknown }, 'customer', { language: 'zh-CN' })).toContain('交易拒绝（应答码N7）');
    const reversed = [
      { reasonCode: 'no-answer', reason: 'no answer from the host: timeout after 30000 ms' },
      { reasonCode: 'arpc-failed', reason: 'the card rejected the issuer authentication (6300)', responseCode: '00' },
      { reasonCode: 'card-removed', reason: 'the card was removed before the issuer’s answer reached it', responseCode: '00' },
      { reasonCode: 'bad-mac', reason: 'no usable answer from the host: the answer’s MAC is wrong' },
      { reasonCode: 'interrupted', reason: 'the terminal stopped before the outcome was known' },
    ];
    for (const why of reversed)
      for (const text of slips({ ...base, state: 'reversed', ...why })) {
        expect(text, why.reasonCode).toContain(zh[`reason.${why.reasonCode}`]);
        expect(text.replace(/\n/g, ' ')).not.toContain(why.reason.toUpperCase());
        for (const row of text.split('\n')) expect(displayWidth(row)).toBeLessThanOrEqual(32);
      }
  });

  it('the slip reads the page’s words, not a copy: every reason the page has words for prints them', () => {
    const reasons = Object.keys(zh).filter((key) => key.startsWith('reason.')).map((key) => key.slice('reason.'.length));
    expect(reasons.length).toBeGreaterThan(20);
    for (const reasonCode of reasons)
      for (const text of slips({ ...base, state: 'reversed', reasonCode, reason: 'the terminal’s english sentence' })) {
        expect(text.replace(/\n/g, ''), reasonCode).toContain(zh[`reason.${reasonCode}`]);
        for (const row of text.split('\n')) expect(displayWidth(row), `${reasonCode}: ${row}`).toBeLessThanOrEqual(32);
      }
  });
});
