/**
 * The test cards of the virtual contactless card profiles, as pure data: what a virtual card
 * holds (hardware/nfc/virtual-cards) and what the switch's issuer simulator needs to recognise the
 * card and verify its ARQC. TEST KEYS ONLY — published here on purpose so both sides agree
 * (docs/virtual-devices.md lists them); never load them into anything that sees real cards.
 *
 * Cryptogram data for every recipe: the values of 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36, in
 * that order, followed by the recipe's `tail` taken from 9F10 (IAD). MAC: ISO 9797-1 algorithm 3
 * over that data with the recipe's padding, keyed by the ICC master key (EMV Option A from the IMK,
 * PAN and PSN) or a session key derived from it.
 */

export type TestCardProfileId = 'visa' | 'mastercard' | 'unionpay';

export interface CryptogramRecipe {
  /** Cryptogram version number as it appears in the IAD. */
  cvn: number;
  /**
   * none: the ICC master key itself (Visa CVN 10 style);
   * emv-csk: EMV 4.1 common session key, R = ATC ‖ 00×6 (Visa CVN 18, UnionPay);
   * mastercard-skd: R = ATC ‖ 00 00 ‖ UN (M/Chip CVN 16).
   * The key of R is 3DES(MK, R with byte 2 = F0) ‖ 3DES(MK, R with byte 2 = 0F).
   */
  sessionKey: 'none' | 'emv-csk' | 'mastercard-skd';
  /** ISO 9797-1 padding method: 1 = zeros, 2 = 80 then zeros. */
  padding: 1 | 2;
  /** Bytes of 9F10 appended to the data: a slice [start, end) of the IAD, or the whole IAD. */
  tail: { start: number; end: number } | 'whole-iad';
}

export interface TestCardProfile {
  id: TestCardProfileId;
  scheme: string;
  /** Application label (tag 50). */
  label: string;
  /** AID (tag 4F / 84), hex. */
  aid: string;
  /** Kernel identifier for the PPSE (9F2A): 02 Mastercard, 03 Visa, 07 UnionPay. */
  kernelId: string;
  pan: string;
  /** YYMMDD (5F24). */
  expiry: string;
  /** Application PAN sequence number, 2 digits (5F34). */
  psn: string;
  serviceCode: string;
  cardholderName: string;
  /** Issuer master key for AC (double-length 3DES), hex. TEST KEY. */
  imk: string;
  /** KCV of the IMK (first 2 bytes of 3DES(IMK, 0…0)), hex. */
  imkKcv: string;
  recipe: CryptogramRecipe;
  /** Issuer application data (9F10) as the card returns it, hex. */
  iad: string;
  /** Application Interchange Profile (82), hex. */
  aip: string;
  /** CVM list (8E), hex: amount X, amount Y, then CVM rules. */
  cvmList: string;
  /** Issuer country (5F28) and application currency (9F42), n3. */
  issuerCountry: string;
  currency: string;
  /** ATC the card starts with. */
  initialAtc: number;
  /** NFCID1 of the virtual card, hex (4 bytes, first byte 08 = random UID as phones use). */
  uid: string;
}

const emvData = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '82', '9F36'] as const;
/** The data elements, in order, MACed ahead of the recipe's IAD tail. */
export const cryptogramDataElements: readonly string[] = emvData;

