/**
 * How the switch processes one request: small named steps over a typed context, in the order they
 * run. A decision step may settle the answer (`decline`), which skips the remaining decision steps;
 * `respond` and `journal` always run. The host then packs the answer, MACs it and writes it —
 * only after `journal` resolved, so nothing is answered that is not on disk.
 *
 *   decode → validate → mac → route → card → pin → risk → issuer → respond → journal
 *
 * `route` runs before `pin` because the PIN is checked against the card's PVV, which the routing
 * step finds; `card` (status, expiry) before `pin` and `risk`, so a lost or expired card is answered
 * as such — never 55 with a PIN try counted, nor 57 for its currency. Exactly-once is the
 * journal's: a repeat of a request key gets the stored answer and none of its effects (see switch/store).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DecodeError } from '../protocols/errors.js';
import { IsoMessage, responseMti, type FieldMap, type MessageSpec } from '../protocols/iso8583/index.js';
import { maskPan, maskPansIn } from '../protocols/mask.js';
import { arpcMethodOf, cryptogramDataElements, type TestCardProfile } from '../protocols/testcards.js';
import { encodeKeyExchange, isValidAesKsn, isValidTdesKsn } from '../protocols/crypto/index.js';
import type { CryptogramCheck, Hsm, KeyAlgorithm, PinKey } from './hsm/hsm.js';
import { luhnValid } from '../protocols/luhn.js';
import { cardAccount, cardResponse, forcedByCents, isWallet, routeBin, untrackedBalance, walletAccount, walletBalance, wallets, type IssuerCard, type Wallet } from './issuer/cards.js';
import { monthOf, requestExpiry, storedMonths } from './issuer/expiry.js';
import { paymentCodeRefusal } from './issuer/payment-codes.js';
import { accountCurrency, transactionCurrencies } from './issuer/currencies.js';
import type { AnswerFields, CommitResult, Effect, JournalEntry, JournalRow, KsnUse, NewRow, Store, TxKind } from './store/index.js';
import { dropCurrentKeys, dropPair, holdKeys, installKeys, keyIds, type KeyedTerminal } from './working-keys.js';

/** One signed-on (or known) terminal, in memory: keys live in the HSM under these ids (switch/working-keys.ts). */
export interface TerminalState extends KeyedTerminal {
  id: string;
  merchantId: string;
  tmkId: string;
  /** Its working keys are `tpk:`/`tak:` + this + `:` + their sign-on's number: the ID of a configured terminal; for an enrolled one, numbered per state (switch/terminals.ts). */
  keyBase: string;
}

/** What every request's steps share: the switch's parts. */
export interface SwitchParts {
  spec: MessageSpec;
  store: Store;
  hsm: Hsm;
  log: Logger;
  /** A terminal already in memory comes back as itself, not a promise (no microtask hop per request). */
  terminal(id: string): TerminalState | undefined | Promise<TerminalState | undefined>;
  /** The host calls it once per request that got a terminal, when its answer is packed (or it ended without one), with the keys it held. */
  release(terminal: TerminalState | undefined, keyGeneration: number | undefined): void;
  cards: ReadonlyMap<string, IssuerCard & { pvv: string }>;
  bdkId: string;
  pvkId: string;
  /** From the reserved block when it has one left (synchronously); a promise only while a block is being reserved. */
  nextRrn(): string | Promise<string>;
  ensureAccount(id: string, balance: number): Promise<void>;
}

export type Outcome = 'answer' | 'drop' | 'late';

export interface Context {
  readonly parts: SwitchParts;
  readonly raw: Buffer;
  readonly request: IsoMessage;
  readonly log: Logger;
  mti: string;
  kind: TxKind | 'network' | 'unknown';
  terminal?: TerminalState;
  /**
   * The working keys the request's MAC verified under (the terminal's at that moment): its PIN block
   * is read and its answer MAC'd under them, whatever a sign-on, key exchange or sign-off does to the
   * terminal meanwhile. No TAK here: the request's MAC was never verified, so its answer carries none.
   */
  takId?: string;
  tpkId?: string;
  /** The number of that pair, held by this request until its answer is packed (SwitchParts.release). */
  keyGeneration?: number;
  terminalId: string;
  stan: string;
  transmitted: string;
  amount: number;
  pan?: string;
  /** DE48 WS when it names a known wallet, else `unknown`: the subfield is free text (a PAN too), so its value is never logged or journaled. */
  wallet?: Wallet | 'unknown';
  issuer?: string;
  card?: IssuerCard & { pvv: string };
  account?: string;
  original?: JournalRow;
  /** Money this request takes from its account (negative: credits), and the journal effects that do it. */
  debit: number;
  effects: Effect[];
  /** Set once decided; the remaining decision steps are skipped. */
  responseCode?: string;
  reason?: string;
  answer: AnswerFields;
  /** DE96 of a sign-on answer. */
  keyExchange?: Buffer;
  arqc?: Omit<CryptogramCheck, 'data'>;
  /** The PIN check's result for the card account: the journal counts the try (for a new request not refused 63). */
  pinChecked?: { account: string; ok: boolean };
  /** The DUKPT PIN pad and counter of DE53, recorded (or refused, 63) by the journal step. */
  ksn?: KsnUse;
  outcome: Outcome;
  /** Authenticated requests of a journaled kind are journaled; format and MAC failures are not. */
  journaled: boolean;
  row?: JournalRow;
}

/** A step decided from memory returns nothing; only one that waits (HSM, journal, a load) returns a promise. */
export type Step = (ctx: Context) => void | Promise<void>;

function decline(ctx: Context, responseCode: string, reason: string): void {
  ctx.responseCode = responseCode;
  ctx.reason = reason;
}

const macMtis = new Set(['0100', '0101', '0200', '0201', '0220', '0221', '0320', '0400', '0420', '0421', '0500']);
/**
 * A repeat (ISO 8583:1987 MTI position 4 = 1: 0101, 0201, 0221, 0421, the sender's retransmission of
 * its request or advice) is that message: same checks, same request key class, same answer MTI.
 */
const repeats = new Set(['0101', '0201', '0221', '0421']);
const firstOf = (mti: string) => (repeats.has(mti) ? `${mti.slice(0, 3)}0` : mti);
const str = (ctx: Context, path: string) => ctx.request.getString(path);

// ───────────────────────────────────────────── decode ──
/** Bytes → message. A frame that does not decode is not answered: the host closes that connection. */
export function decode(parts: SwitchParts, raw: Buffer, log: Logger): Context {
  const request = IsoMessage.unpack(parts.spec, raw);
  // An odd function digit (0810, 0210, 0430) is an answer or acknowledgement: nothing a host answers.
  if (Number(request.mti[2]) % 2 === 1) throw new DecodeError('ISO 8583 MTI', '', parts.spec.headerLength ?? 0, `${request.mti} is a response, not a request`);
  unechoable(request, raw, parts.spec);
  return {
    parts, raw, request, log, mti: request.mti, kind: 'unknown', takId: undefined, tpkId: undefined, keyGeneration: undefined, terminalId: '', stan: '', transmitted: '', amount: 0,
    debit: 0, effects: [], answer: {}, outcome: 'answer', journaled: false,
  };
}

