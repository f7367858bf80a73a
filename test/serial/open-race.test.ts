// SerialTransport's opens over a real socat PTY, reconnect on vitest's fake clock: the owner's open()
// and a reconnect try share one open (two would race for the port's lock, the loser failing "Cannot lock
// port"), and close() during an open leaves no port behind. The device "goes away" by moving its link
// aside (the node watch reports it) and comes back by moving it back.
import { once } from 'node:events';
import { readdirSync, readlinkSync, realpathSync, renameSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SerialPort } from 'serialport';
import { SerialTransport } from '../../hardware/serial/index.js';
import { openPtyPair } from '../support/pty.js';

const retryMs = 1000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  while (cleanups.length) await cleanups.pop()!();
});

/** How many descriptors this process holds on `tty`. */
function handlesOn(tty: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === tty;
    } catch {
      return false; // the fd of readdir itself is gone already
    }
  }).length;
}

/** An open transport whose device went away and came back: its reconnect try is due in `retryMs`. */
async function replugged() {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const tty = realpathSync(pty.b);
  const transport = new SerialTransport({ path: pty.b, reconnect: { initialDelayMs: retryMs, maxDelayMs: retryMs }, watchIntervalMs: 10 });
  cleanups.push(() => transport.close());
  await transport.open();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // the reconnect's; the node watch keeps its real interval
  const gone = once(transport, 'gone');
  renameSync(pty.b, `${pty.b}.away`);
  await gone;
  renameSync(`${pty.b}.away`, pty.b);
  let opened = 0;
  transport.on('open', () => opened++);
  const portOpens = vi.spyOn(SerialPort.prototype, 'open');
  return { pty, tty, transport, opened: () => opened, portOpens };
}

describe('SerialTransport opens', () => {
  it("shares the reconnect try's open with an open() called while it is in flight", async () => {
    const { tty, transport, opened, portOpens } = await replugged();
    vi.advanceTimersByTime(retryMs);
    expect(portOpens).toHaveBeenCalledTimes(1); // the try's open is under way
    await transport.open(); // before the fix: a second port, one of them failing "Cannot lock port"
    expect({ portOpens: portOpens.mock.calls.length, opened: opened(), isOpen: transport.isOpen, handles: handlesOn(tty) }).toEqual({
      portOpens: 1,
      opened: 1,
      isOpen: true,
      handles: 1,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares an open() in flight with a reconnect try that fires meanwhile', async () => {
    const { tty, transport, opened, portOpens } = await replugged();
    const calling = transport.open();
    vi.advanceTimersByTime(retryMs);
    await calling;
    expect({ portOpens: portOpens.mock.calls.length, opened: opened(), isOpen: transport.isOpen, handles: handlesOn(tty) }).toEqual({
      portOpens: 1,
      opened: 1,
      isOpen: true,
      handles: 1,
    });
    expect(vi.getTimerCount()).toBe(0); // before the fix the losing try rescheduled itself, failing on the lock forever
  });

  it('close() during an open ends closed, with no descriptor left and the port free to lock', async () => {
    const { pty, tty, transport, opened } = await replugged();
    vi.advanceTimersByTime(retryMs); // the reconnect try's open is under way
    const calling = transport.open();
    await transport.close();
    expect({ isOpen: transport.isOpen, handles: handlesOn(tty) }).toEqual({ isOpen: false, handles: 0 });
    await calling;
    expect({ isOpen: transport.isOpen, handles: handlesOn(tty), opened: opened(), timers: vi.getTimerCount() }).toEqual({
      isOpen: false,
      handles: 0,
      opened: 0,
      timers: 0,
    });

    const other = new SerialTransport({ path: pty.b, reconnect: false });
    cleanups.push(() => other.close());
    await other.open(); // would fail "Cannot lock port" if a descriptor had leaked
    expect(other.isOpen).toBe(true);
  });
});
