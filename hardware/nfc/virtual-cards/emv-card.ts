/**
 * A virtual EMV contactless card (ISO 14443-4) built from a test-card profile
 * (protocols/testcards.ts). It answers SELECT PPSE, SELECT AID, GET PROCESSING OPTIONS, READ
 * RECORD and GENERATE AC the way the public kernel descriptions (EMV Books B, C-2, C-3) have cards
 * answer, with a real ARQC from the profile's issuer master key:
 *
 * - visa (qVSDC, C-3): the ARQC comes in the GPO answer (format 2 with 9F26/9F27/9F36/9F10/57…);
 *   READ RECORD gives the rest; GENERATE AC is not supported (6985).
 * - mastercard (M/Chip, C-2): GPO gives AIP/AFL only; READ RECORD gives CDOL1 among others;
 *   GENERATE AC returns the ARQC (format 2).
 * - unionpay (qUICS-like): ARQC in the GPO answer like qVSDC, card data in two records.
 *
 * A card whose AIP says it supports issuer authentication (byte 1 bit 3: unionpay) checks the
 * host's 91 in EXTERNAL AUTHENTICATE against its last ARQC, with the ARPC method the switch's HSM
 * uses for the profile (`arpcMethodOf`): 9000 when it matches, 6300 when not (EMV Book 3 6.5.4).
 *
 * The ATC increments once per GPO. Faults are set on `card.faults`.
 */
import { toHex } from '../../../protocols/bytes.js';
import { arpcKey, arpcMethod1, arpcMethod2, equalBytes } from '../../../protocols/crypto/index.js';
import { arpcMethodOf, cryptogramDataElements, testCards, type TestCardProfile, type TestCardProfileId } from '../../../protocols/testcards.js';
import type { ContactlessCard } from './contactless-card.js';
import { applicationCryptogram } from './cryptogram.js';
import { decodeDol, dolLength, tlv } from './tlv-builder.js';

export type ApduCommandName = 'SELECT' | 'GET PROCESSING OPTIONS' | 'READ RECORD' | 'GENERATE AC' | 'EXTERNAL AUTHENTICATE';

export interface CardFaults {
  /** SELECT PPSE and SELECT AID answer 6A82: no application the terminal supports. */
  noMatchingAid: boolean;
  /** Force a status word (hex, e.g. '6985') for a command; the answer then has no data. */
  statusWords: Partial<Record<ApduCommandName, string>>;
  /** Extra processing time per APDU (a slow card). */
  delayMs: number;
  /** Answer this command with a TLV whose length runs past the end of the data. */
  malformedTlv: ApduCommandName | undefined;
}

export const PPSE_NAME = Buffer.from('2PAY.SYS.DDF01', 'ascii');

/** Data object lists and file layout per profile (what the card asks for, where its records are). */
interface CardLayout {
  cryptogramInGpo: boolean;
  pdol: string;
  cdol1?: string;
  afl: string;
  records: (card: VirtualEmvCard) => Map<string, Buffer>;
}

const TTQ_PDOL = '9F66049F02069F03069F1A0295055F2A029A039C019F3704';

