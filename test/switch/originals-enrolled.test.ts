// An original named by RRN (DE48 OR; RRNs are sequential, so guessable) is found on another terminal only
// when this terminal's configured merchant is the original's — never by the request's own DE42. An enrolled
// terminal (no configured merchant) finds its own originals only: a capture, refund or void of another's is 25.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { merchantId, terminal, terminalIds, testSwitch, tmk } from './harness.js';

const pan = '5555555555554444';
const account = 'card:5555554444';
const fields = (extra: Record<string, string | number>) => ({ '2': pan, '3': '000000', '14': '3012', '22': '011', '25': '00', '49': '156', ...extra });

for (const database of testDatabases().filter((d) => d.available)) {
  describe(`originals by RRN across terminals on ${database.name}`, () => {
    let sw: RunningSwitch;
    let victim: IsoClient;
    let colleague: IsoClient;
    let enrolled: IsoClient;
    beforeAll(async () => {
      sw = await testSwitch(database.url(), { enrollUnknown: { tmk } });
      victim = await terminal(sw);
      colleague = await terminal(sw, terminalIds[1]);
      // Enrolled (any ID signs on under the shared TMK), claiming the victim's merchant in DE42.
      enrolled = await IsoClient.connect({ port: sw.port, terminalId: 'EVIL0001', merchantId, tmk, timeoutMs: 1000 });
      await enrolled.signOn();
    });
    afterAll(async () => {
      await Promise.all([victim?.close(), colleague?.close(), enrolled?.close()]);
      await sw?.stop();
      await database.cleanup();
    });
    const code = async (t: IsoClient, mti: string, extra: Record<string, string | number>) => (await t.send(t.message(mti, fields(extra)))).getString('39');

    it("an enrolled terminal claiming the victim's DE42 cannot capture its authorization (25); the victim's own completion still does", async () => {
      const start = (await sw.store.balance(account))!;
      const auth = await victim.send(victim.message('0100', fields({ '4': 50_000 })));
      expect(auth.getString('39')).toBe('00');
      const rrn = auth.getString('37')!;
      expect(await code(enrolled, '0220', { '4': 50_000, '48.OR': rrn })).toBe('25');
      expect(await code(enrolled, '0220', { '4': 50_000, '25': '06', '48.OR': rrn })).toBe('25');
      expect(await code(victim, '0220', { '4': 50_000, '25': '06', '48.OR': rrn })).toBe('00');
      expect(await sw.store.balance(account)).toBe(start - 50_000);
      expect((await sw.store.search({ terminalId: 'EVIL0001' })).filter((row) => row.responseCode === '00')).toEqual([]);
    });

    it("nor refund or void the victim's sale (25), while a terminal of the victim's configured merchant refunds it", async () => {
      const sale = await victim.send(victim.message('0200', fields({ '4': 3_000 })));
      const rrn = sale.getString('37')!;
      const start = (await sw.store.balance(account))!;
      expect(await code(enrolled, '0200', { '3': '200000', '4': 3_000, '48.OR': rrn })).toBe('25');
      expect(await code(enrolled, '0200', { '3': '020000', '4': 3_000, '48.OR': rrn })).toBe('25');
      expect(await sw.store.balance(account)).toBe(start);
      expect(await code(colleague, '0200', { '3': '200000', '4': 1_000, '48.OR': rrn })).toBe('00');
      expect(await sw.store.balance(account)).toBe(start + 1_000);
    });

    it('an enrolled terminal still refunds and voids its own sales by RRN', async () => {
      const own = async () => (await enrolled.send(enrolled.message('0200', fields({ '4': 2_000 })))).getString('37')!;
      expect(await code(enrolled, '0200', { '3': '200000', '4': 500, '48.OR': await own() })).toBe('00');
      expect(await code(enrolled, '0200', { '3': '020000', '4': 2_000, '48.OR': await own() })).toBe('00');
    });
  });
}
