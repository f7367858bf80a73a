// 0421 and 0221, the repeats of a reversal advice and of an advice (ISO 8583:1987 MTI position 4 = 1),
// are those messages: same checks, same request key class (exactly once with their 0420/0220), answered 0430/0230.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, switchWithTerminal } from './harness.js';

const pan = '5555555555554444';
const account = 'card:5555554444';
const sale = (t: IsoClient, amount: number) =>
  t.message('0200', { '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`repeat MTIs on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (started, client) => {
      [sw, t] = [started, client];
    });
    const balance = async () => (await sw.store.balance(account))!;

    it('a 0421 reverses like a 0420 (0430 00), once; a 0421 under the key of its 0400 is that reversal again', async () => {
      const s = sale(t, 1_000);
      await t.send(s);
      const start = await balance();
      const reversal = t.message('0421', { '2': pan, '3': '000000', '4': 1_000, '22': '011', '90': originalDataElements(s) });
      const answer = await t.send(reversal);
      expect([answer.mti, answer.getString('39')]).toEqual(['0430', '00']);
      expect(await balance()).toBe(start + 1_000);
      const s2 = sale(t, 600);
      await t.send(s2);
      const first = t.message('0400', { '2': pan, '3': '000000', '4': 600, '22': '011', '90': originalDataElements(s2) });
      const firstAnswer = await t.send(first);
      const again = t.message('0421', { '2': pan, '3': '000000', '4': 600, '22': '011', '90': originalDataElements(s2), '11': first.getString('11')!, '7': first.getString('7')! });
      expect((await t.send(again)).getString('37')).toBe(firstAnswer.getString('37'));
      expect(await balance()).toBe(start + 1_000);
    });

    it('a 0221 under the key of its 0220 gets the 0220 answer and books nothing more; with another amount 94', async () => {
      const advice = t.message('0220', { '2': pan, '3': '000000', '4': 700, '22': '011', '25': '00', '49': '156' });
      const start = await balance();
      const booked = await t.send(advice);
      const key = { '11': advice.getString('11')!, '7': advice.getString('7')! };
      const repeat = await t.send(t.message('0221', { '2': pan, '3': '000000', '4': 700, '22': '011', '25': '00', '49': '156', ...key }));
      expect([repeat.mti, repeat.getString('39'), repeat.getString('37')]).toEqual(['0230', '00', booked.getString('37')]);
      const changed = await t.send(t.message('0221', { '2': pan, '3': '000000', '4': 900, '22': '011', '25': '00', '49': '156', ...key }));
      expect(changed.getString('39')).toBe('94');
      expect(await balance()).toBe(start - 700);
    });

  });
}
