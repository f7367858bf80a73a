// The issuer simulator's card rules against a real switch (R3's review, session 7): the request's own
// expiry, wallet payment codes, the Visa CSU, card status before PIN and currency, BIN routes and
// ISO 8583:1987 repeat MTIs of requests.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { arpcKey } from '../../protocols/crypto/emv.js';
import { arpcMethod2, encipherPinBlock } from '../../protocols/crypto/index.js';
import { MessageMacKey } from '../../protocols/crypto/message-mac.js';
import type { IsoMessage } from '../../protocols/iso8583/index.js';
import { encodeCpm } from '../../protocols/qr/index.js';
import { testCards } from '../../protocols/testcards.js';
import type { RunningSwitch } from '../../switch/index.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { testDatabases } from './databases.js';
import { contactlessDe55, switchWithTerminal } from './harness.js';

type Fields = Record<string, string | number | Buffer>;
const sale = (t: IsoClient, fields: Fields, mti = '0200') => t.message(mti, { '3': '000000', '4': 1000, '22': '021', '25': '00', '49': '156', ...fields });
const code = async (t: IsoClient, fields: Fields, mti?: string) => (await t.send(sale(t, fields, mti))).getString('39');
const wallet = (ws: string, qr?: string): Fields => ({ '22': '031', '48.WS': ws, ...(qr === undefined ? {} : { '48.QR': qr }) });

