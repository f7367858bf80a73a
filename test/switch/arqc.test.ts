// The ARQC binds the authorization: a chip read must carry one, for this amount and currency, and never twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { testCards } from '../../protocols/testcards.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { contactlessDe55, terminal, terminalIds, testSwitch } from './harness.js';

const visa = testCards.visa;
const mastercard = testCards.mastercard;
const tap = (t: IsoClient, amount: number, card = visa, extra: Record<string, string | number | Buffer> = {}) =>
  t.message('0200', { '2': card.pan, '3': '000000', '4': amount, '14': card.expiry.slice(0, 4), '22': '071', '23': `0${card.psn}`, '25': '00', '49': '156', ...extra });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`ARQC binding on ${database.name}`, () => {
    let url: string; // in beforeAll: a skipped database has no URL to give
    let sw: RunningSwitch;
    let t: IsoClient;
    beforeAll(async () => {
      url = database.url();
      sw = await testSwitch(url);
      t = await terminal(sw);
    });
    afterAll(async () => {
      await t?.close();
      await sw?.stop();
      await database.cleanup();
    });

    it('declines (05) a chip read without DE55 or without 9F26; a magstripe read of the same card still approves', async () => {
      expect((await t.send(tap(t, 2500))).getString('39')).toBe('05');
      const { ['55.9F26']: _arqc, ...noArqc } = contactlessDe55('visa', 2500, { atc: 10 });
      expect((await t.send(tap(t, 2500, visa, { ...noArqc, '22': '051' }))).getString('39')).toBe('05');
      expect((await t.send(tap(t, 2500, visa, { '22': '021' }))).getString('39')).toBe('00');
    });

    it('declines (05) an ARQC for another amount or currency', async () => {
      expect((await t.send(tap(t, 4_000_000, visa, contactlessDe55('visa', 100, { atc: 20 })))).getString('39')).toBe('05');
      const de55 = contactlessDe55('visa', 2500, { atc: 21 });
      // 5F2A other than DE49 (a DE49 other than the account's CNY would be 57 before the ARQC is looked at).
      expect((await t.send(tap(t, 2500, visa, { ...de55, '55.5F2A': Buffer.from('0840', 'hex') }))).getString('39')).toBe('05');
      expect((await t.send(tap(t, 2500, visa, de55))).getString('39')).toBe('00');
    });

    it('the same card and amount under a reused request key with another ARQC is another tap: 94, and its ATC not spent', async () => {
      const first = tap(t, 800, visa, contactlessDe55('visa', 800, { atc: 70 }));
      const answer = await t.send(first);
      expect(answer.getString('39')).toBe('00');
      const reused = tap(t, 800, visa, contactlessDe55('visa', 800, { atc: 71 })).set('11', first.getString('11')!).set('7', first.getString('7')!);
      expect((await t.send(reused)).getString('39')).toBe('94');
      expect((await t.send(tap(t, 800, visa, contactlessDe55('visa', 800, { atc: 71 })))).getString('39')).toBe('00');
    });

    it('refuses (05) an ATC that is not above the highest seen for the card, also after a restart, without an ARPC', async () => {
      const first = await t.send(tap(t, 1200, mastercard, contactlessDe55('mastercard', 1200, { atc: 50 })));
      expect(first.getString('39')).toBe('00');
      const replay = await t.send(tap(t, 1200, mastercard, contactlessDe55('mastercard', 1200, { atc: 50 })));
      expect(replay.getString('39')).toBe('05');
      expect(replay.has('38')).toBe(false);
      // Decided by the journal after the ARPC for 00 was computed: no tag 91 goes with the decline.
      expect(replay.has('55')).toBe(false);
      expect((await t.send(tap(t, 1200, mastercard, contactlessDe55('mastercard', 1200, { atc: 49 })))).getString('39')).toBe('05');
      expect((await t.send(tap(t, 1200, mastercard, contactlessDe55('mastercard', 1200, { atc: 51 })))).getString('39')).toBe('00');
      await t.close();
      await sw.stop();
      sw = await testSwitch(url);
      // Another terminal: a fresh client's STANs would repeat the first one's request keys.
      t = await terminal(sw, terminalIds[1]);
      expect((await t.send(tap(t, 1200, mastercard, contactlessDe55('mastercard', 1200, { atc: 51 })))).getString('39')).toBe('05');
      expect((await t.send(tap(t, 1200, mastercard, contactlessDe55('mastercard', 1200, { atc: 52 })))).getString('39')).toBe('00');
    });
  });
}
