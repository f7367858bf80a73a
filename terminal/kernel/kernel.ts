/**
 * The terminal's EMV contactless kernel over any CardReader (EMV Book B entry point, Books C-2 and
 * C-3 as publicly described; see /work/shared/reference/terminal-protocols.md §5): SELECT PPSE,
 * candidate list by priority among the AIDs the terminal supports, SELECT with fallback to the next
 * candidate, PDOL, GET PROCESSING OPTIONS (format 1 or 2), READ RECORD per AFL, GENERATE AC unless
 * the cryptogram came in the GPO answer (qVSDC style); processing restrictions (expiry), terminal
 * risk (floor limit), CVM (CVM-required limit or the card's CTQ → online PIN, else signature), TVR and TSI.
 * Every failure is a KernelError with a reason code; card data never appears in an error.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../../protocols/bytes.js';
import { DecodeError } from '../../protocols/errors.js';
import { decodeTlv, type Tlv } from '../../protocols/tlv/index.js';
import { CardGoneError, type CardReader } from '../../hardware/nfc/card-reader.js';
import { dolEntries } from '../../hardware/nfc/virtual-cards/tlv-builder.js';
import { emvDate } from '../clock.js';
import { KernelError } from './errors.js';
import { newTsi, newTvr, type StatusBits, type tsiBits, type tvrBits } from './tvr.js';

export interface SupportedAid {
  /** AID prefix the terminal accepts (partial selection), hex. */
  aid: string;
  scheme: string;
  /** How the issuer's 91 is laid out: method 1 = ARPC(8)‖ARC(2), method 2 = ARPC(4)‖CSU(4). */
  arpcMethod: 1 | 2;
}

export interface KernelConfig {
  aids: SupportedAid[];
  /** n3 as 4 hex digits, e.g. '0156'. */
  terminalCountry: string;
  /** n3 as 4 hex digits, e.g. '0156'. */
  currency: string;
  /** 9F35, e.g. '22' (attended, online only). */
  terminalType: string;
  /** 9F33, e.g. 'E0F0C8'. */
  capabilities: string;
  limits: { contactless: number; cvmRequired: number; floor: number };
  /** Whether a PIN pad is attached (online PIN can be offered). */
  onlinePinCapable: boolean;
}

export interface KernelTransaction {
  /** Minor units. */
  amount: number;
  /** 9C: '00' goods and services, '20' refund, '31' balance inquiry. */
  type: '00' | '20' | '31';
  unpredictableNumber?: Buffer;
  date?: string;
  /**
   * True for a card the issuer just soft-declined for want of cardholder verification (65): online
   * PIN is then the CVM whatever the amount (EMV practice: tap again, PIN forced).
   */
  forceOnlinePin?: (pan: string) => boolean;
}

/**
 * The cardholder verification the kernel did, as 9F34 (CVM Results, EMV Book 4 Annex A4) reports it:
 * online PIN (020000: result unknown until the issuer answers), signature (1E0000: unknown, the
 * merchant compares it), no CVM required (1F0002: under the CVM-required limit), or cvm-failed
 * (3F0001: a CVM was required and the terminal supports none the card can use).
 */
export type Cvm = 'online-pin' | 'signature' | 'no-cvm' | 'cvm-failed';

const cvmResults: Record<Cvm, string> = { 'online-pin': '020000', signature: '1E0000', 'no-cvm': '1F0002', 'cvm-failed': '3F0001' };

export interface KernelResult {
  aid: string;
  scheme: string;
  label: string | undefined;
  arpcMethod: 1 | 2;
  pan: string;
  /** YYMM. */
  expiry: string | undefined;
  psn: string | undefined;
  /** Track 2 equivalent as ISO 8583 track 2 text (PAN=YYMMSSS…), for DE35; never stored. */
  track2: string | undefined;
  /** Tag → value of everything the card returned (GPO and records) and the terminal sent. */
  data: Map<string, Buffer>;
  cryptogramSource: 'GPO' | 'GENERATE AC';
  /** 9F27 bits 8-7: ARQC (go online), TC (approved offline), AAC (declined by the card). */
  decision: 'ARQC' | 'TC' | 'AAC';
  cvm: Cvm;
  tvr: StatusBits<keyof typeof tvrBits>;
  tsi: StatusBits<keyof typeof tsiBits>;
  /** The TVR as the card saw it when it computed the cryptogram (what DE55 95 carries). */
  cryptogramTvr: Buffer;
  /** The APDU count, for diagnostics. */
  apdus: number;
}

