/**
 * The ISO 8583:1987 and :1993 field layouts as jPOS's ISO87A/ISO87B/ISO93A/ISO93B packagers lay them
 * out (read from jpos/jPOS, org/jpos/iso/packager; behaviour only, none of its code), so messages
 * from hosts built on them decode. One table per version; the ASCII and binary variants differ
 * only in how numerics, lengths and binary data sit on the wire.
 */
import type { FieldSpec, MessageSpec, Sensitivity } from '../spec.js';

/** jPOS's field kinds: NUM fixed numeric, CHAR fixed text, BINARY fixed bytes, AMOUNT signed, TRACK2 z, and their LL/LLL variants. */
type Kind = 'NUM' | 'LLNUM' | 'CHAR' | 'LLCHAR' | 'LLLCHAR' | 'BINARY' | 'LLBINARY' | 'LLLBINARY' | 'AMOUNT' | 'TRACK2';
type Row = [kind: Kind, length: number, name: string];

const sensitivity: Record<number, Sensitivity> = { 2: 'pan', 34: 'pan', 35: 'track', 36: 'track', 45: 'track', 52: 'secret', 55: 'emv', 96: 'secret' };

const reserved = (from: number, to: number, name: string): Array<[number, Row]> =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, ['LLLCHAR', 999, name]]);

const common87: Array<[number, Row]> = [
  [2, ['LLNUM', 19, 'Primary account number (PAN)']],
  [3, ['NUM', 6, 'Processing code']],
  [4, ['NUM', 12, 'Amount, transaction']],
  [5, ['NUM', 12, 'Amount, settlement']],
  [6, ['NUM', 12, 'Amount, cardholder billing']],
  [7, ['NUM', 10, 'Transmission date and time']],
  [8, ['NUM', 8, 'Amount, cardholder billing fee']],
  [9, ['NUM', 8, 'Conversion rate, settlement']],
  [10, ['NUM', 8, 'Conversion rate, cardholder billing']],
  [11, ['NUM', 6, 'System trace audit number (STAN)']],
  [12, ['NUM', 6, 'Time, local transaction']],
  [13, ['NUM', 4, 'Date, local transaction']],
  [14, ['NUM', 4, 'Date, expiration']],
  [15, ['NUM', 4, 'Date, settlement']],
  [16, ['NUM', 4, 'Date, conversion']],
  [17, ['NUM', 4, 'Date, capture']],
  [18, ['NUM', 4, 'Merchant type']],
  [19, ['NUM', 3, 'Acquiring institution country code']],
  [20, ['NUM', 3, 'PAN extended country code']],
  [21, ['NUM', 3, 'Forwarding institution country code']],
  [22, ['NUM', 3, 'Point of service entry mode']],
  [23, ['NUM', 3, 'Card sequence number']],
  [24, ['NUM', 3, 'Network international identifier']],
  [25, ['NUM', 2, 'Point of service condition code']],
  [26, ['NUM', 2, 'Point of service PIN capture code']],
  [27, ['NUM', 1, 'Authorization identification response length']],
  [28, ['AMOUNT', 9, 'Amount, transaction fee']],
  [29, ['AMOUNT', 9, 'Amount, settlement fee']],
  [30, ['AMOUNT', 9, 'Amount, transaction processing fee']],
  [31, ['AMOUNT', 9, 'Amount, settlement processing fee']],
  [32, ['LLNUM', 11, 'Acquiring institution identification code']],
  [33, ['LLNUM', 11, 'Forwarding institution identification code']],
  [34, ['LLCHAR', 28, 'PAN extended']],
  [35, ['TRACK2', 37, 'Track 2 data']],
  [36, ['LLLCHAR', 104, 'Track 3 data']],
  [37, ['CHAR', 12, 'Retrieval reference number']],
  [38, ['CHAR', 6, 'Authorization identification response']],
  [39, ['CHAR', 2, 'Response code']],
  [40, ['CHAR', 3, 'Service restriction code']],
  [41, ['CHAR', 8, 'Card acceptor terminal identification']],
  [42, ['CHAR', 15, 'Card acceptor identification code']],
  [43, ['CHAR', 40, 'Card acceptor name/location']],
  [44, ['LLCHAR', 25, 'Additional response data']],
  [45, ['LLCHAR', 76, 'Track 1 data']],
  [46, ['LLLCHAR', 999, 'Additional data - ISO']],
  [47, ['LLLCHAR', 999, 'Additional data - national']],
  [48, ['LLLCHAR', 999, 'Additional data - private']],
  [49, ['CHAR', 3, 'Currency code, transaction']],
  [50, ['CHAR', 3, 'Currency code, settlement']],
  [51, ['CHAR', 3, 'Currency code, cardholder billing']],
  [52, ['BINARY', 8, 'PIN data']],
  [53, ['NUM', 16, 'Security related control information']],
  [54, ['LLLCHAR', 120, 'Additional amounts']],
  ...reserved(55, 56, 'Reserved ISO'),
  ...reserved(57, 59, 'Reserved national'),
  ...reserved(60, 63, 'Reserved private'),
  [64, ['BINARY', 8, 'Message authentication code (MAC)']],
  [65, ['BINARY', 1, 'Bitmap, extended']],
  [66, ['NUM', 1, 'Settlement code']],
  [67, ['NUM', 2, 'Extended payment code']],
  [68, ['NUM', 3, 'Receiving institution country code']],
  [69, ['NUM', 3, 'Settlement institution country code']],
  [70, ['NUM', 3, 'Network management information code']],
  [71, ['NUM', 4, 'Message number']],
  [72, ['NUM', 4, 'Message number, last']],
  [73, ['NUM', 6, 'Date, action']],
  [74, ['NUM', 10, 'Credits, number']],
  [75, ['NUM', 10, 'Credits, reversal number']],
  [76, ['NUM', 10, 'Debits, number']],
  [77, ['NUM', 10, 'Debits, reversal number']],
  [78, ['NUM', 10, 'Transfer, number']],
  [79, ['NUM', 10, 'Transfer, reversal number']],
  [80, ['NUM', 10, 'Inquiries, number']],
  [81, ['NUM', 10, 'Authorizations, number']],
  [82, ['NUM', 12, 'Credits, processing fee amount']],
  [83, ['NUM', 12, 'Credits, transaction fee amount']],
  [84, ['NUM', 12, 'Debits, processing fee amount']],
  [85, ['NUM', 12, 'Debits, transaction fee amount']],
  [86, ['NUM', 16, 'Credits, amount']],
  [87, ['NUM', 16, 'Credits, reversal amount']],
  [88, ['NUM', 16, 'Debits, amount']],
  [89, ['NUM', 16, 'Debits, reversal amount']],
  [90, ['NUM', 42, 'Original data elements']],
  [91, ['CHAR', 1, 'File update code']],
  [92, ['CHAR', 2, 'File security code']],
  [93, ['CHAR', 6, 'Response indicator']],
  [94, ['CHAR', 7, 'Service indicator']],
  [95, ['CHAR', 42, 'Replacement amounts']],
  [96, ['BINARY', 16, 'Message security code']],
  [97, ['AMOUNT', 17, 'Amount, net settlement']],
  [98, ['CHAR', 25, 'Payee']],
  [99, ['LLNUM', 11, 'Settlement institution identification code']],
  [100, ['LLNUM', 11, 'Receiving institution identification code']],
  [101, ['LLCHAR', 17, 'File name']],
  [102, ['LLCHAR', 28, 'Account identification 1']],
  [103, ['LLCHAR', 28, 'Account identification 2']],
  [104, ['LLLCHAR', 100, 'Transaction description']],
  ...reserved(105, 111, 'Reserved ISO use'),
  ...reserved(112, 119, 'Reserved national use'),
  ...reserved(120, 127, 'Reserved private use'),
  [128, ['BINARY', 8, 'Message authentication code (MAC) 2']],
];

