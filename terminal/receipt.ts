/**
 * Receipts as plain text, 32 columns (a 58 mm printer): merchant and customer copies with the
 * masked PAN, AID, application label, TVR, TSI, authorization code, RRN and entry mode; and the
 * batch totals slip. Nothing here ever sees more than a masked PAN.
 */
import { additionalAmounts } from './balance.js';
import { messages } from './checkout/public/i18n.js';
import type { TxnRow } from './journal.js';
import type { Cvm } from './kernel/kernel.js';
import type { Tender } from './tender.js';

/** What a slip prints: the journal row's fields, plus who printed it, when, and how the cardholder was verified. */
export type ReceiptData = Pick<
  TxnRow,
  'amount' | 'currency' | 'stan' | 'batch' | 'entryMode' | 'maskedPan' | 'scheme' | 'aid' | 'label' | 'tvr' | 'tsi' | 'authCode' | 'rrn' | 'responseCode' | 'reason' | 'reasonCode' | 'balance'
> & {
  merchantId: string;
  terminalId: string;
  kind: string;
  /** The outcome as the terminal reports it, which may differ from the row's state. */
  state: string;
  at: Date;
  /** The host approved a request that carried a PIN block: only then was the PIN verified (a 55 or 75 says it was not). */
  pinVerified?: boolean;
  /** The cardholder verification the request shows (`cvmOf`); unknown prints as a signature. */
  cvm?: Cvm;
  /** Printed above the merchant ID when known (any script: it is wrapped by printer columns). */
  merchantName?: string;
  /** A refund's, void's or completion's original (its journal row): its trace, RRN, auth code and date are printed to find it by. */
  original?: Pick<TxnRow, 'stan' | 'rrn' | 'authCode' | 'createdAt'>;
};

/** The cardholder verification method used (the kernel's, see there): what decides the signature line. */
export type { Cvm };

/**
 * The CVM a journaled request (path → value) shows: DE55 9F34 (CVM Results, EMV Book 4 Annex A4),
 * byte 1 bits 1-6 the method: 02 online PIN, 1E signature, 1F no CVM required, 3F with result 01
 * (byte 3) cardholder verification failed. A 1F whose TVR (DE55 95) byte 3 bit 8 says cardholder
 * verification failed (journaled before the kernel reported signature over the CVM-required limit
 * without a PIN pad) was no 'no CVM required': undefined, so the slip takes a signature. Without
 * 9F34 (a swipe, a refund, a void) an online PIN when DE26 (PIN capture code, sent with a PIN block
 * and only with it) was sent.
 */
export function cvmOf(request: Record<string, string>): Cvm | undefined {
  const results = request['55.9F34'];
  const method = results && /^[0-9A-F]{6}$/i.test(results) ? parseInt(results.slice(0, 2), 16) & 0x3f : undefined;
  if (method === 0x02 || request['26'] !== undefined) return 'online-pin';
  if (method === 0x1e) return 'signature';
  if (method === 0x3f && results!.slice(4) === '01') return 'cvm-failed';
  const verificationFailed = (parseInt(request['55.95']?.slice(4, 6) ?? '', 16) & 0x80) !== 0;
  if (method === 0x1f && !verificationFailed) return 'no-cvm';
  return undefined;
}

const width = 32;

export type ReceiptLanguage = 'en' | 'zh-CN';

