// A balance inquiry (0200 310000) read from the chip goes through the checks of a sale's ARQC
// (CONTRACTS.md "ARQC", docs/test-cards.md): verified through the HSM, bound to the request (9F02 =
// DE4, zero or absent for an inquiry; 5F2A = DE49; 9C = 31, the EMV transaction type of a balance
// inquiry, EMV Book 3 Annex A / ISO 8583 DE3 positions 1–2), its ATC above the card's highest, and
// the ARPC of the card's recipe in tag 91; nothing is debited.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { arpcKey } from '../../protocols/crypto/emv.js';
import { arpcMethod1, arpcMethod2 } from '../../protocols/crypto/index.js';
import { testCards, type TestCardProfileId } from '../../protocols/testcards.js';
import type { RunningSwitch } from '../../switch/index.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { testDatabases } from './databases.js';
import { contactlessDe55, switchWithTerminal } from './harness.js';

type Fields = Record<string, string | number | Buffer>;
/** A contactless balance inquiry of a test card, with DE4 zero as the terminal sends it. */
const inquiry = (t: IsoClient, id: TestCardProfileId, extra: Fields = {}) => {
  const card = testCards[id];
  return t.message('0200', { '2': card.pan, '3': '310000', '4': 0, '14': card.expiry.slice(0, 4), '22': '071', '23': `0${card.psn}`, '25': '00', '49': '156', ...extra });
};
const balanceDe54 = (balance: number) => `0002156C${String(balance).padStart(12, '0')}`;

/** What tag 91 must be for this ARQC and ARC 00 (Visa CVN 18: method 2, CSU 00800000 "Issuer Approves Online Transaction", EMV Book 3 Annex C, C10; others method 1). */
function expectedArpc(id: TestCardProfileId, de55: Record<string, Buffer>): string {
  const card = testCards[id];
  const input = { imk: Buffer.from(card.imk, 'hex'), pan: card.pan, psn: card.psn, recipe: card.recipe, atc: de55['55.9F36']!, unpredictableNumber: de55['55.9F37']! };
  const arpc = card.recipe.cvn === 18
    ? Buffer.concat([arpcMethod2(arpcKey(input, 2), de55['55.9F26']!, Buffer.from('00800000', 'hex')), Buffer.from('00800000', 'hex')])
    : Buffer.concat([arpcMethod1(arpcKey(input, 1), de55['55.9F26']!, Buffer.from('00')), Buffer.from('00')]);
  return arpc.toString('hex');
}

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`chip balance inquiry on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (started, client) => {
      [sw, t] = [started, client];
    });

    it('approves each contactless profile with the balance, an authorization code and a verifying ARPC in 91; debits nothing', async () => {
      for (const id of ['visa', 'mastercard', 'unionpay'] as const) {
        const account = cardAccount(testCards[id].pan);
        const before = (await sw.store.balance(account))!;
        const de55 = contactlessDe55(id, 0, { atc: 100, type: '31' });
        const answer = await t.send(inquiry(t, id, de55));
        expect(answer.getString('39'), id).toBe('00');
        expect(answer.getString('54'), id).toBe(balanceDe54(before));
        expect(answer.has('38'), id).toBe(true);
        expect(answer.getBuffer('55.91')?.toString('hex'), id).toBe(expectedArpc(id, de55));
        expect(await sw.store.balance(account), id).toBe(before);
      }
    });

    it('declines (05) a wrong ARQC, one for another amount or transaction type, or a chip read without one: no 91, no balance', async () => {
      const refused = async (request: ReturnType<typeof inquiry>, why: string) => {
        const answer = await t.send(request);
        expect(answer.getString('39'), why).toBe('05');
        expect(answer.has('55'), why).toBe(false);
        expect(answer.has('54'), why).toBe(false);
        expect(answer.has('38'), why).toBe(false);
      };
      await refused(inquiry(t, 'visa', contactlessDe55('visa', 0, { atc: 200, type: '31', tamper: true })), 'tampered ARQC');
      // The cryptogram covers 9F02 and 9C: a purchase's ARQC (for 12.00, or for nothing) does not ask for a balance.
      await refused(inquiry(t, 'visa', contactlessDe55('visa', 1200, { atc: 201, type: '31' })), '9F02 not DE4');
      await refused(inquiry(t, 'visa', contactlessDe55('visa', 0, { atc: 202, type: '00' })), '9C not 31');
      await refused(inquiry(t, 'visa'), 'chip read without DE55');
      // None of them spent an ATC: the next one above the last approved still approves.
      expect((await t.send(inquiry(t, 'visa', contactlessDe55('visa', 0, { atc: 101, type: '31' })))).getString('39')).toBe('00');
    });

    it('refuses (05) a replayed or lower ATC, in the journal, without 91 or the balance; inquiries and sales share the card\'s ATC', async () => {
      const card = testCards.mastercard;
      const first = await t.send(inquiry(t, 'mastercard', contactlessDe55('mastercard', 0, { atc: 300, type: '31' })));
      expect(first.getString('39')).toBe('00');
      for (const atc of [300, 299]) {
        const replay = await t.send(inquiry(t, 'mastercard', contactlessDe55('mastercard', 0, { atc, type: '31' })));
        expect(replay.getString('39'), `ATC ${atc}`).toBe('05');
        expect(replay.has('55'), `ATC ${atc}`).toBe(false);
        expect(replay.has('54'), `ATC ${atc}`).toBe(false);
        expect(replay.has('38'), `ATC ${atc}`).toBe(false);
      }
      // Journaled as refused (newest first): the replays' rows say 05, the first inquiry's 00.
      const rows = await sw.store.search({ terminalId: 'T0000001', maskedPan: '541333******1513', limit: 3 });
      expect(rows.map((r) => [r.kind, r.responseCode, r.debit])).toEqual([['balance', '05', 0], ['balance', '05', 0], ['balance', '00', 0]]);
      const sale = (atc: number) =>
        t.message('0200', { '2': card.pan, '3': '000000', '4': 700, '14': card.expiry.slice(0, 4), '22': '071', '23': `0${card.psn}`, '25': '00', '49': '156', ...contactlessDe55('mastercard', 700, { atc }) });
      expect((await t.send(sale(300))).getString('39')).toBe('05');
      expect((await t.send(sale(301))).getString('39')).toBe('00');
      expect((await t.send(inquiry(t, 'mastercard', contactlessDe55('mastercard', 0, { atc: 301, type: '31' })))).getString('39')).toBe('05');
    });

    it('a swiped read of the same chip card, and a magstripe card without DE4, still get their balance without an ARQC', async () => {
      const visa = testCards.visa;
      const swiped = await t.send(inquiry(t, 'visa', { '22': '021' }));
      expect(swiped.getString('39')).toBe('00');
      expect(swiped.getString('54')).toBe(balanceDe54((await sw.store.balance(cardAccount(visa.pan)))!));
      expect(swiped.has('55')).toBe(false);
      const magstripe = await t.send(t.message('0200', { '2': '4111111111111111', '3': '310000', '22': '021', '25': '00', '49': '156' }));
      expect(magstripe.getString('39')).toBe('00');
      expect(magstripe.getString('54')).toMatch(/^0002156C\d{12}$/);
    });
  });
}