const layouts: Record<TestCardProfileId, CardLayout> = {
  visa: {
    cryptogramInGpo: true,
    pdol: TTQ_PDOL,
    afl: '08010100',
    records: (card) =>
      new Map([
        ['1:1', tlv('70', [tlv('5A', card.panField()), tlv('5F24', card.hex(card.profile.expiry)), tlv('5F28', card.hex(card.profile.issuerCountry)), tlv('9F07', card.hex('FF00'))])],
      ]),
  },
  mastercard: {
    cryptogramInGpo: false,
    pdol: '',
    cdol1: '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403',
    afl: '0801010010010200',
    records: (card) =>
      new Map([
        ['1:1', tlv('70', [tlv('57', card.track2()), tlv('5F20', Buffer.from(card.profile.cardholderName, 'ascii'))])],
        [
          '2:1',
          tlv('70', [
            tlv('5A', card.panField()),
            tlv('5F24', card.hex(card.profile.expiry)),
            tlv('5F25', card.hex('200101')),
            tlv('5F28', card.hex(card.profile.issuerCountry)),
            tlv('5F34', card.hex(card.profile.psn)),
            tlv('8C', card.hex(layouts.mastercard.cdol1!)),
            tlv('8D', card.hex('8A029F02069F03069F1A0295055F2A029A039C019F3704')),
            tlv('8E', card.hex(card.profile.cvmList)),
            tlv('9F07', card.hex('FF00')),
            tlv('9F0D', card.hex('B050AC8800')),
            tlv('9F0E', card.hex('0000000000')),
            tlv('9F0F', card.hex('B070ACF800')),
          ]),
        ],
        ['2:2', tlv('70', [tlv('9F08', card.hex('0002')), tlv('9F42', card.hex(card.profile.currency)), tlv('9F4A', card.hex('82'))])],
      ]),
  },
  unionpay: {
    cryptogramInGpo: true,
    pdol: TTQ_PDOL,
    afl: '08010200',
    records: (card) =>
      new Map([
        ['1:1', tlv('70', [tlv('57', card.track2()), tlv('5F20', Buffer.from(card.profile.cardholderName, 'ascii'))])],
        [
          '1:2',
          tlv('70', [
            tlv('5A', card.panField()),
            tlv('5F24', card.hex(card.profile.expiry)),
            tlv('5F25', card.hex('190101')),
            tlv('5F28', card.hex(card.profile.issuerCountry)),
            tlv('5F34', card.hex(card.profile.psn)),
            tlv('8E', card.hex(card.profile.cvmList)),
            tlv('9F07', card.hex('FF00')),
            tlv('9F08', card.hex('0030')),
          ]),
        ],
      ]),
  },
};

const SW = {
  ok: Buffer.from([0x90, 0x00]),
  authenticationFailed: Buffer.from([0x63, 0x00]),
  wrongLength: Buffer.from([0x67, 0x00]),
  conditionsNotSatisfied: Buffer.from([0x69, 0x85]),
  fileNotFound: Buffer.from([0x6a, 0x82]),
  recordNotFound: Buffer.from([0x6a, 0x83]),
  wrongP1P2: Buffer.from([0x6a, 0x86]),
  insNotSupported: Buffer.from([0x6d, 0x00]),
  claNotSupported: Buffer.from([0x6e, 0x00]),
};

export interface VirtualEmvCardOptions {
  /** Overrides the profile's UID (e.g. to tell two cards of one profile apart). */
  uid?: Buffer;
  atc?: number;
  /**
   * The ATC for the next GET PROCESSING OPTIONS, given the card's current one (default current + 1,
   * wrapping at 65535). Lets an owner share one counter between processes that emulate the same card
   * (the demo and `pos sale` in one data folder): it reserves the number before the card uses it.
   * A throw refuses the GPO (6985).
   */
  nextAtc?: (current: number) => number;
}

export class VirtualEmvCard implements ContactlessCard {
  readonly label: string;
  readonly uid: Buffer;
  readonly atqa = Buffer.from([0x00, 0x04]);
  readonly sak = 0x20;
  /** TL 05, T0 78 (FSCI 8 = 256-byte frames), TA 80, TB 70 (FWI 7), TC 02. */
  readonly ats = Buffer.from([0x05, 0x78, 0x80, 0x70, 0x02]);
  readonly faults: CardFaults = { noMatchingAid: false, statusWords: {}, delayMs: 0, malformedTlv: undefined };
  /** Application Transaction Counter, incremented by each GET PROCESSING OPTIONS. */
  atc: number;
  /** The last cryptogram the card produced (for tests and the control API). */
  lastCryptogram: { type: 'ARQC' | 'TC' | 'AAC'; ac: Buffer; atc: number } | undefined;
  /** What the last EXTERNAL AUTHENTICATE found: the issuer's ARPC matched or not. */
  lastIssuerAuthentication: 'passed' | 'failed' | undefined;

  private readonly layout: CardLayout;
  private readonly records: Map<string, Buffer>;
  private selected = false;
  private gpoDone = false;
  /** The ARQC of this transaction and what its ARPC key needs; cleared once issuer authentication ran. */
  private arqc: { ac: Buffer; atc: Buffer; unpredictableNumber: Buffer } | undefined;
  private readonly nextAtc: ((current: number) => number) | undefined;

