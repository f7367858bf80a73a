/**
 * The issuer simulator's cards, BIN routes and wallets (the table of docs/test-cards.md). TEST
 * DATA ONLY. Every card's PIN is 1234, held as a Visa PVV the HSM computes at start-up.
 */
import { magstripeTestCards, testCards, type TestCardProfile } from '../../protocols/testcards.js';
import { accountCurrency } from './currencies.js';

export type CardStatus = 'active' | 'lost' | 'stolen' | 'blocked';

export interface IssuerCard {
  pan: string;
  label: string;
  /** YYMM */
  expiry: string;
  status: CardStatus;
  /** Opening balance in minor units of `currency`. */
  balance: number;
  /** ISO 4217 numeric code of the card's account: the only DE49 its money moves in (no conversion). */
  currency: string;
  /** Largest single transaction in minor units. */
  limit: number;
  /** The EMV profile whose IMK verifies this card's ARQCs. */
  emv?: TestCardProfile;
}

const million = 100_000_000;
const card = (pan: string, label: string, over: Partial<IssuerCard> = {}): IssuerCard => ({
  pan, label, expiry: '3012', status: 'active', balance: million, currency: accountCurrency, limit: 5_000_000, ...over,
});

export const issuerCards: readonly IssuerCard[] = [
  ...Object.values(testCards).map((profile) => card(profile.pan, `${profile.scheme} contactless (${profile.id})`, { expiry: profile.expiry.slice(0, 4), emv: profile })),
  card(magstripeTestCards.magstripe.pan, 'Visa magstripe only (service code 101)'),
  card('5555555555554444', 'Mastercard magstripe'),
  card('6212345678901232', 'UnionPay magstripe'),
  card('4000000000000416', 'lost card', { status: 'lost' }),
  card('4000000000000432', 'stolen card', { status: 'stolen' }),
  card('4000000000000549', 'expired card (2001)', { expiry: '2001' }),
  card('4000000000000572', 'blocked card', { status: 'blocked' }),
  card('4000000000000515', 'low balance: 10.00', { balance: 1000 }),
  card('4000000000000614', 'limit: 100.00 per transaction', { limit: 10_000 }),
];

export const cardResponse: Record<Exclude<CardStatus, 'active'>, string> = { lost: '41', stolen: '43', blocked: '57' };

export interface BinRoute {
  prefix: string;
  issuer: string;
}

/**
 * Longest prefix wins. Anything else is answered 15 (no such issuer). Mastercard's 2-series is
 * 222100–272099 (not 22–27: 2200–2204 is Mir's), as the prefixes 2221–2229, 223–229, 23–26, 270, 271, 2720.
 */
export const binRoutes: readonly BinRoute[] = [
  { prefix: '4', issuer: 'visa' },
  ...['51', '52', '53', '54', '55', '2221', '2222', '2223', '2224', '2225', '2226', '2227', '2228', '2229', '223', '224', '225', '226', '227', '228', '229', '23', '24', '25', '26', '270', '271', '2720'].map(
    (prefix) => ({ prefix, issuer: 'mastercard' }),
  ),
  { prefix: '62', issuer: 'unionpay' },
  { prefix: '81', issuer: 'unionpay' },
];

/** DE48 WS values and the opening balance of each wallet account (one per wallet and code prefix). */
export const wallets = ['UNIONPAY', 'WECHAT', 'ALIPAY', 'EMVCPM'] as const;
export type Wallet = (typeof wallets)[number];
export const isWallet = (value: string): value is Wallet => (wallets as readonly string[]).includes(value);
export const walletBalance = million;
/** What a balance inquiry of a card outside the table answers: no balance is kept for it, so always the opening one. */
export const untrackedBalance = million;

export function routeBin(pan: string): string | undefined {
  let best: BinRoute | undefined;
  for (const route of binRoutes) if (pan.startsWith(route.prefix) && (!best || route.prefix.length > best.prefix.length)) best = route;
  return best?.issuer;
}

/** Balance account of a table card (cards outside the table are not tracked). */
export const cardAccount = (pan: string): string => `card:${pan.slice(0, 6)}${pan.slice(-4)}`;
/** Balance account of a wallet: per wallet and the code's first two digits (no code is stored). */
export const walletAccount = (wallet: string, code: string): string => `wallet:${wallet}:${code.slice(0, 2)}`;

/**
 * Forced outcomes by the amount's cents (minor units mod 100), applied after the card checks.
 * `drop`: no answer at all; `late`: answer after lateAnswerMs.
 */
export const forcedByCents: Readonly<Record<number, string>> = {
  51: '51', 5: '05', 54: '54', 55: '55', 61: '61', 65: '65', 91: '91', 96: '96', 97: 'drop', 98: 'late',
};
