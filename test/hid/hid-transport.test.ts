// NodeHidTransport's opens over an in-memory node-hid, reconnect on vitest's fake clock: the owner's
// open() and a reconnect try never both open the device (one handle, each report once), and close()
// during an open leaves nothing open.
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodeHidTransport } from '../../hardware/hid/index.js';
import { fakeHid } from './fake-node-hid.js';

vi.mock('node-hid', async () => (await import('./fake-node-hid.js')).fakeHid.module);

const path = '/dev/hidraw7';
const retryMs = 10;

beforeEach(() => {
  fakeHid.reset();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => vi.useRealTimers());

/** An open transport whose device was just unplugged and plugged back: its reconnect try is due in `retryMs`. */
async function replugged(nonExclusive: boolean) {
  const device = fakeHid.add(path);
  const transport = new NodeHidTransport({ path, nonExclusive, reconnect: { initialDelayMs: retryMs, maxDelayMs: retryMs } });
  await transport.open();
  const reports: string[] = [];
  let opened = 0;
  transport.on('report', (report) => reports.push(report.toString('hex')));
  transport.on('open', () => opened++);
  const gone = once(transport, 'gone');
  device.unplug();
  await gone;
  device.plug();
  fakeHid.opens = 0;
  return { device, transport, reports, opened: () => opened };
}

/** Lets every settled open finish its bookkeeping. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe.each([true, false])('NodeHidTransport opens (nonExclusive %s)', (nonExclusive) => {
  it("shares the reconnect try's open with an open() called while it is in flight", async () => {
    const { device, transport, reports, opened } = await replugged(nonExclusive);
    const release = fakeHid.hold();
    const retrying = once(fakeHid, 'opening');
    vi.advanceTimersByTime(retryMs);
    await retrying;
    const calling = transport.open();
    release();
    await calling; // before the fix: "cannot open device" when exclusive
    await settle();

    device.report([0x02, 0x41]);
    expect({ opens: fakeHid.opens, handles: device.handles.size, opened: opened(), reports }).toEqual({ opens: 1, handles: 1, opened: 1, reports: ['0241'] });
    await transport.close();
    expect(device.handles.size).toBe(0);
  });

  it("shares an open() in flight with a reconnect try that fires meanwhile", async () => {
    const { device, transport, reports, opened } = await replugged(nonExclusive);
    const release = fakeHid.hold();
    const reaching = once(fakeHid, 'opening');
    const calling = transport.open();
    await reaching;
    vi.advanceTimersByTime(retryMs);
    await settle();
    release();
    await calling;
    await settle();

    device.report([0x02, 0x41]);
    // before the fix with nonExclusive: two handles, the older one never closed, the report twice
    expect({ opens: fakeHid.opens, handles: device.handles.size, opened: opened(), reports }).toEqual({ opens: 1, handles: 1, opened: 1, reports: ['0241'] });
    expect(vi.getTimerCount()).toBe(0); // no try left pending against an open device
    await transport.close();
    expect(device.handles.size).toBe(0);
  });
});

describe('NodeHidTransport close() during an open', () => {
  it('ends closed with no handle and no open still in flight, for the owner\'s open and a reconnect try', async () => {
    const { device, transport, opened } = await replugged(true);
    const release = fakeHid.hold();
    const retrying = once(fakeHid, 'opening');
    vi.advanceTimersByTime(retryMs);
    await retrying;
    const calling = transport.open();
    const closing = transport.close();
    release();
    await closing;
    expect({ inFlight: fakeHid.inFlight, handles: device.handles.size, isOpen: transport.isOpen }).toEqual({ inFlight: 0, handles: 0, isOpen: false });
    await calling;
    await settle();
    expect({ handles: device.handles.size, isOpen: transport.isOpen, opened: opened(), timers: vi.getTimerCount() }).toEqual({ handles: 0, isOpen: false, opened: 0, timers: 0 });
  });

  it('a later open() after such a close opens once', async () => {
    const device = fakeHid.add(path);
    const transport = new NodeHidTransport({ path, reconnect: { initialDelayMs: retryMs } });
    const release = fakeHid.hold();
    const first = transport.open();
    const closing = transport.close();
    release();
    await Promise.all([first, closing]);
    await transport.open();
    expect({ handles: device.handles.size, isOpen: transport.isOpen }).toEqual({ handles: 1, isOpen: true });
    await transport.close();
    expect(device.handles.size).toBe(0);
  });
});