const words = {
  en: {
    merchant: 'MERCHANT', terminal: 'TERMINAL', batch: 'BATCH', trace: 'TRACE', numbered: (label: string, value: string) => `${label} ${value}`, card: 'CARD', scheme: 'SCHEME', entry: 'ENTRY', app: 'APP',
    auth: 'AUTH CODE', rrn: 'RRN', response: 'RESPONSE', amount: 'AMOUNT', pin: 'PIN VERIFIED ONLINE', noCvm: 'NO CVM REQUIRED',
    original: { stan: 'ORIG TRACE', rrn: 'ORIG RRN', authCode: 'ORIG AUTH CODE', date: 'ORIG DATE' },
    // The UnionPay slip's 持卡人签名 and its agreement (本人确认以上交易，同意将其记入本卡账户), in English.
    signature: 'CARDHOLDER SIGNATURE', agreement: 'I CONFIRM THE TRANSACTION ABOVE AND AGREE TO ITS POSTING TO MY CARD ACCOUNT',
    declinedCode: (code: string) => `declined (response code ${code})`,
    // AVAIL: 'AVAILABLE BALANCE CNY 1,000,000.00' (the demo cards' balance) needs 34 columns.
    balances: { '02': 'AVAIL BALANCE', '01': 'LEDGER BALANCE' } as Record<string, string>,
    merchantCopy: '*** MERCHANT COPY ***', customerCopy: '*** CUSTOMER COPY ***', reprint: '*** REPRINT ***',
    entryModes: { '07': 'CONTACTLESS', '02': 'SWIPED', '90': 'SWIPED (FALLBACK)', '03': 'SCANNED CODE', '01': 'KEYED' } as Record<string, string>,
    kinds: {} as Record<string, string>,
    states: {} as Record<string, string>,
    settlement: 'SETTLEMENT', inBalance: 'IN BALANCE', outOfBalance: 'OUT OF BALANCE', sales: 'SALES', refunds: 'REFUNDS', uploaded: 'UPLOADED',
    total: 'TOTAL', net: 'NET',
    tenders: { card: 'CONTACTLESS', magstripe: 'SWIPED', code: 'PAYMENT CODE' } as Record<Tender, string>,
  },
  'zh-CN': {
    merchant: '商户编号', terminal: '终端编号', batch: '批次号', trace: '凭证号',
    // Digits follow a Han label without a space (as on UnionPay slips): with one, the 19-column date
    // and 凭证号 000001 need 33 columns and the trace would always take a line of its own.
    numbered: (label: string, value: string) => `${label}${value}`, card: '卡号', scheme: '卡组织', entry: '输入方式', app: '应用',
    auth: '授权码', rrn: '参考号', response: '应答码', amount: '金额', pin: '密码已联机验证',
    // UnionPay QuickPass under the CVM limit: 小额免密免签 (no PIN, no signature).
    noCvm: '免密免签',
    original: { stan: '原凭证号', rrn: '原参考号', authCode: '原授权码', date: '原交易日期' },
    signature: '持卡人签名', agreement: '本人确认以上交易，同意将其记入本卡账户',
    declinedCode: (code: string) => `交易拒绝（应答码${code}）`,
    balances: { '02': '可用余额', '01': '账面余额' } as Record<string, string>,
    merchantCopy: '*** 商户存根 ***', customerCopy: '*** 持卡人存根 ***', reprint: '*** 重打印凭证 ***',
    entryModes: { '07': '挥卡', '02': '刷卡', '90': '刷卡（芯片降级）', '03': '扫码', '01': '手输' } as Record<string, string>,
    kinds: { sale: '消费', refund: '退货', void: '撤销', preauth: '预授权', completion: '预授权完成', balance: '查余额' } as Record<string, string>,
    states: { approved: '交易成功', declined: '交易拒绝', failed: '交易未完成', reversed: '已冲正', reversing: '冲正中', cancelled: '已取消' } as Record<string, string>,
    settlement: '结算', inBalance: '对账平', outOfBalance: '对账不平', sales: '消费笔数', refunds: '退货笔数', uploaded: '上送笔数',
    total: '合计', net: '净额',
    tenders: { card: '挥卡', magstripe: '刷卡', code: '付款码' } as Record<Tender, string>,
  },
};
const currencies: Record<string, string> = { '156': 'CNY', '840': 'USD', '978': 'EUR', '826': 'GBP' };

