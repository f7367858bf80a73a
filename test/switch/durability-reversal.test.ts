// A reversal names its original by DE90's key; it must also be the original's amount and card, else
// 12 and nothing moves (a 1.00 reversal with another card reversed a 500.00 sale in full). Partial
// reversals (DE95) are not supported.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { IsoMessage } from '../../protocols/iso8583/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, switchWithTerminal, terminalIds } from './harness.js';

const mc = '5555555555554444';
const account = 'card:5555554444';
const sale = (t: IsoClient, amount: number) =>
  t.message('0200', { '2': mc, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });
const reversalOf = (t: IsoClient, original: IsoMessage, amount: number, pan = mc) =>
  t.message('0400', { '2': pan, '3': '000000', '4': amount, '22': '011', '49': '156', '90': originalDataElements(original) });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`reversal checks on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (s, c) => ((sw = s), (t = c)));

    it('a reversal of another amount or another card is 12 and moves nothing; the matching one reverses in full', async () => {
      const before = (await sw.store.balance(account))!;
      const s = sale(t, 50_000);
      expect((await t.send(s)).getString('39')).toBe('00');
      expect(await sw.store.balance(account)).toBe(before - 50_000);

      expect((await t.send(reversalOf(t, s, 100))).getString('39')).toBe('12');
      expect((await t.send(reversalOf(t, s, 50_000, '6212345678901232'))).getString('39')).toBe('12');
      expect(await sw.store.balance(account)).toBe(before - 50_000);
      expect(await sw.store.byKey(terminalIds[0]!, s.getString('11')!, s.getString('7')!, '0200')).toMatchObject({ closed: null });

      expect((await t.send(reversalOf(t, s, 50_000))).getString('39')).toBe('00');
      expect(await sw.store.balance(account)).toBe(before);
      // Once reversed, a mismatching one is still 12 (not the idempotent 00 of a repeat).
      expect((await t.send(reversalOf(t, s, 100))).getString('39')).toBe('12');
    });
  });
}