const common93: Array<[number, Row]> = [
  [2, ['LLNUM', 19, 'Primary account number (PAN)']],
  [3, ['NUM', 6, 'Processing code']],
  [4, ['NUM', 12, 'Amount, transaction']],
  [5, ['NUM', 12, 'Amount, reconciliation']],
  [6, ['NUM', 12, 'Amount, cardholder billing']],
  [7, ['NUM', 10, 'Date and time, transmission']],
  [8, ['NUM', 8, 'Amount, cardholder billing fee']],
  [9, ['NUM', 8, 'Conversion rate, reconciliation']],
  [10, ['NUM', 8, 'Conversion rate, cardholder billing']],
  [11, ['NUM', 6, 'Systems trace audit number (STAN)']],
  [12, ['NUM', 12, 'Date and time, local transaction']],
  [13, ['NUM', 4, 'Date, effective']],
  [14, ['NUM', 4, 'Date, expiration']],
  [15, ['NUM', 6, 'Date, settlement']],
  [16, ['NUM', 4, 'Date, conversion']],
  [17, ['NUM', 4, 'Date, capture']],
  [18, ['NUM', 4, 'Merchant type']],
  [19, ['NUM', 3, 'Country code, acquiring institution']],
  [20, ['NUM', 3, 'Country code, primary account number']],
  [21, ['NUM', 3, 'Country code, forwarding institution']],
  [22, ['CHAR', 12, 'Point of service data code']],
  [23, ['NUM', 3, 'Card sequence number']],
  [24, ['NUM', 3, 'Function code']],
  [25, ['NUM', 4, 'Message reason code']],
  [26, ['NUM', 4, 'Card acceptor business code']],
  [27, ['NUM', 1, 'Approval code length']],
  [28, ['NUM', 6, 'Date, reconciliation']],
  [29, ['NUM', 3, 'Reconciliation indicator']],
  [30, ['NUM', 24, 'Amounts, original']],
  [31, ['LLCHAR', 99, 'Acquirer reference data']],
  [32, ['LLNUM', 11, 'Acquirer institution identification code']],
  [33, ['LLNUM', 11, 'Forwarding institution identification code']],
  [34, ['LLCHAR', 28, 'Primary account number, extended']],
  [35, ['LLCHAR', 37, 'Track 2 data']],
  [36, ['LLLCHAR', 104, 'Track 3 data']],
  [37, ['CHAR', 12, 'Retrieval reference number']],
  [38, ['CHAR', 6, 'Approval code']],
  [39, ['NUM', 3, 'Action code']],
  [40, ['NUM', 3, 'Service code']],
  [41, ['CHAR', 8, 'Card acceptor terminal identification']],
  [42, ['CHAR', 15, 'Card acceptor identification code']],
  [43, ['LLCHAR', 99, 'Card acceptor name/location']],
  [44, ['LLCHAR', 99, 'Additional response data']],
  [45, ['LLCHAR', 76, 'Track 1 data']],
  [46, ['LLLCHAR', 204, 'Amounts, fees']],
  [47, ['LLLCHAR', 999, 'Additional data - national']],
  [48, ['LLLCHAR', 999, 'Additional data - private']],
  [49, ['CHAR', 3, 'Currency code, transaction']],
  [50, ['CHAR', 3, 'Currency code, reconciliation']],
  [51, ['CHAR', 3, 'Currency code, cardholder billing']],
  [52, ['BINARY', 8, 'Personal identification number (PIN) data']],
  [53, ['LLBINARY', 48, 'Security related control information']],
  [54, ['LLLCHAR', 120, 'Amounts, additional']],
  [55, ['LLLBINARY', 255, 'IC card system related data']],
  [56, ['LLNUM', 35, 'Original data elements']],
  [57, ['NUM', 3, 'Authorization life cycle code']],
  [58, ['LLNUM', 11, 'Authorizing agent institution identification code']],
  [59, ['LLLCHAR', 999, 'Transport data']],
  ...reserved(60, 61, 'Reserved for national use'),
  ...reserved(62, 63, 'Reserved for private use'),
  [64, ['BINARY', 8, 'Message authentication code field']],
  [65, ['BINARY', 8, 'Reserved for ISO use']],
  [66, ['LLLCHAR', 204, 'Amounts, original fees']],
  [67, ['NUM', 2, 'Extended payment data']],
  [68, ['NUM', 3, 'Country code, receiving institution']],
  [69, ['NUM', 3, 'Country code, settlement institution']],
  [70, ['NUM', 3, 'Country code, authorizing agent institution']],
  [71, ['NUM', 8, 'Message number']],
  [72, ['LLLCHAR', 999, 'Data record']],
  [73, ['NUM', 6, 'Date, action']],
  [74, ['NUM', 10, 'Credits, number']],
  [75, ['NUM', 10, 'Credits, reversal number']],
  [76, ['NUM', 10, 'Debits, number']],
  [77, ['NUM', 10, 'Debits, reversal number']],
  [78, ['NUM', 10, 'Transfer, number']],
  [79, ['NUM', 10, 'Transfer, reversal number']],
  [80, ['NUM', 10, 'Inquiries, number']],
  [81, ['NUM', 10, 'Authorizations, number']],
  [82, ['NUM', 10, 'Inquiries, reversal number']],
  [83, ['NUM', 10, 'Payments, number']],
  [84, ['NUM', 10, 'Payments, reversal number']],
  [85, ['NUM', 10, 'Fee collections, number']],
  [86, ['NUM', 16, 'Credits, amount']],
  [87, ['NUM', 16, 'Credits, reversal amount']],
  [88, ['NUM', 16, 'Debits, amount']],
  [89, ['NUM', 16, 'Debits, reversal amount']],
  [90, ['NUM', 10, 'Authorizations, reversal number']],
  [91, ['NUM', 3, 'Country code, transaction destination institution']],
  [92, ['NUM', 3, 'Country code, transaction originator institution']],
  [93, ['LLNUM', 11, 'Transaction destination institution identification code']],
  [94, ['LLNUM', 11, 'Transaction originator institution identification code']],
  [95, ['LLCHAR', 99, 'Card issuer reference data']],
  [96, ['LLLBINARY', 999, 'Key management data']],
  [97, ['AMOUNT', 17, 'Amount, net reconciliation']],
  [98, ['CHAR', 25, 'Payee']],
  [99, ['LLCHAR', 11, 'Settlement institution identification code']],
  [100, ['LLNUM', 11, 'Receiving institution identification code']],
  [101, ['LLCHAR', 17, 'File name']],
  [102, ['LLCHAR', 28, 'Account identification 1']],
  [103, ['LLCHAR', 28, 'Account identification 2']],
  [104, ['LLLCHAR', 100, 'Transaction description']],
  [105, ['NUM', 16, 'Credits, chargeback amount']],
  [106, ['NUM', 16, 'Debits, chargeback amount']],
  [107, ['NUM', 10, 'Credits, chargeback number']],
  [108, ['NUM', 10, 'Debits, chargeback number']],
  [109, ['LLCHAR', 84, 'Credits, fee amounts']],
  [110, ['LLCHAR', 84, 'Debits, fee amounts']],
  ...reserved(111, 115, 'Reserved for ISO use'),
  ...reserved(116, 122, 'Reserved for national use'),
  ...reserved(123, 127, 'Reserved for private use'),
  [128, ['BINARY', 8, 'Message authentication code field']],
];

