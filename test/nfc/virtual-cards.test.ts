import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import { arpcMethodOf, testCards, testCardByPan, cryptogramDataElements } from '../../protocols/testcards.js';
import type { CardReader, CardInfo } from '../../hardware/nfc/card-reader.js';
import { contactlessRead, defaultTerminalData, CardResponseError } from '../../hardware/nfc/contactless-read.js';
import { applicationCryptogram, createVirtualCard, iccMasterKey, kcv, retailMac, sessionKey, VirtualEmvCard } from '../../hardware/nfc/virtual-cards/index.js';
import { createSimulatedHsm } from '../../switch/hsm/index.js';
import { decodeTlv, findTag } from '../../protocols/tlv/index.js';
import { DecodeError } from '../../protocols/errors.js';
import { EventEmitter } from 'node:events';

/** The card straight behind a CardReader, no PN532: tests the card alone. */
function directReader(card: VirtualEmvCard): CardReader {
  const reader = new EventEmitter() as CardReader;
  Object.assign(reader, {
    start: async () => {},
    stop: async () => {},
    waitForCard: async (): Promise<CardInfo> => ({ uid: card.uid, atqa: card.atqa, sak: card.sak, ats: card.ats }),
    transceive: async (apdu: Buffer) => card.transmit(apdu).response,
  });
  return reader;
}

describe('EMV key derivation and MAC against published vectors', () => {
  // pyemv test vectors (IMK 0123456789ABCDEFFEDCBA9876543210, PAN 9901234567890123, PSN 45), as collected in
  // /work/shared/reference/terminal-protocols.md §6: IMK KCV 08D7, ICC MK KCV 1DA5, SK(R=1234567890123456) KCV 0995,
  // ARQC over 0123456789ABCDEF0123456789ABCDEF = 4B46013359B7A58B.
  const imk = fromHex('0123456789ABCDEFFEDCBA9876543210');
  const mk = iccMasterKey(imk, '9901234567890123', '45');
  it('IMK, ICC MK (Option A) and session key KCVs', () => {
    expect(toHex(kcv(imk))).toBe('08D7');
    expect(toHex(kcv(mk))).toBe('1DA5');
    expect(toHex(kcv(sessionKey(mk, fromHex('1234567890123456'))))).toBe('0995');
  });
  it('ARQC with the session key, ISO 9797-1 alg 3, padding method 2', () => {
    const sk = sessionKey(mk, fromHex('1234567890123456'));
    expect(toHex(retailMac(sk, fromHex('0123456789ABCDEF0123456789ABCDEF'), 2))).toBe('4B46013359B7A58B');
  });
  // knovichikhin/pyemv tests, test_visa_cvn18 and test_mastercard_cvn16: IMK 0123…3210, PAN 1234567890123456, PSN 00
  // (ICC MK KCV BAB0), ATC 001C. These pin the recipes the virtual visa and mastercard profiles use.
  it('Visa CVN 18 ARQC 7A788EA6B8A3E733 (common session key, whole IAD, padding 2)', () => {
    const data = Buffer.concat(['000000004000', '000000000000', '0124', '8000048000', '0124', '191105', '01', '52BF4585', '1800', '001C', '06011203A0B800'].map((v) => fromHex(v)));
    const pan = '1234567890123456';
    expect(toHex(kcv(iccMasterKey(imk, pan, '00')))).toBe('BAB0');
    expect(toHex(kcv(sessionKey(iccMasterKey(imk, pan, '00'), fromHex('001C000000000000'))))).toBe('22C8');
    const ac = applicationCryptogram({ recipe: testCards.visa.recipe, imk, pan, psn: '00', atc: fromHex('001C'), unpredictableNumber: fromHex('52BF4585'), data });
    expect(toHex(ac)).toBe('7A788EA6B8A3E733');
  });
  it('Mastercard CVN 16 ARQC 24CCF3DEE3158C70 (SKD with UN, CVR, padding 2)', () => {
    const data = Buffer.concat(['000000009999', '000000000000', '0124', '8000000000', '0124', '209906', '00', 'ABCDEF12', '1800', '001C', 'A00003220000'].map((v) => fromHex(v)));
    const ac = applicationCryptogram({ recipe: testCards.mastercard.recipe, imk, pan: '1234567890123456', psn: '00', atc: fromHex('001C'), unpredictableNumber: fromHex('ABCDEF12'), data });
    expect(toHex(ac)).toBe('24CCF3DEE3158C70');
  });
  it('the profiles list the right IMK KCVs', () => {
    for (const card of Object.values(testCards)) expect(toHex(kcv(fromHex(card.imk)))).toBe(card.imkKcv);
  });
});