/**
 * A field the answer echoes must pack again: the codec reads any byte of a text field (a decoder meets
 * Latin-1 in real messages) but writes ASCII only, so a request with a byte above 0x7F in, say, DE42
 * was journaled, its money moved, and then its answer could not be packed. Such a request is
 * undecodable for the switch: its connection closes before anything is processed.
 */
function unechoable(request: IsoMessage, raw: Buffer, spec: MessageSpec): void {
  for (const path of echoedText(spec)) {
    const value = request.get(path);
    if (typeof value === 'string') {
      if (nonAscii.test(value)) throw notEchoable(path, value, raw);
    } else if (value !== undefined && !Buffer.isBuffer(value)) {
      for (const [leaf, text] of textLeaves(path, value)) if (nonAscii.test(text)) throw notEchoable(leaf, text, raw);
    }
  }
}

/** Where the field's text sits in the frame (its bytes as sent: ASCII fields decode byte for character). */
function notEchoable(path: string, text: string, raw: Buffer): DecodeError {
  const offset = Math.max(raw.indexOf(Buffer.from(text, 'latin1')), 0) + text.search(nonAscii);
  return new DecodeError('ISO 8583 field', path, offset, 'holds a byte above 0x7F: the answer could not echo it');
}

const nonAscii = /[^\x00-\x7f]/;
const echoedTextBySpec = new WeakMap<MessageSpec, string[]>();

/** The echoed fields of a spec that can hold such a byte: ASCII `ans` text, and composites (their text subfields); digits cannot. */
function echoedText(spec: MessageSpec): string[] {
  let paths = echoedTextBySpec.get(spec);
  if (!paths) {
    paths = echoedFields
      .filter((id) => {
        const field = spec.fields[id];
        return field !== undefined && (field.subfields !== undefined || (field.type === 'ans' && field.encoding === 'ascii'));
      })
      .map(String);
    echoedTextBySpec.set(spec, paths);
  }
  return paths;
}

function textLeaves(path: string, map: FieldMap): Array<readonly [string, string]> {
  const leaves: Array<readonly [string, string]> = [];
  for (const key in map) {
    const value = map[key]!;
    if (typeof value === 'string') leaves.push([`${path}.${key}`, value]);
    else if (!Buffer.isBuffer(value)) leaves.push(...textLeaves(`${path}.${key}`, value));
  }
  return leaves;
}

// ───────────────────────────────────────────── identify ──
/** The terminal (DE41) and the kind of request: what the MAC step needs. Unknown terminal: 03. */
const identify: Step = (ctx) => {
  ctx.terminalId = str(ctx, '41') ?? '';
  ctx.stan = str(ctx, '11') ?? '';
  ctx.transmitted = str(ctx, '7') ?? '';
  const terminal = ctx.parts.terminal(ctx.terminalId);
  return terminal instanceof Promise ? terminal.then((loaded) => identified(ctx, loaded)) : identified(ctx, terminal);
};

function identified(ctx: Context, terminal: TerminalState | undefined): void {
  if (!terminal) return decline(ctx, '03', `unknown terminal ${ctx.terminalId}`);
  ctx.terminal = terminal;
  ctx.kind = kindOf(ctx);
}

// ───────────────────────────────────────────── validate ──
/**
 * Presence, text and the kind of request, after the MAC: a request of a MAC'd class is looked at only
 * once authenticated, so no answer MAC'd under the terminal's TAK ever echoes fields nobody authenticated.
 */
const validate: Step = (ctx) => {
  const { request, terminal } = ctx;
  // unpack() already checked every value against the spec; what is left is presence. A balance inquiry has no amount.
  const missing = (ctx.parts.spec.required?.[firstOf(ctx.mti)] ?? []).filter((id) => !request.has(String(id)) && !(id === 4 && ctx.kind === 'balance'));
  if (missing.length) return decline(ctx, '30', `format: field ${missing.join(', ')} missing for ${ctx.mti}`);
  // Text the journal stores or queries by: a control character (a NUL fails PostgreSQL's TEXT) is a format error, never a journal failure.
  const control = textFields.find((path) => /[\u0000-\u001f\u007f]/.test(str(ctx, path) ?? ''));
  if (control) return decline(ctx, '30', `format: control character in field ${control}`);
  if (ctx.kind === 'unknown') return decline(ctx, '12', `no such transaction: MTI ${ctx.mti} processing code ${str(ctx, '3') ?? '-'}`);
  const merchant = str(ctx, '42');
  if (merchant !== undefined && terminal!.merchantId && merchant !== terminal!.merchantId) return decline(ctx, '03', `merchant ${shown(merchant)} is not the terminal's`);
  const amount = str(ctx, '4');
  ctx.amount = amount === undefined ? 0 : Number(amount);
  const track = str(ctx, '35');
  // A track 2 without its separator: the whole of it is no PAN (its last digits would be the discretionary data's).
  const trackPan = track === undefined ? undefined : /^(\d{12,19})[=D]/.exec(track)?.[1];
  if (track !== undefined && !trackPan) return decline(ctx, '30', 'format: field 35 is no track 2 (a PAN of 12 to 19 digits, then = or D)');
  const pan = str(ctx, '2') ?? trackPan;
  if (pan) ctx.pan = pan;
  const wallet = str(ctx, '48.WS');
  if (wallet) ctx.wallet = isWallet(wallet) ? wallet : 'unknown';
  ctx.journaled = ctx.kind !== 'network';
};

/**
 * Terminal-chosen text (DE42) for a log reason: quoted, with any PAN-like digit run masked, when it is
 * short printable ASCII (DE42's 15 characters at most); else only its length.
 */
const shown = (text: string) => (/^[\x20-\x7e]{1,15}$/.test(text) ? JSON.stringify(maskPansIn(text)) : `(${text.length} characters)`);

const textFields = ['2', '3', '7', '11', '22', '23', '35', '42', '49', '48.WS', '48.QR', '48.OR', '61.1', '61.2', '61.3', '90'];