  constructor(
    readonly profile: TestCardProfile,
    options: VirtualEmvCardOptions = {},
  ) {
    this.label = profile.id;
    this.uid = options.uid ?? Buffer.from(profile.uid, 'hex');
    this.atc = options.atc ?? profile.initialAtc;
    this.nextAtc = options.nextAtc;
    this.layout = layouts[profile.id];
    this.records = this.layout.records(this);
  }

  activate(): void {
    this.selected = false;
    this.gpoDone = false;
    this.arqc = undefined;
  }

  transmit(apdu: Buffer): { response: Buffer; delayMs: number } {
    return { response: this.process(apdu), delayMs: this.faults.delayMs };
  }

  // ------------------------------------------------------------------ helpers used by layouts

  hex(value: string): Buffer {
    return Buffer.from(value, 'hex');
  }

  /** 5A: the PAN in cn format, F-padded to whole bytes. */
  panField(): Buffer {
    const pan = this.profile.pan;
    return Buffer.from(pan.length % 2 ? `${pan}F` : pan, 'hex');
  }

  /** 57: PAN D YYMM service-code discretionary, F-padded. */
  track2(): Buffer {
    const p = this.profile;
    const digits = `${p.pan}D${p.expiry.slice(0, 4)}${p.serviceCode}0000000000`;
    return Buffer.from(digits.length % 2 ? `${digits}F` : digits, 'hex');
  }

  // ------------------------------------------------------------------ APDU processing

  private process(apdu: Buffer): Buffer {
    if (apdu.length < 4) return SW.wrongLength;
    const [cla, ins, p1, p2] = [apdu[0]!, apdu[1]!, apdu[2]!, apdu[3]!];
    const data = commandData(apdu);
    if (data === undefined) return SW.wrongLength;
    const name = commandName(cla, ins);
    if (name === undefined) return cla === 0x00 || cla === 0x80 ? SW.insNotSupported : SW.claNotSupported;
    const forced = this.faults.statusWords[name];
    if (forced) return Buffer.from(forced, 'hex');
    const answer = this.answer(name, p1, p2, data);
    if (answer.length > 2 && this.faults.malformedTlv === name) return corruptTlv(answer);
    return answer;
  }

  private answer(name: ApduCommandName, p1: number, p2: number, data: Buffer): Buffer {
    switch (name) {
      case 'SELECT':
        return this.select(p1, data);
      case 'GET PROCESSING OPTIONS':
        return this.getProcessingOptions(data);
      case 'READ RECORD':
        return this.readRecord(p1, p2);
      case 'GENERATE AC':
        return this.generateAc(p1, data);
      case 'EXTERNAL AUTHENTICATE':
        return this.externalAuthenticate(data);
    }
  }

  private select(p1: number, name: Buffer): Buffer {
    if (p1 !== 0x04) return SW.wrongP1P2;
    const profile = this.profile;
    if (this.faults.noMatchingAid) return SW.fileNotFound;
    if (name.equals(PPSE_NAME)) {
      this.selected = false;
      const entry = tlv('61', [tlv('4F', this.hex(profile.aid)), tlv('50', Buffer.from(profile.label, 'ascii')), tlv('87', this.hex('01')), tlv('9F2A', this.hex(profile.kernelId))]);
      return ok(tlv('6F', [tlv('84', PPSE_NAME), tlv('A5', [tlv('BF0C', [entry])])]));
    }
    if (name.length >= 5 && this.hex(profile.aid).subarray(0, name.length).equals(name)) {
      this.selected = true;
      this.gpoDone = false;
      const proprietary = [tlv('50', Buffer.from(profile.label, 'ascii')), tlv('87', this.hex('01'))];
      if (this.layout.pdol) proprietary.push(tlv('9F38', this.hex(this.layout.pdol)));
      proprietary.push(tlv('5F2D', Buffer.from('en', 'ascii')));
      return ok(tlv('6F', [tlv('84', this.hex(profile.aid)), tlv('A5', proprietary)]));
    }
    return SW.fileNotFound;
  }