/**
 * Printer columns of one code point: 2 for East Asian Wide and Fullwidth characters (CJK ideographs,
 * kana, Hangul, CJK and fullwidth punctuation), 0 for combining marks, format characters (ZWJ),
 * variation selectors and emoji skin-tone modifiers (they change the character before them), else 1.
 * Ranges from Unicode's EastAsianWidth.txt (W and F), the blocks a receipt can meet.
 */
function charColumns(code: number): number {
  if (code < 0x1100) return code >= 0x300 && code <= 0x36f ? 0 : 1;
  if (code >= 0x1f3fb && code <= 0x1f3ff) return 0; // Fitzpatrick modifiers, inside the pictographs' range below
  if (
    (code >= 0x1100 && code <= 0x115f) || // Hangul Jamo leading consonants
    (code >= 0x2e80 && code <= 0x303e) || // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
    (code >= 0x3041 && code <= 0x33ff) || // kana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, enclosed and compatibility
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xa000 && code <= 0xa4cf) || // Yi
    (code >= 0xa960 && code <= 0xa97f) || // Hangul Jamo extended A
    (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xfe10 && code <= 0xfe19) || // vertical forms
    (code >= 0xfe30 && code <= 0xfe6f) || // CJK compatibility forms, small form variants
    (code >= 0xff00 && code <= 0xff60) || // fullwidth ASCII and punctuation
    (code >= 0xffe0 && code <= 0xffe6) || // fullwidth signs (￥, ￡)
    (code >= 0x1f300 && code <= 0x1f64f) || // pictographs and emoticons
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd) // CJK extensions B and beyond
  )
    return 2;
  if ((code >= 0x200b && code <= 0x200f) || (code >= 0xfe00 && code <= 0xfe0f) || (code >= 0x1ab0 && code <= 0x1aff) || (code >= 0x20d0 && code <= 0x20ff)) return 0;
  return 1;
}

/** How many printer columns `text` takes (a CJK character takes two). */
export function displayWidth(text: string): number {
  let total = 0;
  for (const char of text) total += charColumns(char.codePointAt(0)!);
  return total;
}

const padEnd = (text: string, columns: number) => text + ' '.repeat(Math.max(0, columns - displayWidth(text)));
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const padStart = (text: string, columns: number) => ' '.repeat(Math.max(0, columns - displayWidth(text))) + text;

/**
 * An amount in minor units as printed: thousands grouped by commas (50,045.66: 50045.66 is easily misread).
 * DE4's largest, 9,999,999,999.99, with a sign and the currency is 21 columns: beside any label here it fits 32.
 */
function money(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const major = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+$)/g, ',');
  return `${currencies[currency] ?? currency} ${sign}${major}.${String(abs % 100).padStart(2, '0')}`;
}

/** `left` and `right` flush to both edges with at least one space between, else wrapped; a line with no right has no trailing spaces. */
function line(left: string, right = ''): string {
  if (!right) return wrap(left).join('\n');
  const room = width - displayWidth(right);
  if (displayWidth(left) < room) return padEnd(left, room) + right;
  return [...wrap(left), ...(right ? wrap(right).map((part) => padStart(part, width)) : [])].join('\n');
}

/**
 * Text cut into lines of at most `width` printer columns, at spaces where it can; a word wider than
 * a line (or a run of CJK text, which has no spaces) is split between characters, never inside one
 * (a base and its combining marks, skin tone or ZWJ sequence stay together: grapheme clusters, UAX #29).
 */
export function wrap(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && displayWidth(current) + 1 + displayWidth(word) <= width) {
      current += ` ${word}`;
      continue;
    }
    if (current) lines.push(current);
    current = '';
    for (const { segment: char } of graphemes.segment(word)) {
      if (displayWidth(current) + displayWidth(char) > width) {
        lines.push(current);
        current = '';
      }
      current += char;
    }
  }
  if (current) lines.push(current);
  return lines;
}

