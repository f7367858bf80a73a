import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import { CryptoError, decipherPinBlock, decodePinBlock, encipherPinBlock, encodePinBlock, visaPvv } from '../../protocols/crypto/index.js';

const fixed = (hex: string) => () => fromHex(hex);

describe('ISO 9564 PIN blocks', () => {
  // knovichikhin/psec tests/test_pinblock.py: test_encode_pinblock_iso_0 / test_decode_pinblock_iso_0 / _iso_3
  it.each([
    ['1234', '041261AAAAEDCBA9'],
    ['123456789', '091261032D8DCBA9'],
    ['1234567890', '0A1261032D82CBA9'],
    ['123456789012', '0C1261032D8226A9'],
  ])('format 0: PIN %s ↔ %s (PAN 5555555551234567)', (pin, block) => {
    expect(toHex(encodePinBlock({ format: 0, pin, pan: '5555555551234567' }))).toBe(block);
    expect(decodePinBlock(fromHex(block), 0, '5555555551234567')).toBe(pin);
  });

  it.each([
    ['1234', '341261AAAAEDCBA9'],
    ['123456789012', '3C1261032D8226A9'],
  ])('format 3 decode: PIN %s from %s (psec)', (pin, block) => {
    expect(decodePinBlock(fromHex(block), 3, '5555555551234567')).toBe(pin);
  });

  // ANSI X9.24-1:2009 A.4 (via openemv/dukpt tests): PIN 1234, PAN 4012345678909 → 041274EDCBA9876F
  it('format 0 of the X9.24 DUKPT examples', () => {
    expect(toHex(encodePinBlock({ format: 0, pin: '1234', pan: '4012345678909' }))).toBe('041274EDCBA9876F');
  });

  it('formats 1 and 3 take their fill from the random source (1: 0–F, 3: A–F) and round-trip', () => {
    const block1 = encodePinBlock({ format: 1, pin: '1234', random: fixed('0123456789ABCDEF0123') });
    expect(toHex(block1)).toBe('141234' + '13579BDF13'); // low nibbles of 01 23 45 67 89 AB CD EF 01 23
    expect(decodePinBlock(block1, 1)).toBe('1234');
    const block3 = encodePinBlock({ format: 3, pin: '98765', pan: '4012345678909', random: fixed('00010203040506070809') });
    expect(decodePinBlock(block3, 3, '4012345678909')).toBe('98765');
  });

  // ANSI X9.24-3-2017 supplement, "Calculation of AES PIN Block Format 4" (as in openemv/dukpt
  // test/dukpt_aes128_test.c): PIN 1234, PAN 4111111111111111, random 2F69ADDE2E9E7ACE, PIN key of
  // KSN 123456789012345600000001 → A912150391AB65A67E52883D81CE2D15
  it('format 4 (AES) enciphers like X9.24-3', () => {
    const key = fromHex('AF8CB133A78F8DC2D1359F18527593FB');
    const input = { format: 4, pin: '1234', pan: '4111111111111111', random: fixed('2F69ADDE2E9E7ACE') } as const;
    expect(toHex(encodePinBlock(input))).toBe('441234AAAAAAAAAA2F69ADDE2E9E7ACE');
    expect(toHex(encipherPinBlock(key, input))).toBe('A912150391AB65A67E52883D81CE2D15');
    expect(decipherPinBlock(key, fromHex('A912150391AB65A67E52883D81CE2D15'), 4, '4111111111111111')).toBe('1234');
  });

  // psec tests/test_pinblock.py test_decipher_pinblock_iso_4: ep2 Security Specification 8.0.0 §8.4, and a PAN shorter than 12
  it('format 4 decipher: ep2 vector and a 1-digit PAN', () => {
    expect(decipherPinBlock(fromHex('C1D0F8FB4958670DBA40AB1F3752EF0D'), fromHex('CC17F65586BFD0953010226C4FC5B3CA'), 4, '432198765432109870')).toBe('1234');
    expect(decipherPinBlock(fromHex('00112233445566778899AABBCCDDEEFF'), fromHex('39B69B1B91FE05D48F7EF0D68EB2CBD6'), 4, '1')).toBe('123456');
  });

  it('TDES formats encipher with ECB and decipher back', () => {
    const key = fromHex('0123456789ABCDEFFEDCBA9876543210');
    for (const format of [0, 1, 3] as const) {
      const block = encipherPinBlock(key, { format, pin: '4321', pan: '4761739001010010' });
      expect(decipherPinBlock(key, block, format, '4761739001010010')).toBe('4321');
    }
  });

  // psec test_decode_pinblock_iso_0_exception / _iso_3 / _iso_4 cases, with messages that never show digits
  it.each([
    ['241261AAAAEDCBA9', 0, 'PIN block: control field is 2, expected 0'],
    ['041261AAAAEDCB', 0, 'PIN block: 7 bytes, expected 8'],
    ['0F1261AAAAEDCBA9', 0, 'PIN block: PIN length 15, expected 4 to 12'],
    ['041261AAAAEDCBAA', 0, 'PIN block: fill is not valid for format 0'],
    ['051261AAAAEDCBA9', 0, 'PIN block: PIN digits are not all decimal'],
    ['341261AAAAEDCBA2', 3, 'PIN block: fill is not valid for format 3'],
  ] as const)('decode %s as format %i → %s', (block, format, message) => {
    expect(() => decodePinBlock(fromHex(block), format, '5555555551234567')).toThrow(message);
  });

  it('format 4 field errors (psec test_decode_pinblock_iso_4_exception)', () => {
    expect(() => decodePinBlock(fromHex('541234AAAAAAAAAA548ED7FD65495950'), 4)).toThrow('control field is 5, expected 4');
    expect(() => decodePinBlock(fromHex('441234ABCDEFABCD548ED7FD65495950'), 4)).toThrow('fill is not valid for format 4');
    expect(() => decodePinBlock(fromHex('4412D4AAAAAAAAAA548ED7FD65495950'), 4)).toThrow('PIN digits are not all decimal');
  });

  it('encode errors: PIN length, PAN, format, missing PAN', () => {
    expect(() => encodePinBlock({ format: 0, pin: '123', pan: '5555555551234567' })).toThrow(new CryptoError('PIN', '3 digits, expected 4 to 12'));
    expect(() => encodePinBlock({ format: 0, pin: '12a4', pan: '5555555551234567' })).toThrow('PIN: must be digits only');
    expect(() => encodePinBlock({ format: 0, pin: '1234', pan: '555555555123' })).toThrow('PAN: 12 digits, expected 13 to 19');
    expect(() => encodePinBlock({ format: 0, pin: '1234' })).toThrow('PAN: required for format 0');
    expect(() => encodePinBlock({ format: 2 as 0, pin: '1234' })).toThrow('PIN block format: 2 is not 0, 1, 3 or 4');
  });
});

describe('Visa PVV', () => {
  // knovichikhin/psec tests/test_pin.py test_generate_visa_pvv (PVK 0123456789ABCDEFFEDCBA9876543210)
  it.each([
    [1, '4524', '1122334455667788', '8523'],
    [2, '1912', '1122334455667788', '3244'],
    [1, '0570', '1122334455667718', '3144'],
    [1, '8299', '1122334455667708', '4422'],
  ])('PVKI %i PIN %s PAN %s → %s', (pvki, pin, pan, pvv) => {
    expect(visaPvv(fromHex('0123456789ABCDEFFEDCBA9876543210'), pan, pvki, pin)).toBe(pvv);
  });
});
