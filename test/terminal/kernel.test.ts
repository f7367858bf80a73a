// The EMV contactless kernel over virtual cards through a direct CardReader (fast path; the PTY path
// with the real PN532 driver is in e2e). The issuer-side recomputation uses the same recipe as the
// switch (protocols/testcards.ts, pyemv-checked in test/nfc/virtual-cards.test.ts).
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import { arpcKey, arpcMethod1 } from '../../protocols/crypto/index.js';
import { cryptogramDataElements, testCards } from '../../protocols/testcards.js';
import { createVirtualCard, type VirtualEmvCard } from '../../hardware/nfc/virtual-cards/index.js';
import { applicationCryptogram } from '../../hardware/nfc/virtual-cards/cryptogram.js';
import { tlv } from '../../hardware/nfc/virtual-cards/tlv-builder.js';
import type { ContactlessCard } from '../../hardware/nfc/virtual-cards/contactless-card.js';
import { runKernel, de55Fields, type KernelConfig, type KernelResult } from '../../terminal/kernel/kernel.js';
import { processIssuerAnswer } from '../../terminal/kernel/issuer.js';
import { ReaderTimeoutError } from '../../hardware/nfc/card-reader.js';
import { KernelError } from '../../terminal/kernel/errors.js';
import { defaultAids } from '../../terminal/config.js';
import { DirectCardReader } from './direct-reader.js';

const config: KernelConfig = {
  aids: defaultAids,
  terminalCountry: '0156',
  currency: '0156',
  terminalType: '22',
  capabilities: 'E0F0C8',
  limits: { contactless: 100000, cvmRequired: 30000, floor: 0 },
  onlinePinCapable: true,
};

async function read(card: ContactlessCard, amount = 1234, options: { removeAfterApdus?: number; config?: Partial<KernelConfig> } = {}) {
  const reader = new DirectCardReader();
  reader.tap(card, options);
  const result = await runKernel(reader, { ...config, ...options.config }, { amount, type: '00', unpredictableNumber: fromHex('CAFEBABE'), date: '260315' });
  return { reader, result };
}

/** What the issuer does with DE55: rebuild the recipe's data and recompute the AC. */
function issuerArqc(card: VirtualEmvCard, result: KernelResult): string {
  const fields = new Map(de55Fields(result).map(([path, value]) => [path.slice(3), value]));
  const iad = fields.get('9F10')!;
  const tail = card.profile.recipe.tail === 'whole-iad' ? iad : iad.subarray(card.profile.recipe.tail.start, card.profile.recipe.tail.end);
  return toHex(
    applicationCryptogram({
      recipe: card.profile.recipe,
      imk: fromHex(card.profile.imk),
      pan: result.pan,
      psn: result.psn ?? '00',
      atc: fields.get('9F36')!,
      unpredictableNumber: fields.get('9F37')!,
      data: Buffer.concat([...cryptogramDataElements.map((tag) => fields.get(tag)!), tail]),
    }),
  );
}