export const PPSE = Buffer.from('2PAY.SYS.DDF01', 'ascii');

/** Terminal data of numeric format (n, BCD) among what the kernel fills into a DOL (EMV Book 3 Annex A). */
const numericTags = new Set(['9F02', '9F03', '9F1A', '5F2A', '9A', '9C', '9F21', '5F36', '9F41']);

/**
 * EMV Book 3 §5.4: a value longer than the DOL asks for loses its leftmost bytes when numeric,
 * its rightmost otherwise; a shorter one gets leading zero bytes when numeric, trailing otherwise.
 */
function fitDolValue(tag: string, value: Buffer, length: number): Buffer {
  const numeric = numericTags.has(tag);
  if (value.length >= length) return numeric ? value.subarray(value.length - length) : value.subarray(0, length);
  const padding = Buffer.alloc(length - value.length);
  return numeric ? Buffer.concat([padding, value]) : Buffer.concat([value, padding]);
}

/** Reads one card. The card must already be activated in the reader's field. */
export async function runKernel(reader: CardReader, config: KernelConfig, txn: KernelTransaction): Promise<KernelResult> {
  // EMV Book B (Entry Point pre-processing): amount ≥ contactless transaction limit → contactless not allowed;
  // amount ≥ CVM required limit → CVM required; amount > floor limit → floor limit exceeded (go online).
  if (txn.amount >= config.limits.contactless)
    throw new KernelError('over-contactless-limit', 'the amount is at or above the contactless limit: insert or swipe the card');
  let apdus = 0;
  const send = async (step: string, command: Buffer): Promise<{ sw: string; data: Buffer }> => {
    let answer: Buffer;
    try {
      answer = await reader.transceive(command);
    } catch (error) {
      if (error instanceof CardGoneError) throw new KernelError('card-removed', 'the card was removed before the read finished: tap again', step);
      throw new KernelError('reader-error', `the reader failed during ${step}: ${(error as Error).message}`, step);
    }
    apdus++;
    if (answer.length < 2) throw new KernelError('card-status', `the card gave no status word to ${step}`, step);
    return { sw: toHex(answer.subarray(-2)), data: answer.subarray(0, -2) };
  };
  const expectOk = async (step: string, command: Buffer): Promise<Tlv[]> => {
    const { sw, data } = await send(step, command);
    if (sw !== '9000') throw new KernelError('card-status', `the card answered ${sw} to ${step}`, step);
    return parse(step, data);
  };

  const tvr = newTvr();
  const tsi = newTsi();
  tvr.set('odaNotPerformed'); // online-only kernel: no offline data authentication
  if (txn.amount > config.limits.floor) tvr.set('exceedsFloorLimit');
  tsi.set('terminalRiskManagementPerformed');

  // Entry point: PPSE and candidates by priority.
  const ppse = await expectOk('SELECT PPSE', apdu(0x00, 0xa4, 0x04, 0x00, PPSE));
  const entries = (find(ppse, 'BF0C')?.children ?? []).filter((t) => t.tag === '61');
  const candidates = entries
    .map((entry, order) => {
      const aid = find(entry.children ?? [], '4F')?.value;
      const priority = find(entry.children ?? [], '87')?.value[0];
      const label = find(entry.children ?? [], '50')?.value.toString('latin1');
      const supported = aid && config.aids.find((s) => toHex(aid).startsWith(s.aid.toUpperCase()));
      return supported ? { aid: aid!, supported, label, rank: priority && priority & 0x0f ? priority & 0x0f : 16, order } : undefined;
    })
    .filter((c) => c !== undefined)
    .sort((a, b) => a.rank - b.rank || a.order - b.order);
  if (candidates.length === 0) throw new KernelError('no-application', 'the card has no application this terminal accepts', 'SELECT PPSE');

  let chosen: (typeof candidates)[number] | undefined;
  let fci: Tlv[] = [];
  for (const candidate of candidates) {
    const { sw, data } = await send('SELECT AID', apdu(0x00, 0xa4, 0x04, 0x00, candidate.aid));
    if (sw !== '9000') continue; // Book B: drop the candidate, try the next
    fci = parse('SELECT AID', data);
    chosen = candidate;
    break;
  }
  if (!chosen) throw new KernelError('no-application', 'no application on the card could be selected', 'SELECT AID');

  // Terminal data for DOLs.
  const capabilities = offeredCapabilities(config);
  // 9F33 byte 2 bit 6: signature (paper) supported (EMV Book 4 Annex A2).
  const signatureCapable = ((capabilities[1] ?? 0) & 0x20) !== 0;
  // TTQ byte 1: qVSDC, contact, then online PIN (b3) and signature (b2) only when this terminal can do them.
  const ttq = Buffer.from('30004000', 'hex'); // online cryptogram required
  if (config.onlinePinCapable) ttq[0]! |= 0x04;
  if (signatureCapable) ttq[0]! |= 0x02;
  if (txn.amount >= config.limits.cvmRequired) ttq[1]! |= 0x40; // CVM required
  const un = txn.unpredictableNumber ?? randomBytes(4);
  const terminal = new Map<string, Buffer>([
    ['9F66', ttq],
    ['9F02', bcd(txn.amount, 6)],
    ['9F03', bcd(0, 6)],
    ['9F1A', Buffer.from(config.terminalCountry, 'hex')],
    ['95', tvr.copy()],
    ['5F2A', Buffer.from(config.currency, 'hex')],
    ['9A', Buffer.from(txn.date ?? emvDate(), 'hex')],
    ['9C', Buffer.from(txn.type, 'hex')],
    ['9F37', un],
    ['9F35', Buffer.from(config.terminalType, 'hex')],
    ['9F33', capabilities],
    ['9F45', Buffer.alloc(2)],
    ['9F4C', Buffer.alloc(8)],
    ['9F34', Buffer.from('3F0000', 'hex')],
  ]);
  const fill = (step: string, dol: Buffer): Buffer => {
    let entries: Array<{ tag: string; length: number }>;
    try {
      entries = dolEntries(dol);
    } catch {
      throw new KernelError('card-data-malformed', `the card's data object list for ${step} is malformed`, step);
    }
    return Buffer.concat(
      entries.map(({ tag, length }) => {
        const value = terminal.get(tag) ?? Buffer.alloc(length);
        return fitDolValue(tag, value, length);
      }),
    );
  };

  // GET PROCESSING OPTIONS.
  const pdol = find(fci, '9F38')?.value ?? Buffer.alloc(0);
  const pdolData = fill('GET PROCESSING OPTIONS', pdol);
  const cryptogramTvrAtGpo = tvr.copy();
  const gpo = await send('GET PROCESSING OPTIONS', apdu(0x80, 0xa8, 0x00, 0x00, Buffer.concat([Buffer.from([0x83, pdolData.length]), pdolData])));
  if (gpo.sw === '6985') throw new KernelError('card-status', 'the card refused a contactless transaction (6985): insert or swipe the card', 'GET PROCESSING OPTIONS');
  if (gpo.sw !== '9000') throw new KernelError('card-status', `the card answered ${gpo.sw} to GET PROCESSING OPTIONS`, 'GET PROCESSING OPTIONS');
  const data = new Map<string, Buffer>();
  let aip: Buffer;
  let afl: Buffer;
  if (gpo.data[0] === 0x80) {
    const [format1] = parse('GET PROCESSING OPTIONS', gpo.data);
    if (!format1 || format1.value.length < 2 || (format1.value.length - 2) % 4 !== 0)
      throw new KernelError('card-data-malformed', 'GET PROCESSING OPTIONS format 1 answer has a bad length', 'GET PROCESSING OPTIONS');
    aip = format1.value.subarray(0, 2);
    afl = format1.value.subarray(2);
  } else {
    const template = parse('GET PROCESSING OPTIONS', gpo.data);
    if (template[0]?.tag !== '77') throw new KernelError('card-data-malformed', 'GET PROCESSING OPTIONS answer is neither format 1 (80) nor format 2 (77)', 'GET PROCESSING OPTIONS');
    collect(template[0].children ?? [], data);
    aip = required(data, '82', 'GET PROCESSING OPTIONS', 'AIP (82)');
    afl = data.get('94') ?? Buffer.alloc(0);
  }
  data.set('82', aip);
  if (afl.length % 4 !== 0) throw new KernelError('card-data-malformed', 'the AFL (94) is not a whole number of 4-byte entries', 'GET PROCESSING OPTIONS');

  // READ RECORD per AFL.
  for (let i = 0; i < afl.length; i += 4) {
    const sfi = afl[i]! >> 3;
    const first = afl[i + 1]!;
    const last = afl[i + 2]!;
    if (sfi < 1 || sfi > 30 || first < 1 || last < first) throw new KernelError('card-data-malformed', `AFL entry ${i / 4 + 1} is invalid`, 'GET PROCESSING OPTIONS');
    for (let record = first; record <= last; record++) {
      const items = await expectOk('READ RECORD', apdu(0x00, 0xb2, record, (sfi << 3) | 0x04, undefined));
      if (sfi <= 10 && items[0]?.tag !== '70') throw new KernelError('card-data-malformed', `record ${record} of SFI ${sfi} is not a 70 template`, 'READ RECORD');
      collect(items[0]?.children ?? [], data);
    }
  }

  // Card data the host needs.
  const track2 = data.get('57');
  const track2Text = track2 ? toHex(track2).replace(/F+$/, '') : undefined;
  const panField = data.get('5A');
  const pan = panField ? toHex(panField).replace(/F+$/, '') : track2Text?.split('D')[0];
  if (!pan || !/^\d{12,19}$/.test(pan)) throw new KernelError('card-data-missing', 'the card gave no usable PAN (5A or 57)', 'READ RECORD');
  const expiryField = data.get('5F24');
  const expiry = expiryField ? toHex(expiryField).slice(0, 4) : track2Text?.split('D')[1]?.slice(0, 4);

  // Processing restrictions.
  const today = txn.date ?? emvDate();
  if (expiryField && toHex(expiryField) < today) tvr.set('expiredApplication');
  const effective = data.get('5F25');
  if (effective && toHex(effective) > today) tvr.set('applicationNotYetEffective');

  // CVM: the issuer asked for a PIN (forceOnlinePin, asked first so the terminal sees every such card),
  // the CVM-required limit, or a Visa card's CTQ asking for online PIN. A balance inquiry moves no
  // money: no CVM. When one is required: online PIN with a PIN pad, else signature when 9F33 says the
  // terminal takes one, else none applies: cardholder verification failed (EMV Book 3 §10.5).
  const forced = txn.forceOnlinePin?.(pan) === true;
  const ctq = data.get('9F6C');
  const pinAsked = forced || (ctq !== undefined && (ctq[0]! & 0x80) !== 0);
  const cvmRequired = txn.type !== '31' && (pinAsked || txn.amount >= config.limits.cvmRequired);
  const cvm: Cvm = !cvmRequired ? 'no-cvm' : config.onlinePinCapable ? 'online-pin' : signatureCapable ? 'signature' : 'cvm-failed';
  if (cvmRequired && pinAsked && !config.onlinePinCapable) tvr.set('pinPadNotPresent');
  if (cvm === 'cvm-failed') tvr.set('cardholderVerificationFailed');
  terminal.set('9F34', Buffer.from(cvmResults[cvm], 'hex'));
  tsi.set('cardholderVerificationPerformed');
  terminal.set('95', tvr.copy());

  // Cryptogram: from GPO (qVSDC-like) or GENERATE AC.
  let cryptogramSource: KernelResult['cryptogramSource'] = 'GPO';
  let cryptogramTvr = cryptogramTvrAtGpo;
  if (!data.has('9F26')) {
    cryptogramSource = 'GENERATE AC';
    const cdol1 = required(data, '8C', 'READ RECORD', 'CDOL1 (8C)');
    cryptogramTvr = tvr.copy();
    // Online-only terminal: ask for an ARQC (P1 80); at or below the floor limit a TC (40) could be
    // granted, except for a zero amount (a balance inquiry), which only the issuer can answer.
    const p1 = tvr.has('exceedsFloorLimit') || txn.amount === 0 ? 0x80 : 0x40;
    const answer = await send('GENERATE AC', apdu(0x80, 0xae, p1, 0x00, fill('GENERATE AC', cdol1)));
    if (answer.sw !== '9000') throw new KernelError('card-status', `the card answered ${answer.sw} to GENERATE AC`, 'GENERATE AC');
    const [top] = parse('GENERATE AC', answer.data);
    if (top?.tag === '80') {
      if (top.value.length < 11) throw new KernelError('card-data-malformed', 'GENERATE AC format 1 answer is too short', 'GENERATE AC');
      data.set('9F27', top.value.subarray(0, 1));
      data.set('9F36', top.value.subarray(1, 3));
      data.set('9F26', top.value.subarray(3, 11));
      if (top.value.length > 11) data.set('9F10', top.value.subarray(11));
    } else if (top?.tag === '77') collect(top.children ?? [], data);
    else throw new KernelError('card-data-malformed', 'GENERATE AC answer is neither format 1 (80) nor format 2 (77)', 'GENERATE AC');
  }
  tsi.set('cardRiskManagementPerformed');
  for (const tag of ['9F26', '9F27', '9F36']) required(data, tag, cryptogramSource, tag);
  const cid = data.get('9F27')![0]! & 0xc0;
  const decision = cid === 0x80 ? 'ARQC' : cid === 0x40 ? 'TC' : 'AAC';
  for (const [tag, value] of terminal) if (!data.has(tag)) data.set(tag, value);
  data.set('95', cryptogramTvr);
  data.set('84', chosen.aid);

  return {
    aid: toHex(chosen.aid),
    scheme: chosen.supported.scheme,
    label: find(fci, '50')?.value.toString('latin1') ?? chosen.label,
    arpcMethod: chosen.supported.arpcMethod,
    pan,
    expiry,
    psn: data.get('5F34') ? toHex(data.get('5F34')!) : undefined,
    track2: track2Text?.replace('D', '='),
    data,
    cryptogramSource,
    decision,
    cvm,
    tvr,
    tsi,
    cryptogramTvr,
    apdus,
  };
}

