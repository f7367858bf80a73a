// DE49 is the money's currency: a table card's account moves only in its own (CNY here; no
// conversion), a code that is no ISO 4217 currency is a format error, a refund, void or completion
// is in its original's currency, and DE54 names the account's currency whatever the inquiry's DE49.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, switchWithTerminal } from './harness.js';

const pan = '5555555555554444';
const account = 'card:5555554444';
type Fields = Record<string, string | number>;
const sale = (t: IsoClient, amount: number, currency: string, extra: Fields = {}) =>
  t.message('0200', { '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': currency, ...extra });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`transaction currency (DE49) on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (started, client) => {
      [sw, t] = [started, client];
    });
    const balance = async () => (await sw.store.balance(account))!;
    const code = async (m: ReturnType<IsoClient['message']>) => (await t.send(m)).getString('39');

    it('refuses (57) a sale, authorization, advice or plain refund in another currency than the CNY account, 30 for no currency', async () => {
      const start = await balance();
      expect(await code(sale(t, 10_000, '840'))).toBe('57');
      expect(await code(sale(t, 10_000, '392'))).toBe('57');
      expect(await code(sale(t, 10_000, '999'))).toBe('30'); // XXX: no currency involved
      expect(await code(sale(t, 10_000, '963'))).toBe('30'); // XTS: reserved for testing
      expect(await code(sale(t, 10_000, '000'))).toBe('30');
      expect(await code(t.message('0100', { '2': pan, '3': '000000', '4': 5_000, '14': '3012', '22': '011', '25': '06', '49': '978' }))).toBe('57');
      expect(await code(t.message('0220', { '2': pan, '3': '000000', '4': 700, '22': '011', '25': '00', '49': '840' }))).toBe('57');
      expect(await code(sale(t, 300, '840', { '3': '200000' }))).toBe('57');
      expect(await balance()).toBe(start);
      expect(await code(sale(t, 10_000, '156'))).toBe('00');
      expect(await balance()).toBe(start - 10_000);
    });

    it('approves any ISO 4217 currency for a card without an account (outside the table)', async () => {
      const foreign = t.message('0200', { '2': '4000000000000002', '3': '000000', '4': 1_000, '14': '3012', '22': '011', '25': '00', '49': '840' });
      expect(await code(foreign)).toBe('00');
    });

    it('refuses (12) a refund, void or completion in another currency than its original, and moves nothing', async () => {
      const rrn = (await t.send(sale(t, 4_000, '156'))).getString('37')!;
      const pre = t.message('0100', { '2': pan, '3': '000000', '4': 3_000, '14': '3012', '22': '011', '25': '06', '49': '156' });
      expect(await code(pre)).toBe('00');
      const start = await balance();
      expect(await code(sale(t, 4_000, '840', { '3': '200000', '48.OR': rrn }))).toBe('12');
      expect(await code(sale(t, 4_000, '840', { '3': '020000', '48.OR': rrn }))).toBe('12');
      expect(await code(t.message('0220', { '2': pan, '3': '000000', '4': 3_000, '22': '011', '25': '06', '49': '840', '90': originalDataElements(pre) }))).toBe('12');
      expect(await balance()).toBe(start);
      expect(await code(sale(t, 4_000, '156', { '3': '200000', '48.OR': rrn }))).toBe('00');
      expect(await balance()).toBe(start + 4_000);
    });

    it("answers a balance inquiry in any currency with DE54 in the account's currency (156)", async () => {
      const answer = await t.send(sale(t, 0, '840', { '3': '310000' }));
      expect(answer.getString('39')).toBe('00');
      expect(answer.getString('54')).toBe(`0002156C${String(await balance()).padStart(12, '0')}`);
    });
  });
}
