// A plain authorization (0100, DE25 00) holds its amount like a pre-authorization, and its completion
// (0220 DE25 06, or a 0220 naming it by DE90 / DE48 OR / DE61: the dual-message capture) takes it once.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, switchWithTerminal } from './harness.js';

const pan = '5555555555554444';
const account = 'card:5555554444';
type Message = ReturnType<IsoClient['message']>;
const authorization = (t: IsoClient, amount: number) =>
  t.message('0100', { '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });
const capture = (t: IsoClient, amount: number, reference: Record<string, string>, conditionCode = '06') =>
  t.message('0220', { '2': pan, '3': '000000', '4': amount, '22': '011', '25': conditionCode, '49': '156', ...reference });
const de90 = (m: Message) => ({ '90': originalDataElements(m) });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`authorization capture on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    switchWithTerminal(database, (started, client) => {
      [sw, t] = [started, client];
    });
    const balance = async () => (await sw.store.balance(account))!;
    const code = async (m: Message) => (await t.send(m)).getString('39');

    it('a completion (DE25 06) by DE90 captures the authorization once, at most its amount, and settles as one credit', async () => {
      const start = await balance();
      const auth = authorization(t, 5_000);
      expect(await code(auth)).toBe('00');
      expect(await balance()).toBe(start - 5_000);
      expect(await code(capture(t, 5_001, de90(auth)))).toBe('13');
      expect(await code(capture(t, 4_000, de90(auth)))).toBe('00');
      expect(await balance()).toBe(start - 4_000);
      expect(await code(capture(t, 4_000, de90(auth)))).toBe('12'); // completed already
      expect(await balance()).toBe(start - 4_000);
      const close = t.message('0500', { '60.1': '00', '60.2': '000001', '74': 1, '86': 4_000, '76': 0, '88': 0 });
      expect(await code(close)).toBe('00');
      expect((await sw.store.settlements('T0000001'))[0]!.host).toEqual({ creditCount: 1, creditAmount: 4_000, debitCount: 0, debitAmount: 0 });
    });

    it('a 0220 advice (DE25 00) naming the authorization by DE48 OR captures it instead of debiting again', async () => {
      const start = await balance();
      const auth = authorization(t, 3_000);
      const rrn = (await t.send(auth)).getString('37')!;
      expect(await code(capture(t, 3_000, { '48.OR': rrn }, '00'))).toBe('00');
      expect(await balance()).toBe(start - 3_000);
      expect(await code(capture(t, 3_000, de90(auth), '06'))).toBe('12');
      expect(await balance()).toBe(start - 3_000);
    });
  });
}