/** The top of every slip: merchant name, IDs, batch, and the date with `dateRight` (the trace) beside it. */
function header(
  w: (typeof words)[ReceiptLanguage],
  data: { merchantName?: string; merchantId: string; terminalId: string; batch: number; at: Date },
  dateRight = '',
): string[] {
  const lines = ['='.repeat(width)];
  if (data.merchantName) lines.push(...wrap(data.merchantName));
  lines.push(
    line(`${w.merchant} ${data.merchantId}`),
    line(`${w.terminal} ${data.terminalId}`, w.numbered(w.batch, String(data.batch).padStart(6, '0'))),
    line(data.at.toISOString().slice(0, 19).replace('T', ' '), dateRight),
  );
  return lines;
}

/**
 * One copy of a transaction's slip, in English or Chinese. `reprint` marks a slip printed again
 * from the history: otherwise the same lines as the one printed at the time.
 */
export function receipt(data: ReceiptData, copy: 'merchant' | 'customer', options: { language?: ReceiptLanguage; reprint?: boolean } = {}): string {
  const w = words[options.language ?? 'en'];
  const lines = header(w, data, w.numbered(w.trace, data.stan));
  lines.push(
    '-'.repeat(width),
    line(w.kinds[data.kind] ?? data.kind.toUpperCase(), w.states[data.state] ?? data.state.toUpperCase()),
  );
  if (data.maskedPan) lines.push(line(w.card, data.maskedPan));
  if (data.scheme) lines.push(line(w.scheme, data.scheme.toUpperCase()));
  lines.push(line(w.entry, w.entryModes[data.entryMode.slice(0, 2)] ?? data.entryMode));
  if (data.label) lines.push(line(w.app, data.label));
  if (data.aid) lines.push(line('AID', data.aid));
  if (data.tvr) lines.push(line('TVR', data.tvr));
  if (data.tsi) lines.push(line('TSI', data.tsi));
  // The auth code and the response code print only as the outcome: an approval's 00 and code, or a
  // decline's code. A reversed sale's host said 00 before the terminal undid it (no answer in time,
  // the card rejected the ARPC): printed under REVERSED they read as approved. Its RRN stays, the
  // host's reference for an inquiry; the reason line below says what ended it.
  if (data.authCode && data.state === 'approved') lines.push(line(w.auth, data.authCode));
  if (data.rrn) lines.push(line(w.rrn, data.rrn));
  if (data.responseCode && (data.state === 'approved' || data.state === 'declined')) lines.push(line(w.response, data.responseCode));
  if (data.original) {
    const { stan, rrn, authCode, createdAt } = data.original;
    lines.push(line(w.original.stan, stan));
    if (rrn) lines.push(line(w.original.rrn, rrn));
    if (authCode) lines.push(line(w.original.authCode, authCode));
    lines.push(line(w.original.date, createdAt.slice(0, 10)));
  }
  // A refund or a void gives money back: printed as a credit (CNY -24.56), as UnionPay slips print 退货 and 撤销.
  const credit = data.kind === 'refund' || data.kind === 'void';
  lines.push('-'.repeat(width), line(w.amount, money(credit ? -data.amount : data.amount, data.currency)));
  // The cardholder's balance is theirs: on the customer copy only.
  if (copy === 'customer' && data.state === 'approved' && data.balance) lines.push(...balanceLines(w, data.balance));
  if (data.state !== 'approved' && data.reason) lines.push(...wrap(reasonText(options.language ?? 'en', data)));
  // Money moved by a card: not a scanned code (entry mode 03: no card), not a balance inquiry.
  const byCard = data.state === 'approved' && data.kind !== 'balance' && !data.entryMode.startsWith('03');
  const noCvm = byCard && !credit && data.cvm === 'no-cvm';
  if (data.pinVerified) lines.push(w.pin);
  else if (noCvm) lines.push(w.noCvm);
  // The merchant keeps the cardholder's signed copy unless the PIN verified them or no CVM was required
  // (a tap under the CVM-required limit). A refund or void is always signed: money goes back to the card,
  // and acquirers want the cardholder's signature for it (its request carries no CVM anyway).
  if (copy === 'merchant' && byCard && !data.pinVerified && !noCvm)
    lines.push('-'.repeat(width), w.signature, '', '', '_'.repeat(width), ...wrap(w.agreement));
  lines.push('-'.repeat(width), copy === 'merchant' ? w.merchantCopy : w.customerCopy);
  if (options.reprint) lines.push(w.reprint);
  lines.push('='.repeat(width));
  return lines.join('\n');
}

