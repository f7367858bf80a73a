// Every reason code the terminal can end a transaction with is in plain words in both of the page's
// languages (else a Chinese cashier reads the terminal's English log sentence).
import { describe, expect, it } from 'vitest';
import { testerCatalogue } from '../../cli/demo/tester.js';
import { messages } from '../../terminal/checkout/public/i18n.js';

const table = messages as Record<'en' | 'zh-CN', Record<string, string>>;
/** terminal/terminal.ts's outcomes and terminal/kernel/errors.ts's KernelReasonCode. */
const reasonCodes = [
  'host-unavailable', 'no-answer', 'bad-mac', 'request-unencodable', 'interrupted', 'arpc-failed', 'card-removed', 'cancelled',
  'presentment-timeout', 'pin-timeout', 'pin-cancelled', 'code-not-recognised', 'swipe-unreadable', 'original-not-found', 'amount-exceeds-refundable',
  'over-contactless-limit', 'no-application', 'card-status', 'card-data-malformed', 'card-data-missing', 'card-declined', 'reader-error',
  'void-unresolved', 'void-pending', 'advice-pending', 'terminal-stopped', 'reversal-refused',
];

describe('checkout page words', () => {
  it('has every reason code in English and Chinese, none claiming a reversal (the result title says whether it is done)', () => {
    for (const language of ['en', 'zh-CN'] as const)
      for (const code of reasonCodes) {
        expect(table[language][`reason.${code}`], `${language} reason.${code}`).toBeTruthy();
        expect(table[language][`reason.${code}`]).not.toMatch(/reversed|已冲正/);
      }
    expect(table['zh-CN']['result.reversing']).toBe('交易未完成，待冲正');
    // A void not answered yet is waited for, not reversed: its words promise no reversal.
    for (const language of ['en', 'zh-CN'] as const) expect(table[language]['reason.void-pending']).not.toMatch(/revers|冲正/);
    expect(table.en['reason.void-unresolved']).toMatch(/reversal pending/);
  });

  // A refused reversal leaves the transaction standing (terminal/forwarder.ts): its title is no plain "Approved", and its
  // line names the host's code and says what the cashier does, for each kind the page offers.
  it('words a refused reversal by kind in both languages, with the host’s code', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      expect(table[language]['result.reversal-refused.why']).toContain('{code}');
      for (const kind of ['', '.refund', '.void']) expect(table[language][`result.reversal-refused${kind}`]).not.toBe(table[language][`result.approved${kind}`]);
      for (const kind of ['sale', 'refund', 'void']) expect(table[language][`result.reversal-refused.detail.${kind}`], `${language} ${kind}`).toBeTruthy();
    }
    expect(table.en['result.reversal-refused.detail.sale']).toMatch(/customer is charged.*help desk/);
    expect(table['zh-CN']['result.reversal-refused.detail.sale']).toMatch(/顾客已被扣款.*客服/);
  });

  // The line under a card-step hint is the hint's own: the step's "tap, swipe or scan" would tell a chip card swiped to swipe.
  it('has a line for every card-step hint in both languages; a chip card is not told to swipe', () => {
    for (const language of ['en', 'zh-CN'] as const)
      for (const hint of ['tap-chip', 'swipe-unreadable', 'scan-unreadable', 'chip-failed'])
        expect(table[language][`hint.${hint}.detail`], `${language} hint.${hint}.detail`).toBeTruthy();
    expect(table.en['hint.tap-chip.detail']).not.toMatch(/swipe/i);
    expect(table['zh-CN']['hint.tap-chip.detail']).not.toMatch(/刷卡/);
  });

  // A failed batch close is said by reason code (terminal/checkout/terminal-adapter.ts batchFailure): before, the terminal's English sentence.
  it('words every batch close failure in both languages', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      expect(table[language]['batch.failed']).toContain('{why}');
      for (const code of ['busy', 'bad-mac', 'no-answer', 'queue-waiting', 'host-unavailable', 'settlement-refused', 'upload-refused', 'batch-failed'])
        expect(table[language][`batch.reason.${code}`], `${language} batch.reason.${code}`).toBeTruthy();
      for (const code of ['settlement-refused', 'upload-refused']) expect(table[language][`batch.reason.${code}`]).toMatch(/\{code\} \{words\}/);
    }
  });

  // Before: the zh-CN page showed the catalogue's English ("drop answers", ".55 → 55 incorrect PIN", stripe names).
  it('words every tester control the demo offers in both languages: stripes, codes, forced outcomes, host faults', () => {
    const catalogue = testerCatalogue();
    for (const language of ['en', 'zh-CN'] as const) {
      const words = table[language];
      for (const stripe of catalogue.stripes) expect(words[`stripe.${stripe.id}`], `${language} stripe.${stripe.id}`).toBeTruthy();
      for (const code of catalogue.codes) expect(words[`code.${code.id}`], `${language} code.${code.id}`).toBeTruthy();
      for (const fault of catalogue.faults) expect(words[`fault.${fault}`], `${language} fault.${fault}`).toBeTruthy();
      for (const { cents } of catalogue.outcomes) expect(words[`outcome.${cents}`] ?? words[`rc.${cents}`], `${language} outcome .${cents}`).toBeTruthy();
    }
    // The page adds the service code in parentheses: a word with its own would read "expired card (2001) (101)".
    for (const stripe of catalogue.stripes) expect(table.en[`stripe.${stripe.id}`]).not.toMatch(/\(/);
    expect(table['zh-CN']['fault.drop answers']).toBe('丢弃应答');
  });
});