function kindOf(ctx: Context): Context['kind'] {
  const code = str(ctx, '3')?.slice(0, 2);
  const preauth = str(ctx, '25') === '06';
  // An authorization, pre-authorization, completion or advice takes money: goods and services (00) only;
  // another processing code (a refund's 20 with a refund cryptogram, 9C 20) is not one of them (12).
  const purchase = code === undefined || code === '00';
  switch (firstOf(ctx.mti)) {
    case '0100':
      return !purchase ? 'unknown' : preauth ? 'preauthorization' : 'authorization';
    case '0200':
      return code === '00' ? 'sale' : code === '20' ? 'refund' : code === '02' ? 'void' : code === '31' ? 'balance' : 'unknown';
    case '0220':
      // A 0220 naming its original captures that authorization or pre-authorization (the dual-message
      // capture); one naming none books an offline approval.
      return !purchase ? 'unknown' : preauth || namesOriginal(ctx) ? 'completion' : 'advice';
    case '0320':
      return 'upload';
    case '0400':
    case '0420':
      return 'reversal';
    case '0500':
      return 'settlement';
    case '0800':
      return 'network';
    default:
      return 'unknown';
  }
}

const namesOriginal = (ctx: Context) => ctx.request.has('90') || ctx.request.has('48.OR') || ctx.request.has('61.2');

// ───────────────────────────────────────────── mac ──
/**
 * Requests of the MAC'd classes must carry a valid DE64/DE128 under the terminal's TAK; else A0. The
 * keys are taken as the request arrives at this step and kept on it (see Context.takId).
 */
const mac: Step = async (ctx) => {
  if (!macMtis.has(ctx.mti)) return;
  const field = ctx.request.has('128') ? '128' : ctx.request.has('64') ? '64' : undefined;
  const { takId, tpkId } = ctx.terminal!;
  if (!field) return decline(ctx, 'A0', 'no MAC');
  if (!takId) return decline(ctx, 'A0', 'terminal not signed on (no TAK)');
  // Held before the HSM is awaited: a sign-on meanwhile must not take these keys out of it.
  ctx.keyGeneration = holdKeys(ctx.terminal!);
  const headerLength = ctx.parts.spec.headerLength ?? 0;
  const data = ctx.raw.subarray(headerLength, ctx.raw.length - 8);
  if (!(await ctx.parts.hsm.verifyMac(takId, data, ctx.raw.subarray(ctx.raw.length - 8)))) return decline(ctx, 'A0', 'MAC does not verify');
  ctx.takId = takId;
  ctx.tpkId = tpkId;
};

// ───────────────────────────────────────────── route ──
/**
 * By wallet (DE48 WS, scanned codes without a PAN) or by BIN; then the issuer's card, if it has one.
 * A wallet payment needs its code (DE48 QR) in that wallet's format; a referenced refund goes back
 * to its original's account and carries none.
 */
const route: Step = (ctx) => {
  if (!routed.has(ctx.kind)) return;
  if (ctx.wallet) {
    if (ctx.wallet === 'unknown') return decline(ctx, '15', `no such wallet: DE48 WS (${str(ctx, '48.WS')!.length} characters) is none of ${wallets.join(', ')}`);
    const code = str(ctx, '48.QR');
    const refused = ctx.kind === 'refund' && refundReferenced(ctx) ? undefined : paymentCodeRefusal(ctx.wallet, code);
    if (refused) return decline(ctx, refused.responseCode, refused.reason);
    // The code is the card number of WeChat Pay, Alipay and UnionPay codes: one sent with a PAN as well
    // names two accounts. Only an EMVCo consumer-presented code carries the card's PAN, and routes by it.
    if (ctx.pan && ctx.wallet !== 'EMVCPM') return decline(ctx, '30', `format: a ${ctx.wallet} payment code with a card number (DE2 or DE35)`);
    if (!ctx.pan) {
      ctx.issuer = `wallet:${ctx.wallet}`;
      ctx.account = walletAccount(ctx.wallet, code ?? '');
      return ctx.parts.ensureAccount(ctx.account, walletBalance);
    }
  }
  if (!ctx.pan) return decline(ctx, '14', 'no PAN and no wallet');
  const issuer = routeBin(ctx.pan);
  if (!issuer) return decline(ctx, '15', `no issuer for BIN ${ctx.pan.slice(0, 6)}`);
  if (!luhnValid(ctx.pan)) return decline(ctx, '14', `PAN ${maskPan(ctx.pan)} fails the Luhn check`);
  ctx.issuer = issuer;
  const card = ctx.parts.cards.get(ctx.pan);
  if (card) {
    ctx.card = card;
    ctx.account = cardAccount(card.pan);
  }
};

const routed = new Set<Context['kind']>(['authorization', 'preauthorization', 'sale', 'refund', 'balance', 'advice']);

// ───────────────────────────────────────────── card ──
/**
 * Card status, then expiry, before the PIN and the amount are looked at: a lost, stolen, blocked or
 * expired card gets its own answer and no PIN try. The expiry the request gives (DE14, else DE35's)
 * must not be past — for any card — and, for a table card, must be the card's own (54 either way, as
 * for a card past its stored expiry). An advice is an offline approval already made: booked, never declined.
 */
const card: Step = (ctx) => {
  if (!routed.has(ctx.kind) || ctx.kind === 'advice') return;
  const now = new Date();
  const given = requestExpiry(str(ctx, '14'), str(ctx, '35'), now);
  if (given && 'malformed' in given) return decline(ctx, '30', `format: field ${given.field} carries no expiry YYMM (month 01–12)`);
  const stored = ctx.card;
  if (stored && stored.status !== 'active') return decline(ctx, cardResponse[stored.status], `card is ${stored.status}`);
  if (given && given.months < monthOf(now)) return decline(ctx, '54', `card expired (field ${given.field})`);
  if (stored && storedMonths(stored.expiry, now) < monthOf(now)) return decline(ctx, '54', `card expired ${stored.expiry}`);
  if (stored && given && given.yymm !== stored.expiry) return decline(ctx, '54', `expiry in field ${given.field} is not the card's`);
};

// ───────────────────────────────────────────── pin ──
/**
 * Online PIN (DE52) of the kinds that ask for one: under DUKPT when DE53 carries the KSN, else under
 * the terminal's TPK; checked against the card's PVV. A DUKPT block that deciphered (right PIN or
 * wrong) has used its counter: the journal records it, or refuses the request (63) when it is not
 * above the PIN pad's highest — there, after the request key's insert, so a repeat is answered from
 * the journal first and never refused.
 */
const pin: Step = (ctx) => {
  const block = ctx.request.getBuffer('52');
  if (!block || !pinKinds.has(ctx.kind) || !ctx.card || !ctx.pan) return;
  const de53 = ctx.request.getBuffer('53');
  if (!de53) {
    if (!ctx.tpkId) return decline(ctx, '55', 'PIN under a TPK but the terminal has not signed on');
    return verifyPin(ctx, block, { tpk: ctx.tpkId }, ctx.card, ctx.pan);
  }
  const { bdkId, hsm } = ctx.parts;
  const use = ksnUse(de53, hsm.keyInfo(bdkId)?.algorithm ?? 'tdes');
  if (!use) return decline(ctx, '30', 'format: DE53 is no KSN of the switch\'s DUKPT key (length, or a counter no key is derived for)');
  return verifyPin(ctx, block, { bdk: bdkId, ksn: de53 }, ctx.card, ctx.pan, use);
};