/**
 * An approved balance inquiry's DE54: available (02), then ledger (01) balance, each in its own
 * currency (DE54's, which need not be the terminal's); other amount types are not balances.
 */
function balanceLines(w: (typeof words)[ReceiptLanguage], de54: string): string[] {
  const amounts = additionalAmounts(de54) ?? [];
  return ['02', '01'].flatMap((type) => amounts.filter((a) => a.amountType === type).map((a) => line(w.balances[type]!, money(a.amount, a.currency))));
}

/**
 * Why a transaction was not approved, in the words the checkout page shows (public/i18n.js, typed by
 * its i18n.d.ts: one source for page and slip): the host's response code (`rc.*`), else the
 * terminal's reason code (`reason.*`: a reversal after no answer or a rejected ARPC, a card decline),
 * else the terminal's own English sentence (nothing better is known). English is upper-cased like
 * the rest of its slip. Before, the English slip printed the terminal's diagnostics ("… 0200 STAN 000029
 * WITHIN 30000 MS"), which are for the log, not the customer.
 */
function reasonText(language: ReceiptLanguage, data: Pick<ReceiptData, 'responseCode' | 'reasonCode' | 'reason'>): string {
  const page = messages[language];
  const code = data.responseCode;
  const text = code && code !== '00' ? (page[`rc.${code}`] ?? words[language].declinedCode(code)) : data.reasonCode && page[`reason.${data.reasonCode}`];
  if (!text) return (data.reason ?? '').toUpperCase(); // the terminal's English sentence
  return language === 'en' ? text.toUpperCase() : text;
}

export interface TenderTotals {
  salesCount: number;
  salesAmount: number;
  refundsCount: number;
  refundsAmount: number;
}

export function batchSlip(
  data: { merchantName?: string; merchantId: string; terminalId: string; batch: number; currency: string; at: Date; inBalance: boolean; uploaded: number; totals: Partial<Record<Tender, TenderTotals>> },
  options: { language?: ReceiptLanguage } = {},
): string {
  const w = words[options.language ?? 'en'];
  const lines = header(w, data);
  lines.push(
    line(w.settlement, data.inBalance ? w.inBalance : w.outOfBalance),
  );
  const sum: TenderTotals = { salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 };
  const counts = (t: TenderTotals) => [
    line(`${w.sales} ${t.salesCount}`, money(t.salesAmount, data.currency)),
    line(`${w.refunds} ${t.refundsCount}`, money(t.refundsAmount, data.currency)),
  ];
  for (const [tender, t] of Object.entries(data.totals) as Array<[Tender, TenderTotals]>) {
    lines.push('-'.repeat(width), w.tenders[tender], ...counts(t));
    for (const key of Object.keys(sum) as Array<keyof TenderTotals>) sum[key] += t[key];
  }
  // The grand total over every tender, and the net the 0500's DE97 settles (sales less refunds).
  lines.push('-'.repeat(width), w.total, ...counts(sum), line(w.net, money(sum.salesAmount - sum.refundsAmount, data.currency)));
  if (!data.inBalance) lines.push('-'.repeat(width), line(w.uploaded, String(data.uploaded)));
  lines.push('='.repeat(width));
  return lines.join('\n');
}
