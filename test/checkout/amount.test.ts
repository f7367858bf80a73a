import { describe, expect, it } from 'vitest';
import { AmountError, parseAmount } from '../../terminal/amount.js';

describe('cashier amount', () => {
  it.each([
    ['12.34', 1234],
    ['12', 1200],
    ['0.5', 50],
    ['007.10', 710],
    ['99999999.99', 9_999_999_999],
    [' 1.00 ', 100],
  ])('%s is %d minor units', (text, minor) => {
    expect(parseAmount(text)).toBe(minor);
  });

  it.each([
    ['', 'amount.empty'],
    ['0', 'amount.zero'],
    ['0.00', 'amount.zero'],
    ['-5', 'amount.format'],
    ['12a', 'amount.format'],
    ['abc', 'amount.format'],
    ['1.234', 'amount.format'],
    ['1..2', 'amount.format'],
    ['1e3', 'amount.format'],
    ['123456789', 'amount.tooLarge'],
    ['100000000.00', 'amount.tooLarge'],
  ])('%j is refused as %s', (text, problem) => {
    const error = (() => {
      try {
        parseAmount(text);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(AmountError);
    expect((error as AmountError).problem).toBe(problem);
  });
});
