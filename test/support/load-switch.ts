// Fixtures of the `pos load` tests: closers run after each test (last first), and a switch on an
// in-memory journal that enrolls any terminal under the test TMK, as `pos load` expects of a host.
import { afterEach } from 'vitest';
import { testTmk } from '../../switch/config.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';

export const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

export async function aSwitch(): Promise<RunningSwitch> {
  const sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  stops.push(() => sw.stop());
  return sw;
}