/**
 * The kinds whose PIN block is verified, and so whose DUKPT counter is used: one set for both, so no
 * kind can have a block checked without its counter. A reversal or an upload that copies its
 * original's DE52/53 is not another use; an advice (0220) reports an offline approval — its PIN, if
 * any, was checked offline by the card — so an online block in it is ignored, neither verified nor counted.
 */
const pinKinds = new Set<Context['kind']>(['authorization', 'preauthorization', 'sale', 'refund', 'balance']);

/**
 * The PIN pad (KSN with its counter bits zeroed: key set ID + device ID) and transaction counter of
 * a KSN the BDK derives a key for: TDES, 10 bytes, 21-bit counter with 1 to 10 one-bits (X9.24-1);
 * AES, 12 bytes, 32-bit counter with 1 to 16 (X9.24-3). Anything else names no key: undefined.
 */
function ksnUse(ksn: Buffer, algorithm: KeyAlgorithm): KsnUse | undefined {
  if (algorithm === 'tdes' ? !(ksn.length === 10 && isValidTdesKsn(ksn)) : !(ksn.length === 12 && isValidAesKsn(ksn))) return undefined;
  const device = Buffer.from(ksn);
  let counter: number;
  if (algorithm === 'tdes') {
    const low = ksn.readUIntBE(7, 3);
    counter = low & 0x1fffff;
    device.writeUIntBE(low & 0xe00000, 7, 3);
  } else {
    counter = ksn.readUInt32BE(8);
    device.writeUInt32BE(0, 8);
  }
  return { device: device.toString('hex').toUpperCase(), counter };
}

/**
 * A right or a wrong PIN is a try of the card's (the journal counts it) and uses the DUKPT counter.
 * A block that does not decipher to a well-formed block proves no key and no PIN: 55, but neither a try
 * nor a counter — else anyone could lock a card or a PIN pad with junk. A KSN the HSM derives no key
 * for (ksnUse lets none through; the HSM is the authority) is a format error, like one ksnUse refuses.
 */
async function verifyPin(ctx: Context, block: Buffer, key: PinKey, card: IssuerCard & { pvv: string }, pan: string, use?: KsnUse): Promise<void> {
  const { parts } = ctx;
  const result = await parts.hsm.verifyPin({ pan, format: 0, pinBlock: block, key, pvkId: parts.pvkId, pvki: 1, pvv: card.pvv });
  if (result === 'no-key') return decline(ctx, '30', 'format: DE53 is no KSN of the switch\'s DUKPT key');
  if (result === 'undecodable') return decline(ctx, '55', 'PIN block does not decipher to a well-formed block under its key');
  if (use) ctx.ksn = use;
  ctx.pinChecked = { account: ctx.account!, ok: result === 'right' };
  // The journal makes it 75 when this is the card's third wrong PIN in a row, or the card is blocked already.
  if (result === 'wrong') decline(ctx, '55', 'wrong PIN');
}

// ───────────────────────────────────────────── risk ──
/** Amount, currency and limits, then the forced outcomes by the amount's cents. */
const risk: Step = (ctx) => {
  const money = ['authorization', 'preauthorization', 'sale', 'refund', 'completion'].includes(ctx.kind);
  if (money && ctx.amount <= 0) return decline(ctx, '13', 'amount must be above zero');
  if (priced.has(ctx.kind)) {
    const currency = currencyOf(ctx);
    if (!transactionCurrencies.has(currency)) return decline(ctx, '30', `format: DE49 ${currency} is no ISO 4217 currency of a transaction`);
    // No conversion: an account's money moves in its own currency only. Not a balance inquiry (DE54 names
    // the account's currency), nor a referenced refund, void or completion (checked against their original).
    const own = accountCurrencyOf(ctx);
    if (own !== undefined && currency !== own && ctx.kind !== 'balance' && !(ctx.kind === 'refund' && refundReferenced(ctx)))
      return decline(ctx, '57', `DE49 ${currency} is not the currency of the account (${own})`);
  }
  if (ctx.card && ctx.kind !== 'advice' && money && ctx.amount > ctx.card.limit) return decline(ctx, '61', `amount above the card's limit of ${ctx.card.limit}`);
  if (!['authorization', 'preauthorization', 'sale', 'balance'].includes(ctx.kind)) return;
  const forced = forcedByCents[ctx.amount % 100];
  if (forced === 'drop') ctx.outcome = 'drop';
  else if (forced === 'late') ctx.outcome = 'late';
  else if (forced === '65' && ctx.request.has('52')) return;
  else if (forced) {
    // The tester's answer, not the card's: the right PIN it came with neither resets the wrong tries (a
    // forced 55 that cleared them would contradict itself) nor counts as one.
    ctx.pinChecked = undefined;
    decline(ctx, forced, `forced by amount cents .${String(ctx.amount % 100).padStart(2, '0')}`);
  }
};

/** The kinds whose DE49 prices them; an absent DE49 (optional on a 0220) is the journal's default, CNY. */
const priced = new Set<Context['kind']>(['authorization', 'preauthorization', 'sale', 'refund', 'void', 'completion', 'advice', 'balance']);
const currencyOf = (ctx: Context) => str(ctx, '49') ?? accountCurrency;
/** The currency of the account routing found: a table card's own, a wallet's CNY; none for cards outside the table. */
const accountCurrencyOf = (ctx: Context) => (ctx.card ? ctx.card.currency : ctx.issuer?.startsWith('wallet:') ? accountCurrency : undefined);
const priceRefusal = (ctx: Context, original: JournalRow) =>
  currencyOf(ctx) !== original.currency ? `DE49 ${currencyOf(ctx)} is not the original's currency ${original.currency}` : undefined;

// ───────────────────────────────────────────── issuer ──
/** The issuer's decision per kind, with the journal effects that carry it out. */
const issuer: Step = (ctx) => {
  switch (ctx.kind) {
    case 'network':
      return network(ctx);
    case 'authorization':
    case 'preauthorization':
    case 'sale':
      // Only a card with chip keys goes to the HSM (and reads its balance); any other is decided here, without a promise.
      if (ctx.card?.emv && ctx.pan) return authorizeChip(ctx, ctx.card.emv, ctx.pan);
      return approve(ctx, ctx.amount);
    case 'balance':
      return balanceInquiry(ctx);
    case 'advice':
      // An offline approval already happened at the terminal: book it, never decline.
      return approve(ctx, ctx.amount, false);
    case 'refund':
      return refund(ctx);
    case 'void':
      return voidSale(ctx);
    case 'completion':
      return completion(ctx);
    case 'reversal':
      return reversal(ctx);
    case 'upload':
      return upload(ctx);
    case 'settlement':
      return settlement(ctx);
  }
};