/** Tags that go to the host in DE55, in the order docs/iso8583.md lists them. */
/**
 * 9F33 as this terminal tells the card and the issuer: the configured value with the PIN claims made
 * true (EMV Book 4 Annex A2, byte 2): enciphered PIN online (b7) only with a PIN pad attached, and no
 * offline PIN (b8 plaintext, b5 enciphered), since this kernel sends no VERIFY.
 */
function offeredCapabilities(config: KernelConfig): Buffer {
  const capabilities = Buffer.from(config.capabilities, 'hex');
  capabilities[1] = (capabilities[1]! & ~(0x80 | 0x40 | 0x10)) | (config.onlinePinCapable ? 0x40 : 0);
  return capabilities;
}

const de55Tags = ['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F03', '9F33', '9F34', '9F35', '84', '5F34', '9F66', '9F6E'];

/** DE55 subfields (path → value) from a kernel result. */
export function de55Fields(result: KernelResult): Array<[string, Buffer]> {
  return de55Tags.filter((tag) => result.data.has(tag)).map((tag) => [`55.${tag}`, result.data.get(tag)!]);
}

function parse(step: string, bytes: Buffer): Tlv[] {
  try {
    return decodeTlv(bytes);
  } catch (error) {
    if (error instanceof DecodeError) throw new KernelError('card-data-malformed', `the card's answer to ${step} is malformed: ${error.reason} (${error.path || 'top level'}, byte ${error.offset})`, step);
    throw error;
  }
}