  private getProcessingOptions(data: Buffer): Buffer {
    if (!this.selected) return SW.conditionsNotSatisfied;
    const expected = dolLength(this.hex(this.layout.pdol));
    if (data.length < 2 || data[0] !== 0x83 || data[1] !== data.length - 2 || data.length - 2 !== expected) return SW.wrongLength;
    // A card whose ATC reached 65535 is finished (EMV: it never wraps; a wrapped ATC is a replay to the issuer).
    if (!this.nextAtc && this.atc >= 0xffff) return SW.conditionsNotSatisfied;
    try {
      this.atc = this.nextAtc ? this.nextAtc(this.atc) : this.atc + 1;
    } catch {
      return SW.conditionsNotSatisfied; // the owner logs why
    }
    this.gpoDone = true;
    this.arqc = undefined;
    const base = [tlv('82', this.hex(this.profile.aip)), tlv('94', this.hex(this.layout.afl))];
    if (!this.layout.cryptogramInGpo) return ok(tlv('77', base));
    const values = decodeDol(this.hex(this.layout.pdol), data.subarray(2));
    const ac = this.cryptogram('ARQC', values);
    const profile = this.profile;
    const fields = [
      ...base,
      tlv('57', this.track2()),
      tlv('5F34', this.hex(profile.psn)),
      tlv('9F10', this.hex(profile.iad)),
      tlv('9F26', ac),
      tlv('9F27', this.hex('80')),
      tlv('9F36', this.atcBytes()),
    ];
    if (profile.id === 'visa') fields.push(tlv('9F6C', this.hex('0080')), tlv('9F6E', this.hex('20700000')));
    fields.push(tlv('5F20', Buffer.from(profile.cardholderName, 'ascii')));
    return ok(tlv('77', fields));
  }

  private readRecord(p1: number, p2: number): Buffer {
    if (!this.selected) return SW.conditionsNotSatisfied;
    if ((p2 & 0x07) !== 0x04) return SW.wrongP1P2;
    const record = this.records.get(`${p2 >> 3}:${p1}`);
    return record ? ok(record) : SW.recordNotFound;
  }

  private generateAc(p1: number, data: Buffer): Buffer {
    const cdol1 = this.layout.cdol1;
    if (!cdol1 || !this.gpoDone) return SW.conditionsNotSatisfied;
    if (data.length !== dolLength(this.hex(cdol1))) return SW.wrongLength;
    const requested = p1 & 0xc0;
    const type = requested === 0x00 ? 'AAC' : 'ARQC'; // an online-only card never grants a TC offline
    const values = decodeDol(this.hex(cdol1), data);
    const ac = this.cryptogram(type, values);
    const cid = type === 'AAC' ? '00' : '80';
    return ok(tlv('77', [tlv('9F27', this.hex(cid)), tlv('9F36', this.atcBytes()), tlv('9F26', ac), tlv('9F10', this.hex(this.profile.iad))]));
  }

  /**
   * EXTERNAL AUTHENTICATE (EMV Book 3 6.5.4): 91 = ARPC(8) ‖ ARC(2) for method 1, ARPC(4) ‖ CSU(4)
   * [‖ proprietary data] for method 2, recomputed from the ARQC this card produced. Once per
   * transaction; a card without issuer authentication in its AIP does not know the command.
   */
  private externalAuthenticate(data: Buffer): Buffer {
    const profile = this.profile;
    if ((this.hex(profile.aip)[0]! & 0x04) === 0) return SW.insNotSupported;
    const arqc = this.arqc;
    if (!arqc) return SW.conditionsNotSatisfied;
    if (data.length < 8 || data.length > 16) return SW.wrongLength;
    this.arqc = undefined;
    const method = arpcMethodOf(profile.recipe);
    const key = arpcKey({ recipe: profile.recipe, imk: this.hex(profile.imk), pan: profile.pan, psn: profile.psn, atc: arqc.atc, unpredictableNumber: arqc.unpredictableNumber }, method);
    let matches = false;
    try {
      if (method === 1) matches = data.length === 10 && equalBytes(arpcMethod1(key, arqc.ac, data.subarray(8)), data.subarray(0, 8));
      else matches = equalBytes(arpcMethod2(key, arqc.ac, data.subarray(4, 8), data.subarray(8)), data.subarray(0, 4));
    } finally {
      key.fill(0);
    }
    this.lastIssuerAuthentication = matches ? 'passed' : 'failed';
    return matches ? SW.ok : SW.authenticationFailed;
  }