async function authorizeChip(ctx: Context, profile: TestCardProfile, pan: string): Promise<void> {
  if (!(await arqcVerifies(ctx, profile, pan))) return;
  if (!(await fundsAvailable(ctx))) return;
  approve(ctx, ctx.amount);
}

/**
 * A chip card's inquiry passes the authorization's ARQC checks first (bound to DE4 — zero or absent,
 * so 9F02 must be zero — and to 9C 31; the ATC effect refuses a replay; respond adds the ARPC), so a
 * balance is never disclosed on a cryptogram that does not verify. Nothing is debited.
 */
async function balanceInquiry(ctx: Context): Promise<void> {
  if (ctx.card?.emv && ctx.pan && !(await arqcVerifies(ctx, ctx.card.emv, ctx.pan))) return;
  // A card outside the table has no account: its balance is the untouched opening one, in the request's currency (it takes any).
  const balance = ctx.account ? await ctx.parts.store.balance(ctx.account) : untrackedBalance;
  if (balance !== undefined) ctx.answer['54'] = `0002${accountCurrencyOf(ctx) ?? currencyOf(ctx)}${balance < 0 ? 'D' : 'C'}${String(Math.abs(balance)).padStart(12, '0')}`;
  approve(ctx, 0);
}

function approve(ctx: Context, debit: number, check = true): void {
  ctx.responseCode = '00';
  ctx.debit = debit;
  if (debit !== 0 && ctx.account) ctx.effects.push({ type: 'debit', account: ctx.account, amount: debit, check });
}

/**
 * The journal's checked debit decides funds for every request, race-free, in the commit. Reading the
 * balance first is only for a chip card: its decline then carries an ARPC over ARC 51 (a refusal in
 * the journal comes too late for the HSM and is answered without one). Everything else skips the read.
 */
async function fundsAvailable(ctx: Context): Promise<boolean> {
  if (!ctx.account || !ctx.arqc) return true;
  const balance = await ctx.parts.store.balance(ctx.account);
  if (balance !== undefined && balance < ctx.amount) {
    decline(ctx, '51', 'insufficient funds');
    return false;
  }
  return true;
}

/** DE55 9F26 against the card's IMK through the HSM; the recipe of the card's profile tells the ARPC method. */
async function arqcVerifies(ctx: Context, profile: TestCardProfile, pan: string): Promise<boolean> {
  const arqc = ctx.request.getBuffer('55.9F26');
  // A chip read (05x contact, 07x contactless) of a card with keys must carry its cryptogram: no ARQC, no approval.
  // So must an EMVCo consumer-presented code (WS EMVCPM) naming such a card: its payload always carries one (EMV QRCPS).
  if (!arqc) {
    if (ctx.wallet === 'EMVCPM') return declined(ctx, '05', 'EMVCPM code of a chip card without an ARQC (DE55 9F26)');
    return /^0[57]/.test(str(ctx, '22') ?? '') ? declined(ctx, '05', 'chip read without an ARQC (DE55 9F26)') : true;
  }
  const tag = (name: string) => ctx.request.getBuffer(`55.${name}`);
  // The cryptogram covers 9F02 and 5F2A: they must be the amount and currency being authorized, or an ARQC for 1.00 approves 40,000.00.
  if (tag('9F02')?.toString('hex') !== String(ctx.amount).padStart(12, '0')) return declined(ctx, '05', 'ARQC amount (9F02) is not DE4');
  if (tag('5F2A')?.toString('hex') !== (str(ctx, '49') ?? '').padStart(4, '0')) return declined(ctx, '05', 'ARQC currency (5F2A) is not DE49');
  // 9C (EMV transaction type) is DE3's first two digits: a purchase's cryptogram does not ask for a balance, nor the reverse.
  if (tag('9C')?.toString('hex') !== str(ctx, '3')?.slice(0, 2)) return declined(ctx, '05', 'ARQC transaction type (9C) is not DE3');
  const parts: Buffer[] = [];
  for (const name of cryptogramDataElements) {
    const value = tag(name);
    if (!value) return declined(ctx, '05', `ARQC data lacks tag ${name}`);
    parts.push(value);
  }
  const iad = tag('9F10');
  const atc = tag('9F36');
  const un = tag('9F37');
  if (!iad || !atc || !un || atc.length !== 2) return declined(ctx, '05', 'ARQC data lacks 9F10, 9F36 (2 bytes) or 9F37');
  const { tail } = profile.recipe;
  parts.push(tail === 'whole-iad' ? iad : iad.subarray(tail.start, tail.end));
  const check: Omit<CryptogramCheck, 'data'> = {
    imkId: `imk:${profile.id}`, pan, psn: str(ctx, '23')?.slice(-2) ?? profile.psn, recipe: profile.recipe, atc, unpredictableNumber: un, arqc,
  };
  if (!(await ctx.parts.hsm.verifyArqc({ ...check, data: Buffer.concat(parts) }))) return declined(ctx, '05', 'ARQC does not verify');
  ctx.arqc = check;
  // First effect: a replayed cryptogram (ATC not above the card's highest) is refused before any money moves.
  ctx.effects.push({ type: 'atc', card: ctx.account ?? cardAccount(pan), atc: atc.readUInt16BE(0) });
  return true;
}

function declined(ctx: Context, responseCode: string, reason: string): false {
  decline(ctx, responseCode, reason);
  return false;
}

/**
 * The original of a void, refund or completion: DE48 OR (its RRN), else DE90 or DE61 (STAN and date) on
 * this terminal. By RRN (sequential, so guessable) another terminal's row is found only when this
 * terminal's configured merchant is the row's: never by the request's DE42, which an enrolled terminal
 * chooses. An enrolled terminal without a configured merchant finds its own rows only; any other is unknown (25).
 */
async function findOriginal(ctx: Context): Promise<JournalRow | undefined> {
  const rrn = str(ctx, '48.OR');
  if (rrn) {
    const row = await ctx.parts.store.byRrn(rrn);
    const merchant = ctx.terminal!.merchantId;
    return row && (row.terminalId === ctx.terminalId || (merchant !== '' && row.merchantId === merchant)) ? row : undefined;
  }
  const de90 = str(ctx, '90');
  if (de90) return ctx.parts.store.byKey(ctx.terminalId, de90.slice(4, 10), de90.slice(10, 20), de90.slice(0, 4));
  const stan = str(ctx, '61.2');
  return stan ? ctx.parts.store.byStan(ctx.terminalId, stan, str(ctx, '61.3')) : undefined;
}

