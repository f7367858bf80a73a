// One connection cannot make the switch allocate without bound: requests in flight are capped (reading
// pauses), and a peer that does not read its answers is disconnected.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { terminal, terminalIds, testSwitch } from './harness.js';

describe('switch back-pressure per connection', () => {
  let sw: RunningSwitch | undefined;
  afterEach(async () => {
    await sw?.stop();
    sw = undefined;
  });

  it('processes at most maxInFlightPerConnection requests of a connection at once, and the rest after', async () => {
    sw = await testSwitch(':memory:', { maxInFlightPerConnection: 8 });
    const store = sw.store;
    const commit = store.commit.bind(store);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entries = 0;
    store.commit = async (batch) => {
      entries += batch.length;
      await held;
      return commit(batch);
    };
    const t = await terminal(sw);
    try {
      const answers = Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          t.send(t.message('0200', { '2': '5555555555554444', '3': '000000', '4': 1000 + i * 100, '14': '3012', '22': '011', '25': '00', '49': '156' })),
        ),
      );
      await expect.poll(() => entries).toBe(8);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(entries).toBe(8);
      release();
      expect((await answers).map((a) => a.getString('39'))).toEqual(Array.from({ length: 40 }, () => '00'));
    } finally {
      release();
      await t.close();
    }
  });

  it('starts no queued request of a connection after close(): stop() returns with nothing left to run', async () => {
    const running = await testSwitch(':memory:', { maxInFlightPerConnection: 1 });
    sw = running;
    const store = running.store;
    const commit = store.commit.bind(store);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entries = 0;
    let stopped = false;
    let afterStop = 0;
    store.commit = async (batch) => {
      entries += batch.length;
      if (stopped) afterStop += batch.length;
      await held;
      return commit(batch);
    };
    const t = await terminal(running);
    try {
      const sale = (i: number) => t.framed(t.message('0200', { '2': '5555555555554444', '3': '000000', '4': 1000 + i, '14': '3012', '22': '011', '25': '00', '49': '156' }));
      t.writeRaw(Buffer.concat([sale(1), sale(2), sale(3)])); // one chunk: requests 2 and 3 wait in the connection's queue
      await expect.poll(() => entries).toBe(1);
      sw = undefined;
      const stopping = running.stop();
      await new Promise((resolve) => setImmediate(resolve)); // the host has destroyed the socket and waits for request 1
      release();
      await stopping;
      stopped = true;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect({ entries, afterStop }).toEqual({ entries: 1, afterStop: 0 });
    } finally {
      release();
      await t.close();
    }
  });

  it('closes a connection that leaves more than maxUnwrittenBytes of answers unread', async () => {
    sw = await testSwitch(':memory:', { maxUnwrittenBytes: 64 * 1024 });
    const echo = new IsoMessage(specs.default, '0800').set('7', '1127120000').set('11', '000001').set('41', terminalIds[0]!).set('70', '301');
    const one = frame(echo.pack(), { length: 'binary2' });
    const socket = net.connect(sw.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.pause(); // never reads an answer
    await new Promise((resolve) => socket.once('connect', resolve));
    const burst = Buffer.concat(Array.from({ length: 10_000 }, () => one));
    const running = sw;
    for (let i = 0; i < 40 && running.metrics.connections > 0; i++) {
      if (!socket.write(burst)) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect.poll(() => running.metrics.connections, { timeout: 5000 }).toBe(0);
    socket.destroy();
  });
});
