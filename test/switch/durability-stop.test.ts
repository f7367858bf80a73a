// stop() is bounded: a request stuck in flight (here its MAC check, held in the HSM; in production a
// silent database or HSM) no longer holds it forever (SIGTERM could not stop the switch). After
// stopTimeoutMs the answers still owed are dropped: the terminal reverses what it did not hear.
import { describe, expect, it } from 'vitest';
import { testDatabases } from './databases.js';
import { terminal, testSwitch } from './harness.js';
import { heldHsm } from './held-hsm.js';

/** `promise`, or a failure naming `what` after `ms` (a hang fails the test instead of timing it out silently). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
}

const [sqlite] = testDatabases();

describe('switch stop with a request stuck in flight', () => {
  it('returns after stopTimeoutMs; the stuck request is not answered, not even when it finishes later', async () => {
    const { hsm, held } = heldHsm('T0000001', 'before');
    const sw = await testSwitch(sqlite!.url(), { hsm, stopTimeoutMs: 100 });
    const t = await terminal(sw);
    try {
      held.armed = true;
      const sale = t.send(t.message('0200', { '2': '4111111111111111', '3': '000000', '4': 1_000, '14': '3012', '22': '011', '25': '00', '49': '156' }));
      const outcome = sale.then(() => 'answered', () => 'not answered');
      await held.reached;
      await within(sw.stop(), 3000, 'stop()');
      held.go();
      expect(await outcome).toBe('not answered');
    } finally {
      held.go();
      await t.close();
      await sqlite!.cleanup();
    }
  });
});