/** Recomputes the ARQC the way the issuer simulator must (docs/virtual-devices.md). */
function issuerArqc(id: keyof typeof testCards, terminal: Record<string, string>, atc: string): string {
  const profile = testCards[id];
  const values: Record<string, string> = { ...terminal, '82': profile.aip, '9F36': atc };
  const iad = fromHex(profile.iad);
  const tail = profile.recipe.tail === 'whole-iad' ? iad : iad.subarray(profile.recipe.tail.start, profile.recipe.tail.end);
  const data = Buffer.concat([...cryptogramDataElements.map((tag) => fromHex(values[tag]!)), tail]);
  return toHex(
    applicationCryptogram({ recipe: profile.recipe, imk: fromHex(profile.imk), pan: profile.pan, psn: profile.psn, atc: fromHex(atc), unpredictableNumber: fromHex(terminal['9F37']!), data }),
  );
}

describe('virtual EMV cards, flows per profile', () => {
  const un = fromHex('1A2B3C4D');

  it('visa (qVSDC): ARQC in the GPO answer, one record, ATC incremented', async () => {
    const card = createVirtualCard('visa');
    const result = await contactlessRead(directReader(card), defaultTerminalData(un));
    expect(result.aid).toBe('A0000000031010');
    expect(result.pan).toBe('4761739001010010');
    expect(result.cryptogram).toMatchObject({ source: 'GPO', cid: '80', atc: '0011', iad: '06011203A00000' });
    expect(result.cryptogram!.ac).toBe(issuerArqc('visa', result.terminalData, '0011'));
    expect(result.exchanges.map((e) => e.command.slice(0, 4))).toEqual(['00A4', '00A4', '80A8', '00B2']);
    // GENERATE AC is not part of qVSDC
    expect(toHex(card.transmit(fromHex('80AE800000')).response)).toBe('6985');
  });

  it('a card at ATC 65535 refuses GET PROCESSING OPTIONS (6985) instead of wrapping to 0, which an issuer takes for a replay', async () => {
    const last = createVirtualCard('visa', { atc: 0xfffe });
    expect((await contactlessRead(directReader(last), defaultTerminalData(un))).cryptogram).toMatchObject({ atc: 'FFFF' });
    const spent = createVirtualCard('visa', { atc: 0xffff });
    await expect(contactlessRead(directReader(spent), defaultTerminalData(un))).rejects.toBeInstanceOf(CardResponseError);
    expect(spent.atc).toBe(0xffff);
  });

  it('mastercard (M/Chip): AIP/AFL in GPO, CDOL1 from a record, ARQC from GENERATE AC', async () => {
    const card = createVirtualCard('mastercard');
    const result = await contactlessRead(directReader(card), defaultTerminalData(un));
    expect(result.aid).toBe('A0000000041010');
    expect(result.exchanges.map((e) => e.command.slice(0, 4))).toEqual(['00A4', '00A4', '80A8', '00B2', '00B2', '00B2', '80AE']);
    expect(result.exchanges[2]!.command).toBe('80A8000002830000'); // empty PDOL
    expect(result.cryptogram).toMatchObject({ source: 'GENERATE AC', cid: '80', atc: '0021' });
    expect(result.cryptogram!.ac).toBe(issuerArqc('mastercard', result.terminalData, '0021'));
    expect(card.lastCryptogram?.type).toBe('ARQC');
  });

  it('unionpay (qUICS-like): ARQC in GPO, card data in two records', async () => {
    const card = createVirtualCard('unionpay');
    const result = await contactlessRead(directReader(card), defaultTerminalData(un));
    expect(result.aid).toBe('A000000333010101');
    expect(result.pan).toBe('6250946000000016');
    expect(result.exchanges).toHaveLength(5);
    expect(result.cryptogram!.ac).toBe(issuerArqc('unionpay', result.terminalData, '0031'));
  });

  it('a different unpredictable number or ATC gives a different ARQC', async () => {
    const card = createVirtualCard('mastercard');
    const first = await contactlessRead(directReader(card), defaultTerminalData(un));
    card.activate();
    const second = await contactlessRead(directReader(card), defaultTerminalData(un));
    expect(second.cryptogram!.atc).toBe('0022');
    expect(second.cryptogram!.ac).not.toBe(first.cryptogram!.ac);
  });

  it('PPSE FCI lists the AID with its kernel id (Book B entry point)', () => {
    const card = createVirtualCard('visa');
    const response = card.transmit(fromHex('00A404000E325041592E5359532E444446303100')).response;
    expect(toHex(response.subarray(-2))).toBe('9000');
    const fci = decodeTlv(response.subarray(0, -2));
    expect(toHex(findTag(fci, '4F')!.value)).toBe('A0000000031010');
    expect(toHex(findTag(fci, '9F2A')!.value)).toBe('03');
    expect(testCardByPan('4761739001010010')?.id).toBe('visa');
  });

  it('answers bad APDUs with status words: wrong length, unknown INS/CLA, record not found, GPO before SELECT', () => {
    const card = createVirtualCard('mastercard');
    const sw = (hex: string) => toHex(card.transmit(fromHex(hex)).response.subarray(-2));
    expect(sw('80A8000002830000')).toBe('6985');
    expect(sw('00A4040007A000000004101000')).toBe('9000');
    expect(sw('80A80000028301AA00')).toBe('6700');
    expect(sw('00B2091400')).toBe('6A83');
    expect(sw('00CA9F3600')).toBe('6D00');
    expect(sw('A0A4040000')).toBe('6E00');
    expect(sw('00A4')).toBe('6700');
  });
});