/** What a referenced refund may count against: money taken from a card, not a refund (or anything else). */
const refundable = new Set<string>(['sale', 'completion', 'advice']);

const refundReferenced = (ctx: Context) => ctx.request.has('48.OR') || ctx.request.has('61');

async function refund(ctx: Context): Promise<void> {
  if (refundReferenced(ctx)) {
    const original = await findOriginal(ctx);
    if (!original || original.responseCode !== '00') return decline(ctx, '25', 'original of the refund not found');
    if (!refundable.has(original.kind)) return decline(ctx, '12', `a ${original.kind} cannot be refunded`);
    const priceRefused = priceRefusal(ctx, original);
    if (priceRefused) return decline(ctx, '12', priceRefused);
    ctx.original = original;
    // The money goes back where it came from, whatever card the refund request names.
    ctx.account = original.account ?? undefined;
    ctx.effects.push({ type: 'refund', originalId: original.id, amount: ctx.amount });
  }
  approve(ctx, -ctx.amount, false);
}

async function voidSale(ctx: Context): Promise<void> {
  const original = await findOriginal(ctx);
  if (!original) return decline(ctx, '25', 'original of the void not found');
  if (original.terminalId !== ctx.terminalId || !['sale', 'completion', 'advice'].includes(original.kind) || original.responseCode !== '00')
    return decline(ctx, '12', 'original cannot be voided');
  const priceRefused = priceRefusal(ctx, original);
  if (priceRefused) return decline(ctx, '12', priceRefused);
  // Money already went back by refund: a void would credit it again. The journal re-checks (`refunded = 0`) in the void's transaction.
  if (original.refunded > 0) return decline(ctx, '12', 'original has refunds: refund the rest instead of voiding');
  ctx.original = original;
  ctx.amount = original.amount;
  ctx.account = original.account ?? undefined;
  ctx.responseCode = '00';
  ctx.effects.push({ type: 'close', originalId: original.id, as: 'voided', refusal: '12' });
}

/** What a completion captures: both hold the amount until completed (or reversed); neither is paid to the merchant by itself. */
const holds = new Set<string>(['authorization', 'preauthorization']);

async function completion(ctx: Context): Promise<void> {
  const original = await findOriginal(ctx);
  if (!original || !holds.has(original.kind) || original.responseCode !== '00') return decline(ctx, '25', 'authorization or pre-authorization not found');
  // No tolerance above the hold: a completion for more needs a new authorization.
  if (ctx.amount > original.amount) return decline(ctx, '13', `completion above the authorized ${original.amount}`);
  const priceRefused = priceRefusal(ctx, original);
  if (priceRefused) return decline(ctx, '12', priceRefused);
  ctx.original = original;
  ctx.account = original.account ?? undefined;
  ctx.effects.push({ type: 'close', originalId: original.id, as: 'completed', refusal: '12' });
  // Checked after the hold is released: refused (51) only if the account went below what the hold kept for it.
  approve(ctx, ctx.amount);
}

/**
 * Idempotent: an original already reversed (or declined) needs nothing more; an unknown one is 25; a
 * settled one is final (12: its batch paid the merchant, a refund is the way back). The journal
 * decides, in the reversal's own transaction: a reversal can overtake its original (the terminal
 * timed out while the original waited for its commit), and then the original must never apply.
 */
function reversal(ctx: Context): void {
  const de90 = str(ctx, '90') ?? '';
  const mti = de90.slice(0, 4);
  ctx.account = undefined;
  ctx.responseCode = '00';
  ctx.effects.push({
    type: 'reverse',
    tombstone: Object.assign(requestRow(ctx, fingerprintOf(ctx, mti, '', '', '')), {
      stan: de90.slice(4, 10), transmitted: de90.slice(10, 20), mti, kind: 'reversed-before-arrival', wallet: null, issuer: null, account: null,
      responseCode: '12', authCode: null, rrn: null, debit: 0, originalId: null, answer: { '39': '12' },
    } satisfies Partial<NewRow>),
  });
}

/** 0320: a transaction the host knows needs nothing; one it missed is journaled and counted in the batch report, never debited. */
async function upload(ctx: Context): Promise<void> {
  ctx.responseCode = '00';
  // The original named in DE61 (STAN, MMDD), as the in-repo terminal uploads with a STAN of its own; else the upload's own key.
  const stan = str(ctx, '61.2');
  const known = stan
    ? await ctx.parts.store.byStan(ctx.terminalId, stan, str(ctx, '61.3'))
    : await ctx.parts.store.byKey(ctx.terminalId, ctx.stan, ctx.transmitted, '0200');
  if (known || !ctx.pan) return;
  const issuer = routeBin(ctx.pan);
  if (issuer) ctx.issuer = issuer;
}

/**
 * 0500: totals agree → 00 and the batch closes; else 95, and after the upload (60.1 = 01) 00 and close.
 * The journal's settle effect decides (refusing with 95): it counts the rows in the statement that
 * stamps them, so no totals are read here — a read ahead of the stamp could miss a row the stamp takes.
 * A batch number the terminal closed before is settled again as a settlement of its own (see the effect).
 */
async function settlement(ctx: Context): Promise<void> {
  const batch = str(ctx, '60.2') ?? '000000';
  ctx.responseCode = '00';
  ctx.effects.push({
    type: 'settle', terminalId: ctx.terminalId, merchantId: str(ctx, '42') ?? ctx.terminal!.merchantId, batch, afterUpload: str(ctx, '60.1') === '01', closedAt: new Date().toISOString(),
    terminal: {
      creditCount: Number(str(ctx, '74') ?? 0), creditAmount: Number(str(ctx, '86') ?? 0),
      debitCount: Number(str(ctx, '76') ?? 0), debitAmount: Number(str(ctx, '88') ?? 0),
    },
  });
}

/** 0800: sign-on and key exchange hand out a fresh TPK and TAK under the terminal's TMK (DE96); sign-off and echo just answer. */
async function network(ctx: Context): Promise<void> {
  const code = str(ctx, '70');
  const terminal = ctx.terminal!;
  if (code === '001' || code === '101') {
    const hsm = ctx.parts.hsm;
    // Numbered now, before the HSM is awaited: two sign-ons at once never share key IDs.
    const generation = ++terminal.generation;
    const { tpkId, takId } = keyIds(terminal.keyBase, generation);
    try {
      const tpk = await hsm.generateWorkingKey('TPK', terminal.tmkId, tpkId);
      const tak = await hsm.generateWorkingKey('TAK', terminal.tmkId, takId);
      ctx.keyExchange = encodeKeyExchange({ tpkUnderTmk: tpk.underKek, tpkKcv: tpk.kcv, takUnderTmk: tak.underKek, takKcv: tak.kcv });
    } catch (error) {
      dropPair(terminal, generation, hsm);
      throw error;
    }
    installKeys(terminal, generation, hsm);
  } else if (code === '002') {
    dropCurrentKeys(terminal, ctx.parts.hsm);
  } else if (code !== '301') return decline(ctx, '12', `network management code ${code ?? '-'}`);
  ctx.responseCode = '00';
}

