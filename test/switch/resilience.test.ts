// Transient failures inside the switch fail only the requests they touch; the switch keeps serving.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { terminal, testSwitch } from './harness.js';

const sale = (t: Awaited<ReturnType<typeof terminal>>, amount: number) =>
  t.message('0200', { '2': '5555555555554444', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`switch resilience on ${database.name}`, () => {
    let sw: RunningSwitch | undefined;
    afterEach(async () => {
      await sw?.stop();
      sw = undefined;
    });
    afterAll(() => database.cleanup());

    it('a failed RRN reservation answers 96 to the requests waiting on it, and the next request reserves again', async () => {
      sw = await testSwitch(database.url());
      const store = sw.store;
      const reserve = store.reserveRrns.bind(store);
      let failures = 1;
      store.reserveRrns = async (size) => (failures-- > 0 ? Promise.reject(new Error('transient database error')) : reserve(size));
      const t = await terminal(sw);
      try {
        expect((await t.send(sale(t, 1000))).getString('39')).toBe('96');
        expect((await t.send(sale(t, 1001))).getString('39')).toBe('00');
      } finally {
        await t.close();
      }
    });
  });
}