/** Sends with a DE64 under the terminal's TAK whatever the MTI (the load client MACs only the MTIs it knows). */
const sendMacked = (t: IsoClient, message: IsoMessage) => {
  const bytes = message.set('64', Buffer.alloc(8)).pack();
  new MessageMacKey(t.tak!).mac(bytes.subarray(message.spec.headerLength ?? 0, bytes.length - 8)).copy(bytes, bytes.length - 8);
  return t.sendRaw(bytes, message.getString('11')!);
};

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`issuer rules on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (started, client) => {
      [sw, t] = [started, client];
    });

    it('declines (54) an expiry past in DE14 or the track 2, or not the table card\'s; a month 13 is 30', async () => {
      expect(await code(t, { '2': '4111111111111111', '14': '3012' })).toBe('00');
      expect(await code(t, { '2': '4111111111111111', '14': '2001' })).toBe('54');
      expect(await code(t, { '35': '4111111111111111=20011010000000000000' })).toBe('54');
      // Outside the table only the date counts: 4912 is 2049, 9912 is 1999 (the 50-year window), past.
      expect(await code(t, { '2': '4242424242424242', '14': '2001' })).toBe('54');
      expect(await code(t, { '35': '4242424242424242=20011010000000000000' })).toBe('54');
      expect(await code(t, { '2': '4242424242424242', '14': '4912' })).toBe('00');
      expect(await code(t, { '2': '4242424242424242', '14': '9912' })).toBe('54');
      // A table card's expiry must be its own (4111… is 3012).
      expect(await code(t, { '2': '4111111111111111', '14': '3011' })).toBe('54');
      expect(await code(t, { '2': '4000000000000549', '14': '3012' })).toBe('54');
      expect(await code(t, { '2': '4111111111111111', '14': '3013' })).toBe('30');
      expect(await code(t, { '35': '4111111111111111=30131010000000000000' })).toBe('30');
      expect(await code(t, { '2': '4111111111111111', '14': '3000' })).toBe('30');
    });

    it('a wallet payment needs its own wallet\'s code: none or junk 30, another wallet\'s 14, an unknown wallet 15', async () => {
      expect(await code(t, wallet('WECHAT', '134567890123456789'))).toBe('00');
      expect(await code(t, wallet('ALIPAY', '284567890123456789'))).toBe('00');
      expect(await code(t, wallet('UNIONPAY', '6220123456789012345'))).toBe('00');
      expect(await code(t, wallet('WECHAT'))).toBe('30');
      expect(await code(t, wallet('WECHAT', 'x'))).toBe('30');
      expect(await code(t, wallet('EMVCPM', 'hQVDUFYwMWEaTwegAAAAA'))).toBe('30');
      expect(await code(t, wallet('WECHAT', '284567890123456789'))).toBe('14');
      expect(await code(t, wallet('ALIPAY', '134567890123456789'))).toBe('14');
      expect(await code(t, wallet('UNIONPAY', '134567890123456789'))).toBe('14');
      expect(await code(t, wallet('PAYPAL', '134567890123456789'))).toBe('15');
      // A referenced refund goes back to its original's account: no code needed.
      const paid = sale(t, wallet('ALIPAY', '254567890123456789'));
      expect((await t.send(paid)).getString('39')).toBe('00');
      const refund = sale(t, { ...wallet('ALIPAY'), '3': '200000', '4': 400, '61.1': '000001', '61.2': paid.getString('11')!, '61.3': paid.getString('7')!.slice(0, 4) });
      expect((await t.send(refund)).getString('39')).toBe('00');
    });

    // Review of session 12: a WeChat code sent with a card number debited the card; a code with a space
    // before it passed the format check (which trims) and paid from an account of its own (by its first two characters).
    it('a WeChat Pay, Alipay or UnionPay code sent with a card number, or with spaces around it, is 30; no money moves', async () => {
      const account = cardAccount('5555555555554444');
      const before = await sw.store.balance(account);
      expect(await code(t, { ...wallet('WECHAT', '134567890123456789'), '2': '5555555555554444' })).toBe('30');
      expect(await code(t, { ...wallet('ALIPAY', '284567890123456789'), '35': '5555555555554444=30121010000000000000' })).toBe('30');
      expect(await sw.store.balance(account)).toBe(before);
      expect(await code(t, wallet('WECHAT', ' 134567890123456789'))).toBe('30');
      expect(await code(t, wallet('WECHAT', '134567890123456789 '))).toBe('30');
    });

    // EMV QRCPS: a consumer-presented code's payload carries the card's cryptogram; one naming a table chip card without it approved.
    it('an EMVCPM code naming a chip card of the table must carry its ARQC (05 without 9F26)', async () => {
      const card = testCards.visa;
      const cpm = encodeCpm({ '85': Buffer.from('CPV01').toString('hex'), '61': { '4F': 'A0000000031010' }, '62': { '5A': card.pan, '64': { '9F36': '0001' } } });
      expect(await code(t, { ...wallet('EMVCPM', cpm), '2': card.pan, '14': card.expiry.slice(0, 4) })).toBe('05');
    });

    // EMV Book 3 Annex C, C10 (Card Status Update): byte 2 b8 "Issuer Approves Online Transaction".
    // A zero CSU tells the card its issuer does not approve: it would decline (AAC) at the second
    // GENERATE AC of an approved sale. jPOS's Visa CVN 18 builder also sets it (00830000) on approvals.
    it('Visa CVN 18 (ARPC method 2): CSU 00800000 on an approval, 00000000 on a decline, each under its ARPC', async () => {
      const card = testCards.visa;
      const chip = (amount: number, atc: number) => {
        const de55 = contactlessDe55('visa', amount, { atc });
        return { de55, request: sale(t, { '2': card.pan, '4': amount, '14': card.expiry.slice(0, 4), '22': '071', '23': `0${card.psn}`, ...de55 }) };
      };
      const expected = (de55: Record<string, Buffer>, csu: string) => {
        const input = { imk: Buffer.from(card.imk, 'hex'), pan: card.pan, psn: card.psn, recipe: card.recipe, atc: de55['55.9F36']!, unpredictableNumber: de55['55.9F37']! };
        return Buffer.concat([arpcMethod2(arpcKey(input, 2), de55['55.9F26']!, Buffer.from(csu, 'hex')), Buffer.from(csu, 'hex')]).toString('hex');
      };
      const approved = chip(2500, 0x200);
      const answer = await t.send(approved.request);
      expect(answer.getString('39')).toBe('00');
      expect(answer.getBuffer('55.91')?.toString('hex')).toBe(expected(approved.de55, '00800000'));
      // Empty the account (manual entry: no ARQC asked for), then a chip sale the balance does not cover: 51 with ARC… CSU zeros.
      const account = cardAccount(card.pan);
      for (let left = (await sw.store.balance(account))!; left > 0; left = (await sw.store.balance(account))!)
        expect(await code(t, { '2': card.pan, '4': Math.min(left, 5_000_000), '14': card.expiry.slice(0, 4), '22': '012' })).toBe('00');
      const short = chip(100, 0x201);
      const declined = await t.send(short.request);
      expect(declined.getString('39')).toBe('51');
      expect(declined.getBuffer('55.91')?.toString('hex')).toBe(expected(short.de55, '00000000'));
    });

    it('a lost, stolen, blocked or expired card is answered as such before its PIN (no try counted) and its currency', async () => {
      const cases: Array<[string, string]> = [['4000000000000416', '41'], ['4000000000000432', '43'], ['4000000000000572', '57'], ['4000000000000549', '54']];
      for (const [pan, answer] of cases) {
        const expiry = pan.endsWith('0549') ? '2001' : '3012';
        for (let i = 0; i < 4; i++) {
          const block = encipherPinBlock(t.tpk!, { format: 0, pin: '9999', pan });
          expect(await code(t, { '2': pan, '14': expiry, '26': '12', '52': block }), pan).toBe(answer);
        }
        expect(await sw.store.pinTries(cardAccount(pan)), pan).toBe(0);
        expect(await code(t, { '2': pan, '14': expiry, '49': '840' }), pan).toBe(answer);
      }
    });

    it('routes Mastercard\'s 2-series 222100–272099 only; an unknown BIN is 15, a Luhn failure 14', async () => {
      for (const pan of ['2221000000000009', '2720999999999996', '2300000000000003']) expect(await code(t, { '2': pan }), pan).toBe('00');
      for (const pan of ['2200000000000004', '2204999999999993', '2220999999999992', '2721000000000008', '2799999999999996', '9999999999999995'])
        expect(await code(t, { '2': pan }), pan).toBe('15');
      expect(await code(t, { '2': '4111111111111112' })).toBe('14');
    });

    it('0101 and 0201 (repeats of 0100 and 0200) are those requests: answered 0110/0210, once with their first', async () => {
      const pan = '5555555555554444';
      const account = cardAccount(pan);
      const start = (await sw.store.balance(account))!;
      const first = sale(t, { '2': pan, '4': 700 });
      const answer = await t.send(first);
      const key = { stan: first.getString('11')!, transmitted: first.getString('7')! };
      const repeat = await sendMacked(t, t.message('0201', { '2': pan, '3': '000000', '4': 700, '22': '021', '25': '00', '49': '156' }, key));
      expect([repeat.mti, repeat.getString('39'), repeat.getString('37')]).toEqual(['0210', '00', answer.getString('37')]);
      expect(await sw.store.balance(account)).toBe(start - 700);
      const alone = await sendMacked(t, t.message('0201', { '2': pan, '3': '000000', '4': 800, '22': '021', '25': '00', '49': '156' }));
      expect([alone.mti, alone.getString('39')]).toEqual(['0210', '00']);
      const auth = await sendMacked(t, t.message('0101', { '2': pan, '3': '000000', '4': 900, '22': '021', '25': '00', '49': '156' }));
      expect([auth.mti, auth.getString('39')]).toEqual(['0110', '00']);
      expect(await sw.store.balance(account)).toBe(start - 700 - 800 - 900);
    });

    it('a balance inquiry of a card outside the table answers its untouched opening balance in DE54', async () => {
      const answer = await t.send(sale(t, { '2': '4242424242424242', '3': '310000', '4': 0 }));
      expect(answer.getString('39')).toBe('00');
      expect(answer.getString('54')).toBe('0002156C000100000000');
    });
  });
}
