/**
 * The cashier's amount: text as typed ("12.34", "12", "0.5") to minor units. One rule for the
 * checkout page's server and the `pos` CLI, so a refusal reads the same wherever it happens.
 * Reasons are stable keys the page translates (amount.empty, …). Sales, refunds and completions
 * only: a balance inquiry has no amount to type.
 */

/** 99,999,999.99: ten digits of minor units, well inside DE4's n12 and beyond any till. */
export const maxAmountMinor = 9_999_999_999;

export type AmountProblem = 'amount.empty' | 'amount.format' | 'amount.zero' | 'amount.tooLarge';

export class AmountError extends Error {
  override readonly name = 'AmountError';
  constructor(readonly problem: AmountProblem, message: string) {
    super(message);
  }
}

const amountPattern = /^(\d{1,8})(?:\.(\d{1,2}))?$/;

/** Minor units (fen, cents) of a typed amount with at most two decimals. */
export function parseAmount(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new AmountError('amount.empty', 'amount: enter an amount');
  if (/^-/.test(trimmed)) throw new AmountError('amount.format', 'amount: must not be negative');
  const digitsBeforePoint = trimmed.split('.')[0]!.replace(/^0+(?=\d)/, '');
  if (/^\d+(\.\d*)?$/.test(trimmed) && digitsBeforePoint.length > 8) {
    throw new AmountError('amount.tooLarge', `amount: at most ${(maxAmountMinor / 100).toFixed(2)}`);
  }
  const match = amountPattern.exec(trimmed.replace(/^0+(?=\d)/, ''));
  if (!match) throw new AmountError('amount.format', 'amount: digits with at most two decimals, like 12.34');
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (minor === 0) throw new AmountError('amount.zero', 'amount: must be more than zero');
  return minor;
}