/** ASCII (IFA_*): numerics and lengths as ASCII digits, binary as ASCII hex. Binary (IFB_*): BCD numerics and lengths, raw bytes. */
function field(number: number, [kind, length, name]: Row, wire: 'ascii' | 'binary'): FieldSpec {
  const ascii = wire === 'ascii';
  const base = { name, length, ...(sensitivity[number] ? { sensitive: sensitivity[number] } : {}) };
  const numeric = ascii ? { encoding: 'ascii' as const } : { encoding: 'bcd' as const };
  const lengthPrefix = (prefix: 'LL' | 'LLL') => ({ prefix, prefixEncoding: ascii ? ('ascii' as const) : ('bcd' as const) });
  switch (kind) {
    case 'NUM':
      return { ...base, type: 'n', ...numeric };
    case 'LLNUM': // jPOS ISO87B uses right-padded BCD for LLNUM
      return { ...base, type: 'n', ...numeric, ...lengthPrefix('LL'), ...(ascii ? {} : { bcdPad: 'right' as const }) };
    case 'TRACK2':
      return { ...base, type: 'z', ...numeric, ...lengthPrefix('LL'), ...(ascii ? {} : { bcdPad: 'right' as const }) };
    case 'AMOUNT':
      return { ...base, type: 'xn', ...numeric };
    case 'CHAR':
      return { ...base, type: 'ans', encoding: 'ascii' };
    case 'LLCHAR':
      return { ...base, type: 'ans', encoding: 'ascii', ...lengthPrefix('LL') };
    case 'LLLCHAR':
      return { ...base, type: 'ans', encoding: 'ascii', ...lengthPrefix('LLL') };
    case 'BINARY':
      return { ...base, type: 'b', encoding: ascii ? 'hex' : 'binary' };
    case 'LLBINARY':
      return { ...base, type: 'b', encoding: ascii ? 'hex' : 'binary', ...lengthPrefix('LL') };
    case 'LLLBINARY':
      return { ...base, type: 'b', encoding: ascii ? 'hex' : 'binary', ...lengthPrefix('LLL') };
  }
}

function build(name: string, description: string, rows: Array<[number, Row]>, wire: 'ascii' | 'binary'): MessageSpec {
  const fields: Record<string, FieldSpec> = {};
  for (const [number, row] of rows) fields[number] = field(number, row, wire);
  return {
    name,
    description,
    mtiEncoding: wire === 'ascii' ? 'ascii' : 'bcd',
    bitmap: { encoding: wire === 'ascii' ? 'hex' : 'binary' },
    fields,
  };
}

export const iso87ascii = build('iso87ascii', 'ISO 8583:1987, ASCII (as jPOS ISO87APackager)', common87, 'ascii');
export const iso87binary = build('iso87binary', 'ISO 8583:1987, binary/BCD (as jPOS ISO87BPackager)', common87, 'binary');
export const iso93ascii = build('iso93ascii', 'ISO 8583:1993, ASCII (as jPOS ISO93APackager)', common93, 'ascii');
export const iso93binary = build('iso93binary', 'ISO 8583:1993, binary/BCD (as jPOS ISO93BPackager)', common93, 'binary');
