// A request key (DE41, DE11, DE7) reused by a void, refund or reversal of ANOTHER original is another
// request: 94, nothing applied — never the earlier request's 00. The same request again keeps its answer.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, switchWithTerminal } from './harness.js';

const pan = '5555555555554444';
const account = 'card:5555554444';
type Fields = Record<string, string | number>;
const sale = (t: IsoClient, amount: number, extra: Fields = {}) =>
  t.message('0200', { '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156', ...extra });
const keyOf = (m: ReturnType<IsoClient['message']>) => ({ '11': m.getString('11')!, '7': m.getString('7')! });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`request keys reused for another original on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (started, client) => {
      [sw, t] = [started, client];
    });
    const balance = async () => (await sw.store.balance(account))!;
    const twoSales = async (amount: number) => {
      const [a, b] = [sale(t, amount), sale(t, amount)];
      return { a, b, rrnA: (await t.send(a)).getString('37')!, rrnB: (await t.send(b)).getString('37')! };
    };

    it('a reversal of another sale under the key of a reversal: 94; its 0420 repeat (same DE90): the stored 00', async () => {
      const { a, b } = await twoSales(1_000);
      const start = await balance();
      const first = t.message('0400', { '2': pan, '3': '000000', '4': 1_000, '22': '011', '90': originalDataElements(a) });
      expect((await t.send(first)).getString('39')).toBe('00');
      const other = t.message('0400', { '2': pan, '3': '000000', '4': 1_000, '22': '011', '90': originalDataElements(b), ...keyOf(first) });
      expect((await t.send(other)).getString('39')).toBe('94');
      const repeat = t.message('0420', { '2': pan, '3': '000000', '4': 1_000, '22': '011', '90': originalDataElements(a), ...keyOf(first) });
      expect((await t.send(repeat)).getString('39')).toBe('00');
      expect(await balance()).toBe(start + 1_000);
    });

    it('a void of another sale under the key of a void: 94; the same void again: the stored 00, credited once', async () => {
      const { rrnA, rrnB } = await twoSales(1_500);
      const start = await balance();
      const first = sale(t, 1_500, { '3': '020000', '48.OR': rrnA });
      const answer = await t.send(first);
      expect(answer.getString('39')).toBe('00');
      expect((await t.send(sale(t, 1_500, { '3': '020000', '48.OR': rrnB, ...keyOf(first) }))).getString('39')).toBe('94');
      const again = await t.send(sale(t, 1_500, { '3': '020000', '48.OR': rrnA, ...keyOf(first) }));
      expect([again.getString('39'), again.getString('37')]).toEqual(['00', answer.getString('37')]);
      expect(await balance()).toBe(start + 1_500);
    });

    it('a refund of another sale (by DE48 OR, or by DE61) under the key of a refund: 94', async () => {
      const { a, b, rrnA, rrnB } = await twoSales(2_500);
      const start = await balance();
      const first = sale(t, 500, { '3': '200000', '48.OR': rrnA });
      expect((await t.send(first)).getString('39')).toBe('00');
      expect((await t.send(sale(t, 500, { '3': '200000', '48.OR': rrnB, ...keyOf(first) }))).getString('39')).toBe('94');
      const de61 = (m: ReturnType<IsoClient['message']>) => ({ '61.1': '000001', '61.2': m.getString('11')!, '61.3': m.getString('7')!.slice(0, 4) });
      const byStan = sale(t, 300, { '3': '200000', ...de61(a) });
      expect((await t.send(byStan)).getString('39')).toBe('00');
      expect((await t.send(sale(t, 300, { '3': '200000', ...de61(b), ...keyOf(byStan) }))).getString('39')).toBe('94');
      expect(await balance()).toBe(start + 800);
    });
  });
}
