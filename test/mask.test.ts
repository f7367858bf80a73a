import { describe, expect, it } from 'vitest';
import { maskEmvValue, maskPan, maskPansIn, wordOrLength } from '../protocols/mask.js';
import { fromHex, toHex } from '../protocols/bytes.js';

describe('maskPan (PCI DSS 3.4: at most first 6 and last 4 shown)', () => {
  it('keeps first 6 and last 4 of a 16-digit PAN', () => expect(maskPan('4761739001010010')).toBe('476173******0010'));
  it('keeps first 6 and last 4 of a 19-digit PAN', () => expect(maskPan('6212345678901234567')).toBe('621234*********4567'));
  it('shows only the last 4 of a short number', () => expect(maskPan('1234567890')).toBe('******7890'));
  it('masks PANs inside track text', () => expect(maskPansIn(';4761739001010010=2512201?')).toBe(';476173******0010=2512201?'));
});

describe('wordOrLength (a path segment or property name an error quotes)', () => {
  it('shows a plain word as routes and properties are written', () => {
    for (const word of ['', 'nowhere', 'delayMs', 'openapi.json', 'batch-close']) expect(wordOrLength(word)).toBe(word);
  });
  it('names anything else by its length: a PAN, a track, a key in hex, a track-1 name, digits, a long word', () => {
    expect(wordOrLength('4761739001010010')).toBe('<16 characters>');
    expect(wordOrLength('4761739001010010=2512201')).toBe('<24 characters>');
    expect(wordOrLength('0123456789abcdeffedcba9876543210')).toBe('<32 characters>');
    expect(wordOrLength('SMITH')).toBe('<5 characters>');
    expect(wordOrLength('pin1234')).toBe('<7 characters>');
    expect(wordOrLength('a'.repeat(33))).toBe('<33 characters>');
    expect(wordOrLength('7')).toBe('<1 character>');
  });
});

describe('hex', () => {
  it('round-trips', () => expect(toHex(fromHex('00 a4 04 00'))).toBe('00A40400'));
  it('names odd length', () => expect(() => fromHex('abc', 'key')).toThrow(/key: odd number of hex digits \(3\)/));
  it('names the bad character', () => expect(() => fromHex('0g', 'data')).toThrow(/data: not a hex digit at character 1/));
});

describe('maskEmvValue', () => {
  it('hides the cardholder name (5F20, 9F0B) as stars, as tag 56 hides it', () => {
    const name = Buffer.from('CARDHOLDER/TEST', 'latin1');
    expect(maskEmvValue('5F20', name)).toBe('*'.repeat(30));
    expect(maskEmvValue('9F0B', name)).toBe('*'.repeat(30));
    expect(maskEmvValue('56', Buffer.from('B4761739001010010^CARDHOLDER/TEST^2512', 'latin1'))).not.toContain('CARDHOLDER');
    expect(maskEmvValue('9F02', Buffer.from('000000001234', 'hex'))).toBe('000000001234');
  });
});
