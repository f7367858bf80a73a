/**
 * A scripted contactless read over any CardReader: SELECT PPSE, SELECT the first AID, GET
 * PROCESSING OPTIONS with the PDOL filled from fixed terminal data, READ RECORD for every AFL
 * entry, and GENERATE AC (ARQC) when the card did not already return a cryptogram in the GPO
 * answer. It is the driver's end-to-end exercise for tests, the reader benchmark and
 * `pos virtual reader --read`; it is NOT an EMV kernel (no risk management, no CVM, no ODA:
 * terminal/kernel owns that).
 */
import { toHex } from '../../protocols/bytes.js';
import { decodeTlv, findTag } from '../../protocols/tlv/index.js';
import type { CardReader } from './card-reader.js';
import { PPSE_NAME } from './virtual-cards/emv-card.js';
import { dolEntries } from './virtual-cards/tlv-builder.js';

export interface ContactlessReadResult {
  aid: string;
  /** The APDUs exchanged, in order: command and response hex. They hold the PAN and track 2: never log them. */
  exchanges: Array<{ command: string; response: string }>;
  cryptogram: { ac: string; cid: string; atc: string; iad: string; source: 'GPO' | 'GENERATE AC' } | undefined;
  /** PAN from 5A or 57 (unmasked: callers mask before showing it). */
  pan: string | undefined;
  /** Terminal data sent in PDOL/CDOL1, by tag. */
  terminalData: Record<string, string>;
}

/** Terminal data for DOLs: amount 12.34, US, today's date fixed for repeatability, random UN. */
export function defaultTerminalData(unpredictableNumber: Buffer): Map<string, Buffer> {
  return new Map<string, Buffer>([
    ['9F66', Buffer.from('36004000', 'hex')], // TTQ: contactless EMV, online capable
    ['9F02', Buffer.from('000000001234', 'hex')],
    ['9F03', Buffer.from('000000000000', 'hex')],
    ['9F1A', Buffer.from('0840', 'hex')],
    ['95', Buffer.from('0000000000', 'hex')],
    ['5F2A', Buffer.from('0840', 'hex')],
    ['9A', Buffer.from('260101', 'hex')],
    ['9C', Buffer.from('00', 'hex')],
    ['9F37', unpredictableNumber],
    ['9F35', Buffer.from('22', 'hex')],
    ['9F45', Buffer.from('0000', 'hex')],
    ['9F4C', Buffer.alloc(8)],
    ['9F34', Buffer.from('1F0302', 'hex')],
  ]);
}

export class CardResponseError extends Error {
  override readonly name = 'CardResponseError';
  constructor(
    readonly command: string,
    readonly statusWord: string,
  ) {
    super(`${command} answered ${statusWord}`);
  }
}

export async function contactlessRead(reader: CardReader, terminal: Map<string, Buffer>): Promise<ContactlessReadResult> {
  const result: ContactlessReadResult = { aid: '', exchanges: [], cryptogram: undefined, pan: undefined, terminalData: {} };
  const send = async (name: string, apdu: Buffer): Promise<Buffer> => {
    const response = await reader.transceive(apdu);
    result.exchanges.push({ command: toHex(apdu), response: toHex(response) });
    const sw = toHex(response.subarray(-2));
    if (response.length < 2 || sw !== '9000') throw new CardResponseError(name, sw);
    return response.subarray(0, -2);
  };
  const fill = (dol: Buffer): Buffer =>
    Buffer.concat(
      dolEntries(dol).map(({ tag, length }) => {
        const value = terminal.get(tag) ?? Buffer.alloc(length);
        result.terminalData[tag] = toHex(value);
        return Buffer.concat([value, Buffer.alloc(Math.max(0, length - value.length))]).subarray(0, length);
      }),
    );

  const ppse = await send('SELECT PPSE', select(PPSE_NAME));
  const aid = findTlv(ppse, '4F');
  if (!aid) throw new CardResponseError('SELECT PPSE', 'no 4F in the FCI');
  result.aid = toHex(aid);
  const fci = await send('SELECT AID', select(aid));
  const pdol = findTlv(fci, '9F38') ?? Buffer.alloc(0);
  const pdolData = fill(pdol);
  const gpo = await send('GET PROCESSING OPTIONS', apdu(0x80, 0xa8, 0x00, 0x00, Buffer.concat([Buffer.from([0x83, pdolData.length]), pdolData])));
  const afl = gpo[0] === 0x80 ? gpo.subarray(4) : findTlv(gpo, '94') ?? Buffer.alloc(0);
  if (findTlv(gpo, '9F26')) result.cryptogram = cryptogramFrom(gpo, 'GPO');
  result.pan = panFrom(gpo);
  let cdol1: Buffer | undefined;
  for (let i = 0; i + 4 <= afl.length; i += 4) {
    const sfi = afl[i]! >> 3;
    for (let record = afl[i + 1]!; record <= afl[i + 2]!; record++) {
      const data = await send('READ RECORD', apdu(0x00, 0xb2, record, (sfi << 3) | 0x04, undefined));
      cdol1 ??= findTlv(data, '8C');
      result.pan ??= panFrom(data);
    }
  }
  if (!result.cryptogram && cdol1) {
    const answer = await send('GENERATE AC', apdu(0x80, 0xae, 0x80, 0x00, fill(cdol1)));
    result.cryptogram = cryptogramFrom(answer, 'GENERATE AC');
  }
  return result;
}

/** The value of the first `tag` in a card's answer; a malformed answer throws DecodeError naming tag and offset. */
function findTlv(answer: Buffer, tag: string): Buffer | undefined {
  return findTag(decodeTlv(answer), tag)?.value;
}

function select(name: Buffer): Buffer {
  return apdu(0x00, 0xa4, 0x04, 0x00, name);
}

/** A short APDU with Le = 00. */
function apdu(cla: number, ins: number, p1: number, p2: number, data: Buffer | undefined): Buffer {
  const body = data ? Buffer.concat([Buffer.from([data.length]), data]) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from([cla, ins, p1, p2]), body, Buffer.from([0x00])]);
}

function cryptogramFrom(answer: Buffer, source: 'GPO' | 'GENERATE AC'): ContactlessReadResult['cryptogram'] {
  const get = (tag: string) => toHex(findTlv(answer, tag) ?? Buffer.alloc(0));
  return { ac: get('9F26'), cid: get('9F27'), atc: get('9F36'), iad: get('9F10'), source };
}

function panFrom(data: Buffer): string | undefined {
  const pan = findTlv(data, '5A');
  if (pan) return toHex(pan).replace(/F+$/, '');
  const track2 = findTlv(data, '57');
  return track2 ? toHex(track2).split('D')[0] : undefined;
}
