/**
 * Receipts as plain text, 32 columns (a 58 mm printer): merchant and customer copies with the
 * masked PAN, AID, application label, TVR, TSI, authorization code, RRN and entry mode; and the
 * batch totals slip. Nothing here ever sees more than a masked PAN.
 */
import type { TxnRow } from './journal.js';
import type { Tender } from './tender.js';

/** What a slip prints: the journal row's fields, plus who printed it, when, and whether the PIN was verified. */
export type ReceiptData = Pick<
  TxnRow,
  'amount' | 'currency' | 'stan' | 'batch' | 'entryMode' | 'maskedPan' | 'scheme' | 'aid' | 'label' | 'tvr' | 'tsi' | 'authCode' | 'rrn' | 'responseCode' | 'reason'
> & {
  merchantId: string;
  terminalId: string;
  kind: string;
  /** The outcome as the terminal reports it, which may differ from the row's state. */
  state: string;
  at: Date;
  /** The host approved a request that carried a PIN block: only then was the PIN verified (a 55 or 75 says it was not). */
  pinVerified?: boolean;
};

const width = 32;
const entryModes: Record<string, string> = { '07': 'CONTACTLESS', '02': 'SWIPED', '90': 'SWIPED (FALLBACK)', '03': 'SCANNED CODE', '01': 'KEYED' };
const tenderHeadings: Record<Tender, string> = { card: 'CONTACTLESS', magstripe: 'SWIPED', code: 'PAYMENT CODE' };
const currencies: Record<string, string> = { '156': 'CNY', '840': 'USD', '978': 'EUR', '826': 'GBP' };

function money(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${currencies[currency] ?? currency} ${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function line(left: string, right = ''): string {
  const room = width - right.length;
  if (left.length < room) return left.padEnd(room) + right;
  return [...wrap(left), ...(right ? wrap(right).map((part) => part.padStart(width)) : [])].join('\n');
}

/** Text cut into lines of at most `width` columns, at spaces where it can; a word longer than a line is split. */
export function wrap(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    if (current && current.length + 1 + rest.length <= width) {
      current += ` ${rest}`;
      continue;
    }
    if (current) lines.push(current);
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    current = rest;
  }
  if (current) lines.push(current);
  return lines;
}

export function receipt(data: ReceiptData, copy: 'merchant' | 'customer'): string {
  const lines = [
    '='.repeat(width),
    line(`MERCHANT ${data.merchantId}`),
    line(`TERMINAL ${data.terminalId}`, `BATCH ${String(data.batch).padStart(6, '0')}`),
    line(data.at.toISOString().slice(0, 19).replace('T', ' '), `TRACE ${data.stan}`),
    '-'.repeat(width),
    line(data.kind.toUpperCase(), data.state.toUpperCase()),
  ];
  if (data.maskedPan) lines.push(line('CARD', data.maskedPan));
  if (data.scheme) lines.push(line('SCHEME', data.scheme.toUpperCase()));
  lines.push(line('ENTRY', entryModes[data.entryMode.slice(0, 2)] ?? data.entryMode));
  if (data.label) lines.push(line('APP', data.label));
  if (data.aid) lines.push(line('AID', data.aid));
  if (data.tvr) lines.push(line('TVR', data.tvr));
  if (data.tsi) lines.push(line('TSI', data.tsi));
  if (data.authCode) lines.push(line('AUTH CODE', data.authCode));
  if (data.rrn) lines.push(line('RRN', data.rrn));
  if (data.responseCode) lines.push(line('RESPONSE', data.responseCode));
  lines.push('-'.repeat(width), line('AMOUNT', money(data.amount, data.currency)));
  if (data.state !== 'approved' && data.reason) lines.push(...wrap(data.reason.toUpperCase()));
  if (data.pinVerified) lines.push('PIN VERIFIED ONLINE');
  lines.push('-'.repeat(width), copy === 'merchant' ? '*** MERCHANT COPY ***' : '*** CUSTOMER COPY ***', '='.repeat(width));
  return lines.join('\n');
}

export interface TenderTotals {
  salesCount: number;
  salesAmount: number;
  refundsCount: number;
  refundsAmount: number;
}

export function batchSlip(data: { merchantId: string; terminalId: string; batch: number; currency: string; at: Date; inBalance: boolean; uploaded: number; totals: Partial<Record<Tender, TenderTotals>> }): string {
  const lines = [
    '='.repeat(width),
    line(`MERCHANT ${data.merchantId}`),
    line(`TERMINAL ${data.terminalId}`, `BATCH ${String(data.batch).padStart(6, '0')}`),
    line(data.at.toISOString().slice(0, 19).replace('T', ' ')),
    line('SETTLEMENT', data.inBalance ? 'IN BALANCE' : 'OUT OF BALANCE'),
  ];
  for (const [tender, t] of Object.entries(data.totals) as Array<[Tender, TenderTotals]>) {
    lines.push('-'.repeat(width), tenderHeadings[tender]);
    lines.push(line(`SALES ${t.salesCount}`, money(t.salesAmount, data.currency)));
    lines.push(line(`REFUNDS ${t.refundsCount}`, money(t.refundsAmount, data.currency)));
  }
  if (!data.inBalance) lines.push('-'.repeat(width), line('UPLOADED', String(data.uploaded)));
  lines.push('='.repeat(width));
  return lines.join('\n');
}
