// Stopping the switch: terminals first (no request taken once stop begins; those in flight are journaled
// and answered), then the admin API with every connection closed, even one holding a half-sent request.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import pino from 'pino';
import { createSimulatedHsm, type Hsm } from '../../switch/hsm/index.js';
import { openStore } from '../../switch/store/index.js';
import { terminal, terminalIds, testSwitch } from './harness.js';

const sale = (t: IsoClient, amount: number) =>
  t.message('0200', { '2': '4111111111111111', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });

/** `promise`, or a failure naming `what` after `ms` (a hang fails the test instead of timing it out silently). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
}

function connects(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('switch stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-stop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finishes while an admin request is half-sent, and takes no terminal connection once it has begun', async () => {
    const sw = await testSwitch(':memory:', { adminPort: 0 });
    const half = net.connect(sw.adminPort!, '127.0.0.1');
    half.on('error', () => {});
    await new Promise((resolve) => half.once('connect', resolve));
    half.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // A whole request answered first: the half one's connection is then surely accepted by the server.
    expect((await fetch(`http://127.0.0.1:${sw.adminPort}/health`)).status).toBe(200);
    const closed = new Promise((resolve) => half.once('close', resolve));
    const stopping = sw.stop();
    expect(await connects(sw.port)).toBe('ECONNREFUSED');
    await within(stopping, 5000, 'stop()');
    await within(closed, 1000, 'the half-sent request closed');
  });

  it('answers every request it journaled before stopping', async () => {
    const db = `sqlite:${join(dir, 'stop.db')}`;
    // The simulated HSM with a MAC check 10 ms slower each time: requests finish one by one, so some are
    // still being processed when stop() is called at the first answer.
    const real = createSimulatedHsm({ lmk: Buffer.alloc(32, 7), logger: pino({ level: 'silent' }) });
    let macs = 0;
    const hsm = new Proxy(real, {
      get: (target, name: keyof Hsm) =>
        name === 'verifyMac'
          ? async (...args: Parameters<Hsm['verifyMac']>) => {
              await new Promise((resolve) => setTimeout(resolve, 10 * macs++));
              return target.verifyMac(...args);
            }
          : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    const sw = await testSwitch(db, { hsm });
    const t = await terminal(sw);
    const answered = new Map<string, string>();
    const sends = Array.from({ length: 40 }, (_, i) => {
      const request = sale(t, 100 + i);
      return t.send(request).then(
        (answer) => void answered.set(request.getString('11')!, answer.getString('39')!),
        () => undefined,
      );
    });
    await Promise.race(sends);
    await within(sw.stop(), 5000, 'stop()');
    await Promise.all(sends);
    await t.close();
    const store = await openStore(db);
    try {
      const journaled = (await store.search({ terminalId: terminalIds[0]!, limit: 1000 })).filter((row) => row.kind === 'sale');
      expect(journaled.length).toBeGreaterThan(0);
      for (const row of journaled) expect(answered.get(row.stan), `STAN ${row.stan}`).toBe(row.responseCode);
    } finally {
      await store.close();
    }
  });
});