// ───────────────────────────────────────────── respond ──
/** The answer's own fields: RRN, authorization code, response code, ARPC. */
const respond: Step = (ctx) => {
  const code = ctx.responseCode ?? '96';
  ctx.answer['39'] = code;
  if (!ctx.journaled) return;
  const rrn = ctx.parts.nextRrn();
  return typeof rrn === 'string' ? numbered(ctx, code, rrn) : rrn.then((reserved) => numbered(ctx, code, reserved));
};

/** RRN and authorization code; then the ARPC, the one part that waits (for the HSM). */
function numbered(ctx: Context, code: string, rrn: string): void | Promise<void> {
  ctx.answer['37'] = rrn;
  if (code === '00' && ctx.kind !== 'reversal' && ctx.kind !== 'settlement' && ctx.kind !== 'upload') ctx.answer['38'] = authCode(rrn);
  if (ctx.arqc) return arpc(ctx, ctx.arqc, code);
}

async function arpc(ctx: Context, arqc: Omit<CryptogramCheck, 'data'>, code: string): Promise<void> {
  const profile = ctx.card!.emv!;
  // The same rule the card checks with (protocols/testcards.ts): method 2 for CVN 18, method 1 otherwise.
  const value = arpcMethodOf(profile.recipe) === 2
    ? await ctx.parts.hsm.generateArpc(arqc, { method: 2, csu: code === '00' ? issuerApproves : Buffer.alloc(4) })
    : await ctx.parts.hsm.generateArpc(arqc, { method: 1, arc: Buffer.from(code, 'latin1') });
  ctx.answer['55.91'] = value.toString('hex').toUpperCase();
}

/**
 * Method 2's Card Status Update on an approval: byte 2 b8 "Issuer Approves Online Transaction" (EMV
 * Book 3 Annex C, C10). Without it the card declines (AAC) at the second GENERATE AC; a decline's CSU is zeros.
 */
const issuerApproves = Buffer.from('00800000', 'hex');

const authCode = (rrn: string) => String((Number(rrn) * 7919 + 104729) % 1_000_000).padStart(6, '0');

// ───────────────────────────────────────────── journal ──
/**
 * What tells a retry (the same bytes again) from another request reusing the key: message class,
 * processing code, amount, the card (masked PAN, or the wallet and a digest of its one-time payment
 * code, which may be any text), the ARQC and the original it names (a digest of DE90's MTI, STAN and
 * DE7, DE48 OR and DE61: a void of another sale is another request). Nothing secret: the masked PAN
 * is in the row already, a cryptogram is single-use.
 */
const fingerprintOf = (ctx: Context, mti: string, arqc = arqcHex(ctx), reference = referenceOf(ctx), sent = String(Number(str(ctx, '4') ?? 0))) => {
  const code = str(ctx, '48.QR');
  // Last, DE4 as sent: a void takes its original's amount (the third part), and a repeat of it with another DE4 is another request.
  return `${mti.slice(0, 2)}:${str(ctx, '3') ?? ''}:${ctx.amount}:${ctx.pan ? maskPan(ctx.pan) : ''}:${ctx.wallet ?? ''}:${code ? digest(code) : ''}:${arqc}:${reference}:${sent}`;
};

const referenceOf = (ctx: Context) => {
  const parts = [str(ctx, '90')?.slice(0, 20), str(ctx, '48.OR'), str(ctx, '61.1'), str(ctx, '61.2'), str(ctx, '61.3')];
  return parts.some((part) => part !== undefined) ? digest(parts.map((part) => part ?? '').join('|')) : '';
};

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

const arqcHex = (ctx: Context) => {
  const arqc = ctx.request.get('55.9F26');
  return Buffer.isBuffer(arqc) ? arqc.toString('hex') : '';
};

/**
 * Whether a journaled row's fingerprint is the same request. The class, processing code and amount
 * always count; the card, wallet, payment code, ARQC, original and DE4 as sent only where both sides
 * have one: a reversal's tombstone may name none of them, and rows journaled before they were in the
 * fingerprint have fewer parts. A tombstone's amount is its reversal's DE4, which for a void may be the
 * void's own DE4 or the original's amount (the void's answer carries that): either matches.
 * But a card alone and a wallet alone are two ways to pay, never one request (a card sale reusing a wallet
 * sale's key got its approval, and was never charged). Two cards sharing their first 6 and last 4 digits
 * look the same here: the journal keeps no more of a PAN.
 */
export function sameRequest(journaled: string, incoming: string): boolean {
  const [a, b] = [journaled.split(':'), incoming.split(':')];
  const cardOnly = (parts: string[]) => (parts[3] ?? '') !== '' && (parts[4] ?? '') === '';
  const walletOnly = (parts: string[]) => (parts[3] ?? '') === '' && (parts[4] ?? '') !== '';
  if ((cardOnly(a) && walletOnly(b)) || (walletOnly(a) && cardOnly(b))) return false;
  const [sentA, sentB] = [a[8] ?? '', b[8] ?? ''];
  if (a[2] !== b[2] && !(sentA === '' && sentB === a[2]) && !(sentB === '' && sentA === b[2])) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i] ?? '', b[i] ?? ''];
    if (i !== 2 && x !== y && (i < 2 || (x !== '' && y !== ''))) return false;
  }
  return true;
}

/**
 * The request's journal row as decided (a reversal's tombstone starts from it too). One plain literal:
 * spreading a partial row into a larger literal cost the switch ~10% of its CPU (V8 copies, then adds each property).
 */
const requestRow = (ctx: Context, fingerprint: string): NewRow => ({
  terminalId: ctx.terminalId, merchantId: str(ctx, '42') ?? ctx.terminal!.merchantId, stan: ctx.stan, transmitted: ctx.transmitted, mti: ctx.mti,
  kind: ctx.kind as TxKind, processingCode: str(ctx, '3') ?? '000000', amount: ctx.amount, currency: str(ctx, '49') ?? '156',
  maskedPan: ctx.pan ? maskPan(ctx.pan) : null, wallet: ctx.wallet ?? null, entryMode: str(ctx, '22') ?? null, issuer: ctx.issuer ?? null,
  account: ctx.account ?? null, responseCode: ctx.answer['39'] ?? '96', authCode: ctx.answer['38'] ?? null, rrn: ctx.answer['37'] ?? null,
  debit: ctx.answer['39'] === '00' ? ctx.debit : 0, originalId: ctx.original?.id ?? null, answer: ctx.answer, fingerprint,
});

