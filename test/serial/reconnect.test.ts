// The reopen backoff SerialTransport and NodeHidTransport share, on vitest's fake clock (no waiting).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reconnect } from '../../hardware/reconnect.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A device that comes back on the `backOn`-th reopen; records when each try happened. */
function rig(options: ConstructorParameters<typeof Reconnect>[0], backOn: number) {
  const tries: number[] = [];
  let wanted = true;
  const reconnect: Reconnect = new Reconnect(
    options,
    () => wanted,
    async () => {
      tries.push(Date.now());
      if (tries.length < backOn) throw new Error('not back yet');
      reconnect.opened();
    },
  );
  return { tries, reconnect, unwant: () => (wanted = false) };
}

describe('Reconnect', () => {
  it('doubles the wait after each failed reopen up to the ceiling, and starts over once open', async () => {
    const { tries, reconnect } = rig({ initialDelayMs: 10, maxDelayMs: 40 }, 5);
    const start = Date.now();
    reconnect.schedule();
    await vi.advanceTimersByTimeAsync(1000);
    expect(tries.map((t) => t - start)).toEqual([10, 30, 70, 110, 150]); // waits 10, 20, 40, 40, 40
    reconnect.schedule(); // lost again after being open
    await vi.advanceTimersByTimeAsync(10);
    expect(tries).toHaveLength(6);
  });

  it('defaults to 50 ms doubling to 2 s', async () => {
    const { tries, reconnect } = rig(undefined, 8);
    const start = Date.now();
    reconnect.schedule();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tries.map((t) => t - start)).toEqual([50, 150, 350, 750, 1550, 3150, 5150, 7150]);
  });

  it('drops a pending try once the device is open by other means (open() called during the backoff)', async () => {
    const { tries, reconnect } = rig({ initialDelayMs: 10, maxDelayMs: 40 }, 1);
    reconnect.schedule();
    reconnect.opened(); // the owner's own open() got there first
    await vi.advanceTimersByTimeAsync(1000);
    expect(tries).toEqual([]); // a second open of an open port fails "Cannot lock port" and retries forever
  });

  it('keeps one pending try when scheduled again before it fires (a lost port and its failed open both schedule)', async () => {
    const { tries, reconnect } = rig({ initialDelayMs: 10, maxDelayMs: 40 }, 3);
    const start = Date.now();
    reconnect.schedule();
    reconnect.schedule();
    await vi.advanceTimersByTimeAsync(1000);
    // The pending try keeps its time and the backoff doubles once per failed try: 10, then 20, then 40 (not 20, 60, 140).
    expect(tries.map((t) => t - start)).toEqual([10, 30, 70]);
  });

  it('never tries when reconnect is off, when the device is no longer wanted, or after cancel()', async () => {
    const off = rig(false, 1);
    off.reconnect.schedule();
    const unwanted = rig({}, 1);
    unwanted.reconnect.schedule();
    unwanted.unwant(); // close() while a try is pending
    const cancelled = rig({}, 1);
    cancelled.reconnect.schedule();
    cancelled.reconnect.cancel();
    await vi.advanceTimersByTimeAsync(10_000);
    expect([off.tries, unwanted.tries, cancelled.tries]).toEqual([[], [], []]);
  });
});
