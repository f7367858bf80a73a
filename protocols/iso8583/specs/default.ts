/**
 * `default`: the compact binary POS profile that our terminal and switch speak unless configured
 * otherwise, in the style of China UnionPay-type POS host specs: a 5-byte TPDU before a BCD MTI, a
 * binary bitmap, BCD numerics and BCD length prefixes, text in ASCII, DE55 as BER-TLV. Field usage
 * is documented in docs/iso8583.md.
 */
import type { FieldSpec, MessageSpec } from '../spec.js';

const n = (length: number, name: string): FieldSpec => ({ name, type: 'n', length, encoding: 'bcd' });
const llvarN = (length: number, name: string): FieldSpec => ({ name, type: 'n', length, encoding: 'bcd', prefix: 'LL', bcdPad: 'right' });
const text = (length: number, name: string): FieldSpec => ({ name, type: 'ans', length, encoding: 'ascii' });
const varText = (prefix: 'LL' | 'LLL', length: number, name: string): FieldSpec => ({ name, type: 'ans', length, encoding: 'ascii', prefix, prefixEncoding: 'bcd' });
const bytes = (length: number, name: string): FieldSpec => ({ name, type: 'b', length, encoding: 'binary' });
const varBytes = (prefix: 'LL' | 'LLL', length: number, name: string): FieldSpec => ({ name, type: 'b', length, encoding: 'binary', prefix, prefixEncoding: 'bcd' });
const asciiN = (length: number, name: string): FieldSpec => ({ name, type: 'n', length, encoding: 'ascii' });
const tag = (name: string, length = 999): FieldSpec => ({ name, type: 'ans', length, encoding: 'ascii', prefix: 'LLL', prefixEncoding: 'ascii' });

const cardRequest = [3, 4, 7, 11, 22, 25, 41, 42, 49];

export const defaultSpec: MessageSpec = {
  name: 'default',
  description: 'Compact binary POS profile: TPDU, BCD MTI, binary bitmap, BCD numerics and lengths, DE55 BER-TLV',
  headerLength: 5,
  mtiEncoding: 'bcd',
  bitmap: { encoding: 'binary' },
  fields: {
    2: { ...llvarN(19, 'Primary account number (PAN)'), sensitive: 'pan' },
    3: n(6, 'Processing code'),
    4: n(12, 'Amount, transaction'),
    7: n(10, 'Transmission date and time (MMDDhhmmss)'),
    11: n(6, 'System trace audit number (STAN)'),
    12: n(6, 'Time, local transaction (hhmmss)'),
    13: n(4, 'Date, local transaction (MMDD)'),
    14: n(4, 'Date, expiration (YYMM)'),
    15: n(4, 'Date, settlement (MMDD)'),
    22: n(3, 'Point of service entry mode'),
    23: n(3, 'Card sequence number'),
    25: n(2, 'Point of service condition code'),
    26: n(2, 'Point of service PIN capture code'),
    32: llvarN(11, 'Acquiring institution identification code'),
    35: { name: 'Track 2 data', type: 'z', length: 37, encoding: 'bcd', prefix: 'LL', bcdPad: 'right', sensitive: 'track' },
    36: { name: 'Track 3 data', type: 'z', length: 104, encoding: 'bcd', prefix: 'LLL', bcdPad: 'right', sensitive: 'track' },
    37: text(12, 'Retrieval reference number'),
    38: text(6, 'Authorization identification response'),
    39: text(2, 'Response code'),
    41: text(8, 'Card acceptor terminal identification'),
    42: text(15, 'Card acceptor identification code'),
    43: text(40, 'Card acceptor name/location'),
    44: varText('LL', 25, 'Additional response data'),
    45: { ...varText('LL', 76, 'Track 1 data'), sensitive: 'track' },
    48: {
      ...varText('LLL', 999, 'Additional data - private (tagged)'),
      subfields: {
        kind: 'tagged',
        tagLength: 2,
        fields: {
          QR: { ...tag('Scanned payment code', 512), sensitive: 'secret' },
          WS: tag('Wallet or scheme of the scanned code', 16),
          IN: tag('Installment plan (number of periods)', 2),
          CP: tag('Coupon or voucher identifier', 32),
          OR: tag('Original retrieval reference number', 12),
        },
        unknownTag: tag('Unlisted tag'),
      },
    },
    49: text(3, 'Currency code, transaction'),
    52: { ...bytes(8, 'PIN data'), sensitive: 'secret' },
    53: varBytes('LL', 48, 'Security related control information (DUKPT KSN)'),
    54: varText('LLL', 120, 'Additional amounts (balances)'),
    55: { ...varBytes('LLL', 999, 'ICC system related data (EMV)'), subfields: { kind: 'tlv' } },
    60: {
      ...varText('LLL', 999, 'Batch and network data'),
      subfields: {
        kind: 'positional',
        fields: {
          1: asciiN(2, 'Transaction type code'),
          2: asciiN(6, 'Batch number'),
          3: asciiN(3, 'Network management information code'),
        },
      },
    },
    61: {
      ...varText('LLL', 999, 'Original transaction data'),
      subfields: {
        kind: 'positional',
        fields: { 1: asciiN(6, 'Original batch number'), 2: asciiN(6, 'Original STAN'), 3: asciiN(4, 'Original date (MMDD)') },
      },
    },
    62: varText('LLL', 999, 'Reserved private'),
    63: varText('LLL', 999, 'Reserved private'),
    64: bytes(8, 'Message authentication code (MAC)'),
    70: n(3, 'Network management information code'),
    74: n(10, 'Credits, number'),
    75: n(10, 'Credits, reversal number'),
    76: n(10, 'Debits, number'),
    77: n(10, 'Debits, reversal number'),
    86: n(16, 'Credits, amount'),
    87: n(16, 'Credits, reversal amount'),
    88: n(16, 'Debits, amount'),
    89: n(16, 'Debits, reversal amount'),
    90: n(42, 'Original data elements (MTI, STAN, transmission date-time, acquirer, forwarder)'),
    95: text(42, 'Replacement amounts'),
    96: { ...varBytes('LLL', 999, 'Key management data'), sensitive: 'secret' },
    97: { name: 'Amount, net settlement', type: 'xn', length: 17, encoding: 'bcd' },
    128: bytes(8, 'Message authentication code (MAC) 2'),
  },
  required: {
    '0100': cardRequest,
    '0110': [3, 4, 7, 11, 39, 41],
    '0200': cardRequest,
    '0210': [3, 4, 7, 11, 39, 41],
    '0220': [3, 4, 7, 11, 22, 41, 42],
    '0230': [3, 4, 7, 11, 39, 41],
    '0320': [3, 4, 7, 11, 41, 42],
    '0330': [7, 11, 39, 41],
    '0400': [3, 4, 7, 11, 41, 42, 90],
    '0410': [3, 4, 7, 11, 39, 41],
    '0420': [3, 4, 7, 11, 41, 42, 90],
    '0430': [7, 11, 39, 41],
    '0500': [7, 11, 41, 42, 60],
    '0510': [7, 11, 39, 41],
    '0800': [7, 11, 41, 70],
    '0810': [7, 11, 39, 41, 70],
  },
};