describe('card faults', () => {
  const un = fromHex('01020304');

  it('no matching AID: SELECT answers 6A82', async () => {
    const card = createVirtualCard('visa');
    card.faults.noMatchingAid = true;
    await expect(contactlessRead(directReader(card), defaultTerminalData(un))).rejects.toEqual(new CardResponseError('SELECT PPSE', '6A82'));
  });

  it('a forced status word for one command', async () => {
    const card = createVirtualCard('mastercard');
    card.faults.statusWords['GENERATE AC'] = '6985';
    await expect(contactlessRead(directReader(card), defaultTerminalData(un))).rejects.toMatchObject({ command: 'GENERATE AC', statusWord: '6985' });
  });

  it('malformed TLV in an answer', async () => {
    const card = createVirtualCard('visa');
    card.faults.malformedTlv = 'GET PROCESSING OPTIONS';
    await expect(contactlessRead(directReader(card), defaultTerminalData(un))).rejects.toBeInstanceOf(DecodeError);
  });

  it('a slow card reports its processing delay to the PN532', () => {
    const card = createVirtualCard('unionpay');
    card.faults.delayMs = 120;
    expect(card.transmit(fromHex('00A404000E325041592E5359532E444446303100')).delayMs).toBe(120);
  });
});

describe('EXTERNAL AUTHENTICATE: the card checks the issuer’s ARPC (91)', () => {
  // The ARPC comes from the switch's HSM simulator, the way the switch answers; arpcMethod1/2 themselves
  // are pinned to pyemv's published vectors in test/crypto/emv.test.ts.
  const un = fromHex('01020304');
  const hsm = createSimulatedHsm({ lmk: Buffer.alloc(32, 7) });
  const external = (card: VirtualEmvCard, data: Buffer) => toHex(card.transmit(Buffer.concat([fromHex('00820000'), Buffer.from([data.length]), data])).response);

  /** Reads the card up to its ARQC, then asks the HSM for the ARPC the switch would send. */
  async function readAndArpc(card: VirtualEmvCard, answer: Parameters<typeof hsm.generateArpc>[1]) {
    const profile = card.profile;
    if (!hsm.keyInfo(`imk:${profile.id}`)) await hsm.importKey(`imk:${profile.id}`, 'IMK-AC', fromHex(profile.imk));
    await contactlessRead(directReader(card), defaultTerminalData(un));
    const { ac, atc } = card.lastCryptogram!;
    const check = { imkId: `imk:${profile.id}`, pan: profile.pan, psn: profile.psn, recipe: profile.recipe, atc: Buffer.from([atc >> 8, atc & 0xff]), unpredictableNumber: un, arqc: ac };
    return hsm.generateArpc(check, answer);
  }

  it('unionpay (AIP 1C00, method 1): the switch’s ARPC → 9000, once per transaction; a bit flipped or another ARC → 6300', async () => {
    expect(arpcMethodOf(testCards.unionpay.recipe)).toBe(1);
    const card = createVirtualCard('unionpay');
    expect(external(card, fromHex('01020304050607083030'))).toBe('6985'); // no ARQC yet
    const arpc = await readAndArpc(card, { method: 1, arc: Buffer.from('00', 'latin1') });
    expect(external(card, arpc.subarray(0, 7))).toBe('6700');
    expect(external(card, arpc)).toBe('9000');
    expect(card.lastIssuerAuthentication).toBe('passed');
    expect(external(card, arpc)).toBe('6985');
    const flipped = Buffer.from(await readAndArpc(card, { method: 1, arc: Buffer.from('00', 'latin1') }));
    flipped[0]! ^= 0x01;
    expect(external(card, flipped)).toBe('6300');
    expect(card.lastIssuerAuthentication).toBe('failed');
    const approved = await readAndArpc(card, { method: 1, arc: Buffer.from('00', 'latin1') });
    expect(external(card, Buffer.concat([approved.subarray(0, 8), Buffer.from('05', 'latin1')]))).toBe('6300');
  });

  it('method 2 (Visa CVN 18, ARPC(4) ‖ CSU) on a visa card whose AIP announces issuer authentication', async () => {
    expect(arpcMethodOf(testCards.visa.recipe)).toBe(2);
    const card = new VirtualEmvCard({ ...testCards.visa, aip: '0400' });
    const arpc = await readAndArpc(card, { method: 2, csu: Buffer.alloc(4) });
    expect(arpc).toHaveLength(8);
    expect(external(card, arpc)).toBe('9000');
    const wrong = Buffer.from(await readAndArpc(card, { method: 2, csu: Buffer.alloc(4) }));
    wrong[7]! ^= 0x80; // another CSU than the one the ARPC was computed over
    expect(external(card, wrong)).toBe('6300');
  });

  it('a card whose AIP has no issuer authentication does not know the command (6D00)', async () => {
    const card = createVirtualCard('visa');
    const arpc = await readAndArpc(card, { method: 2, csu: Buffer.alloc(4) });
    expect(external(card, arpc)).toBe('6D00');
  });
});
