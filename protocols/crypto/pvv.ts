/**
 * Visa PIN verification value: TSP = the 11 rightmost PAN digits before the check digit ‖ PVKI ‖
 * the first 4 PIN digits, enciphered with the PVK; the PVV is the first 4 decimal digits of the
 * result, topped up from its hex digits A–F minus 10 when there are fewer.
 */
import { toHex } from '../bytes.js';
import { CryptoError, expectLength } from './errors.js';
import { desEcb, equalBytes } from './primitives.js';

export function visaPvv(pvk: Buffer, pan: string, pvki: number, pin: string): string {
  expectLength('PVK', pvk, [16, 24]);
  if (!/^\d{12,19}$/.test(pan)) throw new CryptoError('PAN', 'expected 12 to 19 digits');
  if (!Number.isInteger(pvki) || pvki < 0 || pvki > 9) throw new CryptoError('PVKI', 'expected one digit 0–9');
  if (!/^\d{4,12}$/.test(pin)) throw new CryptoError('PIN', 'expected 4 to 12 digits');
  const tsp = pan.slice(-12, -1) + String(pvki) + pin.slice(0, 4);
  const hex = toHex(desEcb(pvk, Buffer.from(tsp, 'hex')));
  const decimals = [...hex].filter((c) => c <= '9');
  const letters = [...hex].filter((c) => c > '9').map((c) => String(Number.parseInt(c, 16) - 10));
  return [...decimals, ...letters].slice(0, 4).join('');
}

export function verifyVisaPvv(pvk: Buffer, pan: string, pvki: number, pin: string, pvv: string): boolean {
  return equalBytes(Buffer.from(visaPvv(pvk, pan, pvki, pin)), Buffer.from(pvv));
}
