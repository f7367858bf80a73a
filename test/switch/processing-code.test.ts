// An authorization (0100), pre-authorization, completion or advice (0220) takes money, so only for goods
// and services (DE3 00xxxx). Before, the MTI alone decided: a 0100 with DE3 200000 carrying a refund
// cryptogram (9C 20, which the 9C = DE3 rule accepted) was approved and debited the card (a review
// found it). Now 12, nothing taken. On both journals.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { testCards } from '../../protocols/testcards.js';
import type { RunningSwitch } from '../../switch/index.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { testDatabases } from './databases.js';
import { contactlessDe55, switchWithTerminal } from './harness.js';

const card = testCards.visa;

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`processing codes of money-taking MTIs on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (s, client) => ([sw, t] = [s, client]));
    const request = (mti: string, processingCode: string, atc: number, type: string) =>
      t.message(mti, {
        '2': card.pan, '3': processingCode, '4': 1000, '14': card.expiry.slice(0, 4), '22': '071', '23': `0${card.psn}`, '25': '00', '49': '156',
        ...contactlessDe55('visa', 1000, { atc, type }),
      });

    it('a 0100 or 0220 with a refund processing code is 12 and takes nothing; with 00 it is still approved', async () => {
      const before = await sw.store.balance(cardAccount(card.pan));
      expect((await t.send(request('0100', '200000', 700, '20'))).getString('39')).toBe('12');
      expect((await t.send(request('0220', '200000', 701, '20'))).getString('39')).toBe('12');
      expect(await sw.store.balance(cardAccount(card.pan))).toBe(before);
      expect((await t.send(request('0100', '000000', 702, '00'))).getString('39')).toBe('00');
      expect(await sw.store.balance(cardAccount(card.pan))).toBe(before! - 1000);
    });
  });
}