describe('EMV contactless kernel', () => {
  it('mastercard: GPO format 2 without cryptogram, READ RECORD per AFL, GENERATE AC; DE55 lets the issuer recompute the ARQC', async () => {
    const card = createVirtualCard('mastercard');
    const { reader, result } = await read(card);
    expect(result.cryptogramSource).toBe('GENERATE AC');
    expect(result.decision).toBe('ARQC');
    expect(reader.sent.map((a) => toHex(a.subarray(0, 2)))).toEqual(['00A4', '00A4', '80A8', '00B2', '00B2', '00B2', '80AE']);
    expect(toHex(reader.sent[6]!.subarray(2, 3))).toBe('80'); // ARQC requested above the floor limit
    expect(result.pan).toBe(testCards.mastercard.pan);
    expect(result.expiry).toBe('3011');
    expect(result.scheme).toBe('Mastercard');
    expect(toHex(result.data.get('9F26')!)).toBe(toHex(card.lastCryptogram!.ac));
    expect(issuerArqc(card, result)).toBe(toHex(card.lastCryptogram!.ac));
    expect(result.track2).toMatch(/^5413339000001513=3011201/);
  });

  it('visa and unionpay: the cryptogram comes in the GPO answer (no GENERATE AC); the PDOL TVR is what DE55 carries', async () => {
    for (const id of ['visa', 'unionpay'] as const) {
      const card = createVirtualCard(id);
      const { reader, result } = await read(card);
      expect(result.cryptogramSource).toBe('GPO');
      expect(reader.sent.some((a) => a[1] === 0xae)).toBe(false);
      expect(issuerArqc(card, result)).toBe(toHex(card.lastCryptogram!.ac));
      expect(result.pan).toBe(testCards[id].pan);
    }
  });

  it('TVR/TSI: ODA not performed, floor limit exceeded; CVM-required limit → online PIN', async () => {
    const low = (await read(createVirtualCard('mastercard'), 1000)).result;
    expect(low.cvm).toBe('no-cvm');
    expect(low.tvr.hex()).toBe('8000008000');
    expect(low.tsi.hex()).toBe('6800');
    const high = (await read(createVirtualCard('mastercard'), 50000)).result;
    expect(high.cvm).toBe('online-pin');
    expect(toHex(high.data.get('9F34')!)).toBe('020000');
  });

  // 9F34 CVM Results, EMV Book 4 Annex A4: byte 1 the CVM performed (02 online PIN, 1E signature,
  // 1F no CVM required, 3F no CVM performed), byte 2 its condition, byte 3 the result as the terminal
  // knows it: 00 unknown (for example, for signature), 01 failed, 02 successful. EMV Book 3 §10.5: no
  // CVM performed when one was required sets TVR byte 3 bit 8 (cardholder verification was not successful).
  it('over the CVM-required limit without a PIN pad: signature (1E0000) when 9F33 takes one, else CVM failed (3F0001)', async () => {
    const noPinPad = (await read(createVirtualCard('mastercard'), 50000, { config: { onlinePinCapable: false } })).result;
    expect(noPinPad.cvm).toBe('signature'); // before: 'no-cvm' with 9F34 1F0002 (no CVM required, successful)
    expect(toHex(noPinPad.data.get('9F34')!)).toBe('1E0000');
    expect(noPinPad.tvr.has('cardholderVerificationFailed')).toBe(false);
    expect(toHex(noPinPad.data.get('9F66')!)).toBe('32404000'); // TTQ byte 1: no online PIN (b3), signature (b2)
    const noSignature = (await read(createVirtualCard('mastercard'), 50000, { config: { onlinePinCapable: false, capabilities: 'E0D0C8' } })).result;
    expect(noSignature.cvm).toBe('cvm-failed'); // 9F33 byte 2 D0: no signature (b6)
    expect(toHex(noSignature.data.get('9F34')!)).toBe('3F0001');
    expect(noSignature.tvr.has('cardholderVerificationFailed')).toBe(true);
    expect(de55Fields(noSignature).find(([path]) => path === '55.9F34')![1].toString('hex')).toBe('3f0001');
    const underLimit = (await read(createVirtualCard('mastercard'), 1000, { config: { onlinePinCapable: false, capabilities: 'E0D0C8' } })).result;
    expect(underLimit.cvm).toBe('no-cvm');
    expect(toHex(underLimit.data.get('9F34')!)).toBe('1F0002');
    expect(underLimit.tvr.has('cardholderVerificationFailed')).toBe(false);
  });

  // 9F33 byte 2, EMV Book 4 Annex A2: b8 plaintext PIN for ICC verification, b7 enciphered PIN online,
  // b6 signature, b5 enciphered PIN offline. The configured E0F0C8 claims all four.
  it('9F33 claims online PIN only with a PIN pad, and no offline PIN (the kernel sends no VERIFY)', async () => {
    const withPad = (await read(createVirtualCard('mastercard'))).result;
    expect(toHex(withPad.data.get('9F33')!)).toBe('E060C8');
    const noPad = (await read(createVirtualCard('mastercard'), 1234, { config: { onlinePinCapable: false } })).result;
    expect(toHex(noPad.data.get('9F33')!)).toBe('E020C8');
    expect(de55Fields(noPad).find(([path]) => path === '55.9F33')?.[1].toString('hex')).toBe('e020c8');
  });

  it('the issuer asked for a PIN (65) and no PIN pad: signature, TVR byte 3 bit 5 (PIN entry required, PIN pad not present)', async () => {
    const reader = new DirectCardReader();
    reader.tap(createVirtualCard('mastercard'));
    const result = await runKernel(reader, { ...config, onlinePinCapable: false }, { amount: 1000, type: '00', date: '260315', forceOnlinePin: () => true });
    expect(result.cvm).toBe('signature');
    expect(result.tvr.has('pinPadNotPresent')).toBe(true);
    expect(toHex(result.data.get('9F34')!)).toBe('1E0000');
  });

  it('below the floor limit a TC is requested (this online-only card still answers ARQC)', async () => {
    const { reader, result } = await read(createVirtualCard('mastercard'), 500, { config: { limits: { ...config.limits, floor: 1000 } } });
    expect(toHex(reader.sent[6]!.subarray(2, 3))).toBe('40');
    expect(result.tvr.has('exceedsFloorLimit')).toBe(false);
    expect(result.decision).toBe('ARQC');
  });

  it('limits at exactly their values (EMV Book B Entry Point): contactless refused at the limit, CVM required at the limit, online only above the floor', async () => {
    const refused = new DirectCardReader();
    refused.tap(createVirtualCard('visa'));
    await expect(runKernel(refused, config, { amount: 100000, type: '00' })).rejects.toMatchObject({ reasonCode: 'over-contactless-limit' });
    expect(refused.sent).toHaveLength(0);
    expect((await read(createVirtualCard('mastercard'), 99999)).result.cvm).toBe('online-pin');
    const atCvm = (await read(createVirtualCard('mastercard'), 30000)).result;
    expect(atCvm.cvm).toBe('online-pin');
    expect(toHex(atCvm.data.get('9F66')!)).toBe('36404000'); // TTQ: CVM required
    const belowCvm = (await read(createVirtualCard('mastercard'), 29999)).result;
    expect(belowCvm.cvm).toBe('no-cvm');
    const floor = { limits: { ...config.limits, floor: 1000 } };
    const atFloor = await read(createVirtualCard('mastercard'), 1000, { config: floor });
    expect(atFloor.result.tvr.has('exceedsFloorLimit')).toBe(false);
    expect(toHex(atFloor.reader.sent[6]!.subarray(2, 3))).toBe('40'); // TC requested: not above the floor
    const aboveFloor = await read(createVirtualCard('mastercard'), 1001, { config: floor });
    expect(aboveFloor.result.tvr.has('exceedsFloorLimit')).toBe(true);
    expect(toHex(aboveFloor.reader.sent[6]!.subarray(2, 3))).toBe('80');
    const zero = await read(createVirtualCard('mastercard'), 0);
    expect(toHex(zero.reader.sent[6]!.subarray(2, 3))).toBe('80'); // a zero amount (balance) always goes online
  });

  it('over the contactless limit: refused before any APDU', async () => {
    const reader = new DirectCardReader();
    reader.tap(createVirtualCard('visa'));
    await expect(runKernel(reader, config, { amount: 100001, type: '00' })).rejects.toMatchObject({ reasonCode: 'over-contactless-limit' });
    expect(reader.sent).toHaveLength(0);
  });

  it('application selection by priority, falling back to the next candidate when SELECT fails', async () => {
    const visa = createVirtualCard('visa');
    // The PPSE lists a Mastercard AID at priority 1 (which this card cannot select: 6A82) and Visa at priority 2.
    const twoApps: ContactlessCard = {
      ...visa,
      label: 'two-apps',
      activate: () => visa.activate(),
      transmit(apdu) {
        if (apdu[1] === 0xa4 && apdu.subarray(5, 19).toString('latin1') === '2PAY.SYS.DDF01') {
          const entry = (aid: string, priority: string) => tlv('61', [tlv('4F', fromHex(aid)), tlv('87', fromHex(priority))]);
          const fci = tlv('6F', [tlv('84', Buffer.from('2PAY.SYS.DDF01')), tlv('A5', [tlv('BF0C', [entry('A0000000031010', '02'), entry('A0000000041010', '01')])])]);
          return { response: Buffer.concat([fci, fromHex('9000')]), delayMs: 0 };
        }
        return visa.transmit(apdu);
      },
    };
    const { reader, result } = await read(twoApps);
    expect(toHex(reader.sent[1]!.subarray(5, 12))).toBe('A0000000041010');
    expect(toHex(reader.sent[2]!.subarray(5, 12))).toBe('A0000000031010');
    expect(result.aid).toBe('A0000000031010');
  });

  it('PDOL: numeric tags are left-padded / cut on the left, others right (EMV Book 3 §5.4); a card asking 9F02 in 8 bytes', async () => {
    const visa = createVirtualCard('visa');
    // A card whose PDOL asks 9F02 in 8 bytes, 5F2A in 3, 9A in 4, 9C in 2, 9F03 in 4 and the TTQ (b) in 2.
    const pdol = '9F0208' + '5F2A03' + '9A04' + '9C02' + '9F0304' + '9F6602';
    const odd: ContactlessCard = {
      ...visa,
      label: 'odd-pdol',
      activate: () => visa.activate(),
      transmit(apdu) {
        if (apdu[1] === 0xa4 && apdu.subarray(5, 19).toString('latin1') !== '2PAY.SYS.DDF01') {
          const fci = tlv('6F', [tlv('84', fromHex('A0000000031010')), tlv('A5', [tlv('50', Buffer.from('VISA')), tlv('9F38', fromHex(pdol))])]);
          return { response: Buffer.concat([fci, fromHex('9000')]), delayMs: 0 };
        }
        if (apdu[1] === 0xa8) return { response: fromHex('6985'), delayMs: 0 };
        return visa.transmit(apdu);
      },
    };
    const reader = new DirectCardReader();
    reader.tap(odd);
    const error = await runKernel(reader, config, { amount: 12345, type: '00', date: '260315' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reasonCode: 'card-status', step: 'GET PROCESSING OPTIONS' });
    const gpo = reader.sent.find((a) => a[1] === 0xa8)!;
    // 83 L then the data: 9F02 = 0000000000012345, 5F2A = 000156, 9A = 00260315, 9C = 0000, 9F03 = 00000000, TTQ cut to 3600.
    expect(toHex(gpo.subarray(5, -1))).toBe('8317' + '0000000000012345' + '000156' + '00260315' + '0000' + '00000000' + '3600');
  });

  it('bad card answers end with a clear reason code', async () => {
    const cases: Array<[string, (card: VirtualEmvCard) => void, string, string]> = [
      ['malformed GPO TLV', (c) => (c.faults.malformedTlv = 'GET PROCESSING OPTIONS'), 'card-data-malformed', 'GET PROCESSING OPTIONS'],
      ['malformed record', (c) => (c.faults.malformedTlv = 'READ RECORD'), 'card-data-malformed', 'READ RECORD'],
      ['GPO 6985', (c) => (c.faults.statusWords['GET PROCESSING OPTIONS'] = '6985'), 'card-status', 'GET PROCESSING OPTIONS'],
      ['READ RECORD 6A83', (c) => (c.faults.statusWords['READ RECORD'] = '6A83'), 'card-status', 'READ RECORD'],
      ['GENERATE AC 6985', (c) => (c.faults.statusWords['GENERATE AC'] = '6985'), 'card-status', 'GENERATE AC'],
      ['no matching AID', (c) => (c.faults.noMatchingAid = true), 'card-status', 'SELECT PPSE'],
    ];
    for (const [name, fault, reasonCode, step] of cases) {
      const card = createVirtualCard('mastercard');
      fault(card);
      const error = await read(card).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(KernelError);
      expect(error, name).toMatchObject({ reasonCode, step });
      expect((error as Error).message).not.toContain(testCards.mastercard.pan);
    }
  });

  it('a card that lists only unsupported applications: no-application', async () => {
    const { result } = await read(createVirtualCard('visa')).catch(() => ({ result: undefined }));
    expect(result).toBeDefined();
    const error = await read(createVirtualCard('visa'), 100, { config: { aids: [{ aid: 'A000000004', scheme: 'Mastercard', arpcMethod: 1 }] } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reasonCode: 'no-application' });
  });

  it('card removed mid-read: card-removed', async () => {
    const error = await read(createVirtualCard('mastercard'), 1234, { removeAfterApdus: 3 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reasonCode: 'card-removed', step: 'READ RECORD' });
  });

  it('issuer answer: method 1 needs ARPC‖ARC with ARC = DE39; method 2 ARPC‖CSU; approval without 91 fails', async () => {
    const mc = (await read(createVirtualCard('mastercard'))).result;
    expect(await processIssuerAnswer(mc, { responseCode: '00', issuerAuthenticationData: fromHex('0102030405060708' + '3030') }, undefined)).toEqual({ ok: true, cardUpdated: false });
    expect(await processIssuerAnswer(mc, { responseCode: '00', issuerAuthenticationData: fromHex('0102030405060708' + '3035') }, undefined)).toMatchObject({ ok: false, reasonCode: 'arpc-failed' });
    expect(mc.tvr.has('issuerAuthenticationFailed')).toBe(true);
    const visa = (await read(createVirtualCard('visa'))).result;
    expect(await processIssuerAnswer(visa, { responseCode: '00', issuerAuthenticationData: fromHex('0102030400000000') }, undefined)).toEqual({ ok: true, cardUpdated: false });
    expect(await processIssuerAnswer(visa, { responseCode: '00', issuerAuthenticationData: undefined }, undefined)).toMatchObject({ ok: false, reasonCode: 'arpc-failed' });
    expect(await processIssuerAnswer(visa, { responseCode: '51', issuerAuthenticationData: undefined }, undefined)).toEqual({ ok: true, cardUpdated: false });
  });

  it('unionpay (AIP: issuer authentication supported): 91 goes to the card, which checks it; a card already gone → card-removed', async () => {
    const card = createVirtualCard('unionpay');
    const present = await read(card);
    const fields = new Map(de55Fields(present.result).map(([path, value]) => [path.slice(3), value]));
    const key = arpcKey({ recipe: card.profile.recipe, imk: fromHex(card.profile.imk), pan: card.profile.pan, psn: card.profile.psn, atc: fields.get('9F36')!, unpredictableNumber: fields.get('9F37')! }, 1);
    const genuine = Buffer.concat([arpcMethod1(key, fields.get('9F26')!, Buffer.from('00')), Buffer.from('00')]);
    expect(await processIssuerAnswer(present.result, { responseCode: '00', issuerAuthenticationData: genuine }, present.reader)).toEqual({ ok: true, cardUpdated: true });
    expect(toHex(present.reader.sent.at(-1)!.subarray(0, 2))).toBe('0082');
    expect(present.result.tsi.has('issuerAuthenticationPerformed')).toBe(true);
    const forged = await read(createVirtualCard('unionpay'));
    const arpc = fromHex('0102030405060708' + '3030');
    expect(await processIssuerAnswer(forged.result, { responseCode: '00', issuerAuthenticationData: arpc }, forged.reader)).toMatchObject({ ok: false, reasonCode: 'arpc-failed', reason: 'the card rejected the issuer authentication (6300)' });
    expect(forged.result.tvr.has('issuerAuthenticationFailed')).toBe(true);
    const leaving = await read(createVirtualCard('unionpay'), 1234, { removeAfterApdus: 5 });
    expect(await processIssuerAnswer(leaving.result, { responseCode: '00', issuerAuthenticationData: arpc }, leaving.reader)).toMatchObject({ ok: false, reasonCode: 'card-removed' });
    // A reader that fails otherwise (a lost frame: no card command is sent twice) is not a card removed.
    const lost = await read(createVirtualCard('unionpay'));
    lost.reader.transceive = () => Promise.reject(new ReaderTimeoutError('no ACK for command 0x40 within 400 ms (a card command is not sent twice)'));
    expect(await processIssuerAnswer(lost.result, { responseCode: '00', issuerAuthenticationData: genuine }, lost.reader)).toMatchObject({ ok: false, reasonCode: 'reader-error' });
  });
});
