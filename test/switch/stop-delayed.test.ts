// A .98 (late-answer) sale still being processed when stop() begins: once closing has begun no answer
// timer is armed (it kept `pos switch` running lateAnswerMs after Ctrl-C). The sale stays journaled and
// is not answered (the terminal reverses what it did not hear).
import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../switch/store/index.js';
import { testDatabases } from './databases.js';
import { terminal, testSwitch } from './harness.js';
import { heldHsm } from './held-hsm.js';

for (const database of testDatabases().filter((d) => d.available)) {
  describe(`stop with a late answer in flight on ${database.name}`, () => {
    it('arms no timer for a .98 sale that finishes after stop() began; the sale is journaled, not answered', async () => {
      const url = database.url();
      const { hsm, held } = heldHsm('T0000001', 'after');
      const sw = await testSwitch(url, { hsm, lateAnswerMs: 600_000 });
      const t = await terminal(sw);
      try {
        held.armed = true;
        const late = t.send(t.message('0200', { '2': '4111111111111111', '3': '000000', '4': 1_098, '14': '3012', '22': '011', '25': '00', '49': '156' }));
        const outcome = late.then(() => 'answered', () => 'not answered');
        await held.reached;
        // Every timer armed from here on, by its delay: the late answer's would be lateAnswerMs.
        const armed = vi.spyOn(globalThis, 'setTimeout');
        const stopped = sw.stop();
        held.go();
        await stopped;
        const delays = armed.mock.calls.map(([, ms]) => ms);
        armed.mockRestore();
        expect(await outcome).toBe('not answered');
        expect(delays).not.toContain(600_000);
      } finally {
        vi.restoreAllMocks();
        held.go();
        await t.close();
      }
      const store = await openStore(url);
      try {
        expect((await store.search({ terminalId: 'T0000001' })).map((row) => [row.amount, row.responseCode])).toEqual([[1_098, '00']]);
      } finally {
        await store.close();
        await database.cleanup();
      }
    });
  });
}