/** Hands the entry to the group commit; a repeat of a journaled key comes back with the original answer. */
export type Commit = (entry: JournalEntry) => Promise<CommitResult>;

/** Why the journal refused, by the effect that did (and, for a reversal's two codes, by the code). */
const refusals: Record<Effect['type'] | 'ksn' | 'pin', string | Record<string, string>> = {
  pin: 'PIN tries exceeded',
  atc: 'ATC not above the highest seen for the card: replayed cryptogram',
  ksn: 'DUKPT KSN counter not above the highest seen for the PIN pad: replayed or rolled back',
  debit: 'insufficient funds',
  // A settled original is final (the store's `undoable`): its batch paid the merchant, a refund is the way back.
  close: 'original already closed, refunded, or settled (refund instead)',
  // The journal's 12 does not tell its two causes apart (switch/store `unreversed`): both are named.
  reverse: { '25': 'original unknown', '12': 'original settled or refunded (refund instead), or reversal of another amount or card (12: no partial reversal)' },
  refund: { '13': 'above what is left of the original', '12': 'original voided or reversed' },
  settle: 'totals out of balance',
};

function refusalReason(by: keyof typeof refusals, code: string): string {
  const reason = refusals[by];
  return typeof reason === 'string' ? reason : (reason[code] ?? by);
}

export function journalStep(commit: Commit): Step {
  return async (ctx) => {
    if (!ctx.journaled) return;
    const fingerprint = fingerprintOf(ctx, ctx.mti);
    if (ctx.outcome === 'drop') return answerJournaledKey(ctx, fingerprint);
    // The PIN try counts in the journal, for a new row only: a retransmission gets its stored answer and is no
    // second try, and a replayed DUKPT block (63) is no try of the cardholder's — nor, with the right PIN, a reset.
    const result = await commit({ row: requestRow(ctx, fingerprint), effects: ctx.answer['39'] === '00' ? ctx.effects : [], ksn: ctx.ksn, pin: ctx.pinChecked });
    if (result.status === 'duplicate') return answerRepeat(ctx, result.row, fingerprint);
    ctx.row = result.row;
    ctx.answer = result.row.answer;
    if (result.row.responseCode !== ctx.responseCode)
      ctx.reason = `journal refused: ${result.row.responseCode}${result.refusedBy ? ` (${refusalReason(result.refusedBy, result.row.responseCode)})` : ''}`;
  };
}

/**
 * A request the cents drop is never journaled, but its key may be already: the terminal's reversal of
 * an unanswered request leaves a tombstone under it (`reversed-before-arrival`, 12), and the request
 * arriving late must get that refusal, not silence again. Any other journaled key answers as a repeat.
 * The row read may still be on its way to disk (no commit follows to wait for): harmless, as the only
 * rows such a key can hold answer a refusal (the tombstone's 12, another request's key 94): the same
 * request, dropped each time, is never journaled itself.
 */
async function answerJournaledKey(ctx: Context, fingerprint: string): Promise<void> {
  const row = await ctx.parts.store.byKey(ctx.terminalId, ctx.stan, ctx.transmitted, ctx.mti);
  if (!row) return;
  ctx.outcome = 'answer';
  answerRepeat(ctx, row, fingerprint);
}

/** A key already journaled: the original answer for the same request, 94 for another one reusing its key. */
function answerRepeat(ctx: Context, row: JournalRow, fingerprint: string): void {
  ctx.row = row;
  if (!sameRequest(row.fingerprint, fingerprint)) {
    ctx.answer = { '39': '94' };
    ctx.reason = 'request key reused by a different request';
    return;
  }
  ctx.answer = row.answer;
  ctx.reason = 'repeat: original answer';
}

// ───────────────────────────────────────────── the pipeline ──
export function pipeline(commit: Commit): { decide: Step[]; finish: Step[] } {
  return { decide: [identify, mac, validate, route, card, pin, risk, issuer], finish: [respond, journalStep(commit)] };
}

/** Awaits only the steps that returned a promise: an await per step cost a microtask hop each, most of them for nothing. */
export async function run(ctx: Context, steps: { decide: Step[]; finish: Step[] }): Promise<void> {
  for (const step of steps.decide) {
    if (ctx.responseCode !== undefined || ctx.outcome === 'drop') break;
    const waiting = step(ctx);
    if (waiting) await waiting;
  }
  for (const step of steps.finish) {
    const waiting = step(ctx);
    if (waiting) await waiting;
  }
}

// ───────────────────────────────────────────── pack (host) ──
/** The answer's MTI: a repeat (0101, 0201, 0221, 0421) is answered as its first transmission (0110, 0210, 0230, 0430). */
export const answerMti = (mti: string) => responseMti(firstOf(mti));

/** The request fields an answer repeats (those the request has). */
export const echoedFields: readonly number[] = [3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 49, 60, 61, 70, 90];

/**
 * The answer on the wire: echoed request fields, the answer's fields, DE96, and for the MAC'd classes a
 * MAC under the TAK the request's own MAC verified under (none on A0, none when it was never verified).
 */
export async function packAnswer(ctx: Context, corruptMac = false): Promise<Buffer> {
  const { request, parts } = ctx;
  const answer = new IsoMessage(parts.spec, answerMti(ctx.mti));
  if (request.header.length >= 5 && request.header[0] === 0x60) {
    // TPDU: the answer swaps destination and source NII.
    const h = Buffer.from(request.header);
    request.header.copy(h, 1, 3, 5);
    request.header.copy(h, 3, 1, 3);
    answer.header = h;
  } else answer.header = request.header;
  answer.copyFields(request, echoedFields);
  if (ctx.kind === 'void' && ctx.amount) answer.set('4', ctx.amount);
  // for…in, not Object.entries(): no array of pairs per answer.
  for (const path in ctx.answer) {
    const value = ctx.answer[path]!;
    answer.set(path, path.startsWith('55.') ? Buffer.from(value, 'hex') : value);
  }
  if (ctx.keyExchange) answer.set('96', ctx.keyExchange);
  const takId = ctx.takId;
  if (!macMtis.has(ctx.mti) || !takId || ctx.answer['39'] === 'A0') return answer.pack();
  const macField = answer.fieldIds().some((id) => id > 64) ? '128' : '64';
  answer.set(macField, Buffer.alloc(8));
  const bytes = answer.pack();
  const headerLength = parts.spec.headerLength ?? 0;
  const macValue = await parts.hsm.generateMac(takId, bytes.subarray(headerLength, bytes.length - 8));
  macValue.copy(bytes, bytes.length - 8);
  if (corruptMac) bytes[bytes.length - 1]! ^= 0x01;
  return bytes;
}
