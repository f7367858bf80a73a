/**
 * The tester's hands in the demo: the checkout page's tester panel drives the virtual devices
 * (tap, remove, swipe, scan), the virtual PIN pad, and the switch's fault injection through this.
 */
import { maskPan } from '../../protocols/mask.js';
import { magstripeTestCards, testCards, type MagstripeTestCard, type TestCardProfileId } from '../../protocols/testcards.js';
import type { VirtualKit } from '../../hardware/virtual-kit.js';
import type { VirtualPinPad } from '../../terminal/pinpad.js';
import type { TesterControls } from '../../terminal/checkout/types.js';
import type { Fault, Faults } from '../../switch/faults.js';
import { issuerCards } from '../../switch/issuer/cards.js';

/**
 * What the tester can swipe: the test stripes, plus a stripe for each of the issuer simulator's
 * magstripe cards (lost, stolen, expired, blocked, low balance, limit …; docs/test-cards.md).
 */
const stripes: ReadonlyMap<string, MagstripeTestCard> = new Map([
  ...Object.values(magstripeTestCards).map((card): [string, MagstripeTestCard] => [card.id, card]),
  ...issuerCards
    .filter((card) => !card.emv && !Object.values(magstripeTestCards).some((stripe) => stripe.pan === card.pan))
    .map((card): [string, MagstripeTestCard] => [
      card.label,
      { id: 'magstripe', pan: card.pan, expiry: card.expiry, serviceCode: '101', name: 'TEST/CARD', discretionary: '0000000000000' },
    ]),
]);

/** Sample customer payment codes, one per scheme the classifier knows, and one it must refuse. */
export const sampleCodes = [
  { id: 'wechat', label: 'WeChat Pay 付款码', text: '134567890123456789' },
  { id: 'alipay', label: 'Alipay 付款码', text: '284567890123456789' },
  { id: 'unionpay', label: 'UnionPay 云闪付', text: '6225123456789012345' },
  {
    id: 'emvcpm',
    // The EMV QRCPS example verbatim: its PAN's BIN (123456) belongs to no issuer, so the switch declines it 15 (no such issuer).
    label: 'EMVCo consumer-presented (spec example: unknown BIN, declines 15)',
    text: 'hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==',
  },
  { id: 'unknown', label: 'Unknown code (refused)', text: '999000111' },
];

/** The amount cents the issuer simulator turns into an outcome (docs/test-cards.md). */
const forcedOutcomes = [
  { cents: '51', label: '51 insufficient funds' },
  { cents: '05', label: '05 do not honour' },
  { cents: '54', label: '54 expired card' },
  { cents: '55', label: '55 incorrect PIN' },
  { cents: '61', label: '61 over limit' },
  { cents: '65', label: '65 PIN required' },
  { cents: '91', label: '91 issuer unavailable' },
  { cents: '97', label: 'no answer → reversal' },
  { cents: '98', label: 'late answer → reversal' },
];

const hostFaults: ReadonlyMap<string, Fault> = new Map([
  ['drop answers', { drop: true }],
  ['delay 3 s', { delayMs: 3000 }],
  ['disconnect', { disconnect: true }],
  ['corrupt MAC', { corruptMac: true }],
  ['corrupt ARPC', { corruptArpc: true }],
]);

/**
 * A name the tester sent that names nothing: the field and the choices, not the value (it may be a PAN or
 * a track typed into the wrong box).
 */
const unknownName = (field: string, kind: string, names: Iterable<string>) =>
  new TesterInputError(`${field}: no ${kind} of that name (one of: ${[...names].join(', ')})`);

/** What the tester panel offers: ids the page words in its language (i18n.js), English labels as fallbacks. */
export const testerCatalogue: TesterControls['catalogue'] = () => ({
  cards: Object.values(testCards).map((card) => ({ id: card.id, label: card.label, maskedPan: maskPan(card.pan) })),
  stripes: [...stripes].map(([id, card]) => ({ id, label: id, serviceCode: card.serviceCode, maskedPan: maskPan(card.pan) })),
  codes: sampleCodes.map(({ id, label, text }) => ({ id, label, text })),
  outcomes: forcedOutcomes,
  faults: [...hostFaults.keys()],
});

/** `terminalId`: whose faults the panel shows (its own, else the one for every terminal). */
export function testerControls(parts: { kit: VirtualKit; pinPad: VirtualPinPad; faults: Faults; terminalId: string }): TesterControls {
  const { kit, pinPad, faults } = parts;
  return {
    catalogue: testerCatalogue,
    async tap(card) {
      // Own keys only: `in` finds toString and __proto__ on every object.
      if (!Object.hasOwn(testCards, card)) throw unknownName('card', 'virtual card', Object.keys(testCards));
      kit.tap(card as TestCardProfileId);
    },
    async removeCard() {
      kit.removeCards();
    },
    async swipe(card) {
      const stripe = stripes.get(card);
      if (!stripe) throw unknownName('card', 'magstripe test card', stripes.keys());
      await kit.virtualMsr.swipe(stripe);
    },
    async scan(text) {
      await kit.scan(text);
    },
    async pin(entry) {
      pinPad.press(entry);
    },
    async hostFault(name) {
      if (name === null) return faults.clear();
      const fault = hostFaults.get(name);
      if (!fault) throw unknownName('fault', 'host fault', hostFaults.keys());
      faults.clear();
      faults.set('*', fault);
    },
    hostFaultState() {
      const fault = faults.for(parts.terminalId, '0200');
      if (!fault) return { fault: null };
      const name = [...hostFaults].find(([, known]) => sameFault(known, fault))?.[0];
      return name ? { fault: name } : { fault: 'custom', custom: { ...fault } };
    },
  };
}

function sameFault(a: Fault, b: Fault): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof Fault>);
  return [...keys].every((key) => a[key] === b[key]);
}

/** A tester asked for something that does not exist: the page shows the message (400). */
export class TesterInputError extends Error {
  override readonly name = 'TesterInputError';
  readonly statusCode = 400;
}