function find(items: Tlv[], tag: string): Tlv | undefined {
  for (const item of items) {
    if (item.tag === tag) return item;
    const inner = item.children && find(item.children, tag);
    if (inner) return inner;
  }
  return undefined;
}

/** Primitive objects of a template into the card data map (first occurrence wins). */
function collect(items: Tlv[], into: Map<string, Buffer>): void {
  for (const item of items) {
    if (item.children) collect(item.children, into);
    else if (!into.has(item.tag)) into.set(item.tag, item.value);
  }
}

function required(data: Map<string, Buffer>, tag: string, step: string, name: string): Buffer {
  const value = data.get(tag);
  if (!value) throw new KernelError('card-data-missing', `the card did not give the mandatory ${name}`, step);
  return value;
}

function bcd(value: number, bytes: number): Buffer {
  return Buffer.from(String(value).padStart(bytes * 2, '0'), 'hex');
}

function apdu(cla: number, ins: number, p1: number, p2: number, data: Buffer | undefined): Buffer {
  const body = data ? Buffer.concat([Buffer.from([data.length]), data]) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from([cla, ins, p1, p2]), body, Buffer.from([0x00])]);
}

/** EXTERNAL AUTHENTICATE with the issuer authentication data (EMV Book 3 §6.5.4). */
export function externalAuthenticate(issuerAuthenticationData: Buffer): Buffer {
  return apdu(0x00, 0x82, 0x00, 0x00, issuerAuthenticationData);
}