  private atcBytes(): Buffer {
    const atc = Buffer.alloc(2);
    atc.writeUInt16BE(this.atc);
    return atc;
  }

  /** Builds the recipe's data from terminal values (by tag) and card values, then MACs it. */
  private cryptogram(type: 'ARQC' | 'TC' | 'AAC', terminal: Map<string, Buffer>): Buffer {
    const profile = this.profile;
    const card = new Map<string, Buffer>([
      ['82', this.hex(profile.aip)],
      ['9F36', this.atcBytes()],
    ]);
    const lengths: Record<string, number> = { '9F02': 6, '9F03': 6, '9F1A': 2, '95': 5, '5F2A': 2, '9A': 3, '9C': 1, '9F37': 4 };
    const parts = cryptogramDataElements.map((tag) => card.get(tag) ?? terminal.get(tag) ?? Buffer.alloc(lengths[tag] ?? 0));
    const iad = this.hex(profile.iad);
    const tail = profile.recipe.tail === 'whole-iad' ? iad : iad.subarray(profile.recipe.tail.start, profile.recipe.tail.end);
    const ac = applicationCryptogram({
      recipe: profile.recipe,
      imk: this.hex(profile.imk),
      pan: profile.pan,
      psn: profile.psn,
      atc: this.atcBytes(),
      unpredictableNumber: terminal.get('9F37') ?? Buffer.alloc(4),
      data: Buffer.concat([...parts, tail]),
    });
    this.lastCryptogram = { type, ac, atc: this.atc };
    if (type === 'ARQC') this.arqc = { ac, atc: this.atcBytes(), unpredictableNumber: terminal.get('9F37') ?? Buffer.alloc(4) };
    return ac;
  }

  toString(): string {
    return `${this.profile.scheme} virtual card ${toHex(this.uid)}`;
  }
}

/** A fresh card of a profile ('visa', 'mastercard', 'unionpay'). */
export function createVirtualCard(id: TestCardProfileId, options: VirtualEmvCardOptions = {}): VirtualEmvCard {
  return new VirtualEmvCard(testCards[id], options);
}

function ok(data: Buffer): Buffer {
  return Buffer.concat([data, SW.ok]);
}

function commandName(cla: number, ins: number): ApduCommandName | undefined {
  if (cla === 0x00 && ins === 0xa4) return 'SELECT';
  if (cla === 0x80 && ins === 0xa8) return 'GET PROCESSING OPTIONS';
  if (cla === 0x00 && ins === 0xb2) return 'READ RECORD';
  if (cla === 0x80 && ins === 0xae) return 'GENERATE AC';
  if (cla === 0x00 && ins === 0x82) return 'EXTERNAL AUTHENTICATE';
  return undefined;
}

/** The command data of a short APDU (cases 1–4), or undefined when Lc disagrees with the length. */
function commandData(apdu: Buffer): Buffer | undefined {
  if (apdu.length <= 5) return Buffer.alloc(0); // case 1 or 2 (Le only)
  const lc = apdu[4]!;
  if (lc === 0 || apdu.length < 5 + lc || apdu.length > 6 + lc) return undefined;
  return apdu.subarray(5, 5 + lc);
}

/** Makes the outer TLV claim 16 more bytes than it has (a malformed-TLV fault), keeping SW1 SW2. */
function corruptTlv(answer: Buffer): Buffer {
  const body = Buffer.from(answer.subarray(0, -2));
  const sw = answer.subarray(-2);
  const lengthAt = (body[0]! & 0x1f) === 0x1f ? 2 : 1;
  if (body[lengthAt]! < 0x80) body[lengthAt] = Math.min(0x7f, body[lengthAt]! + 16);
  else body[body.length > lengthAt + 1 ? lengthAt + 1 : lengthAt] = 0xff;
  return Buffer.concat([body, sw]);
}