export const testCards: Readonly<Record<TestCardProfileId, TestCardProfile>> = {
  visa: {
    id: 'visa',
    scheme: 'Visa',
    label: 'VISA CREDIT',
    aid: 'A0000000031010',
    kernelId: '03',
    pan: '4761739001010010',
    expiry: '301231',
    psn: '01',
    serviceCode: '201',
    cardholderName: 'VIRTUAL/VISA',
    // The pyemv / EMV Book 2 base-case IMK (KCV 08D7), so Visa ARQCs can be checked against pyemv.
    imk: '0123456789ABCDEFFEDCBA9876543210',
    imkKcv: '08D7',
    recipe: { cvn: 18, sessionKey: 'emv-csk', padding: 2, tail: 'whole-iad' },
    // 06 length, 01 DKI, 12 CVN 18, 03 A0 00 00 CVR (length 03, "ARQC returned in GPO")
    iad: '06011203A00000',
    aip: '0000',
    cvmList: '000000000000000042031E031F00',
    issuerCountry: '0840',
    currency: '0840',
    initialAtc: 0x0010,
    uid: '08A1B2C3',
  },
  mastercard: {
    id: 'mastercard',
    scheme: 'Mastercard',
    label: 'MASTERCARD',
    aid: 'A0000000041010',
    kernelId: '02',
    pan: '5413339000001513',
    expiry: '301130',
    psn: '00',
    serviceCode: '201',
    cardholderName: 'VIRTUAL/MASTERCARD',
    imk: '9E15204313F7318ACB79B90BD986AD29',
    imkKcv: '8505',
    recipe: { cvn: 16, sessionKey: 'mastercard-skd', padding: 2, tail: { start: 2, end: 8 } },
    // 01 DKI, 10 CVN 16, CVR A0 00 00 00 00 00 (6 bytes), DAC 0000, counters
    iad: '0110A00000000000000000000000000000FF',
    aip: '1800',
    cvmList: '000000000000000042031E031F03',
    issuerCountry: '0826',
    currency: '0826',
    initialAtc: 0x0020,
    uid: '08D4E5F6',
  },
  unionpay: {
    id: 'unionpay',
    scheme: 'UnionPay',
    label: 'UnionPay Debit',
    aid: 'A000000333010101',
    kernelId: '07',
    pan: '6250946000000016',
    expiry: '291031',
    psn: '01',
    serviceCode: '220',
    cardholderName: 'VIRTUAL/UNIONPAY',
    imk: 'B0A1C2D3E4F5061728394A5B6C7D8E9F',
    imkKcv: 'D7C7',
    recipe: { cvn: 1, sessionKey: 'emv-csk', padding: 2, tail: { start: 3, end: 7 } },
    // 07 length, 01 DKI, 01 CVN, CVR 03 A0 00 00
    iad: '07010103A00000010A010000000000',
    aip: '1C00',
    cvmList: '000000000000000042031E031F03',
    issuerCountry: '0156',
    currency: '0156',
    initialAtc: 0x0030,
    uid: '08172839',
  },
};

export const testCardProfileIds = Object.keys(testCards) as TestCardProfileId[];

/**
 * The ARPC method of a recipe (CONTRACTS.md "ARQC"): Visa CVN 18 uses method 2 (91 = ARPC(4) ‖
 * CSU(4)); Mastercard CVN 16 and UnionPay use method 1 (91 = ARPC(8) ‖ ARC(2)).
 */
export function arpcMethodOf(recipe: CryptogramRecipe): 1 | 2 {
  return recipe.cvn === 18 ? 2 : 1;
}

/** The profile whose PAN this is, for the issuer simulator. */
export function testCardByPan(pan: string): TestCardProfile | undefined {
  return Object.values(testCards).find((card) => card.pan === pan);
}

/** A card as its magnetic stripe holds it: what a virtual MSR "swipes" and the issuer simulator recognises. */
export interface MagstripeTestCard {
  id: MagstripeTestCardId;
  pan: string;
  /** YYMM. */
  expiry: string;
  /** First digit 2 or 6: a chip card (a chip-capable terminal must ask for the chip; swiping it is fallback). */
  serviceCode: string;
  /** Track 1 name field, SURNAME/FIRST. */
  name: string;
  /** Discretionary data, digits only (track 2; track 1 carries the same). TEST DATA. */
  discretionary: string;
}

export type MagstripeTestCardId = TestCardProfileId | 'magstripe';

const stripeOf = (card: TestCardProfile, discretionary: string): MagstripeTestCard => ({
  id: card.id,
  pan: card.pan,
  expiry: card.expiry.slice(0, 4),
  serviceCode: card.serviceCode,
  name: card.cardholderName,
  discretionary,
});

/**
 * The stripes of the three contactless profiles (service codes 201/220: chip cards, so a swipe is
 * fallback) and a magstripe-only card (service code 101: international, normal authorization, no
 * restrictions), 4111 1111 1111 1111, the widely published Visa test number.
 */
export const magstripeTestCards: Readonly<Record<MagstripeTestCardId, MagstripeTestCard>> = {
  visa: stripeOf(testCards.visa, '0000012300000'),
  mastercard: stripeOf(testCards.mastercard, '0000045600000'),
  unionpay: stripeOf(testCards.unionpay, '0000078900000'),
  magstripe: { id: 'magstripe', pan: '4111111111111111', expiry: '3012', serviceCode: '101', name: 'VIRTUAL/MAGSTRIPE', discretionary: '0000010100000' },
};

export const magstripeTestCardIds = Object.keys(magstripeTestCards) as MagstripeTestCardId[];
