// GET /health asks the journal (a `SELECT 1`): with PostgreSQL gone behind a real TCP proxy it is a 503
// naming why (no password of the URL), where it said ok while every sale got 96; a route failing on the
// journal is a 500 that says "internal error" and logs the detail.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin } from '../../switch/admin/server.js';
import { Faults } from '../../switch/faults.js';
import type { RunningSwitch } from '../../switch/index.js';
import { Metrics } from '../../switch/metrics.js';
import { openStore } from '../../switch/store/index.js';
import { testDatabases } from './databases.js';
import { testSwitch } from './harness.js';

/**
 * A TCP proxy to PostgreSQL that can be stopped (every connection cut, the port closed) and started
 * again on the same port, or go silent (connections cut; new ones accepted and never answered).
 */
function pgProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let silent = false;
  return {
    get port() {
      return port;
    },
    silence: () => {
      silent = true;
      for (const socket of sockets) socket.destroy();
    },
    start: () =>
      new Promise<void>((resolve, reject) => {
        silent = false;
        server = net.createServer((client) => {
          sockets.add(client);
          client.on('close', () => sockets.delete(client));
          client.on('error', () => undefined);
          if (silent) return;
          const upstream = net.connect(target);
          sockets.add(upstream);
          upstream.on('close', () => sockets.delete(upstream));
          upstream.on('error', () => undefined);
          client.pipe(upstream).pipe(client);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as net.AddressInfo).port;
          resolve();
        });
      }),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    },
  };
}

const postgres = testDatabases().find((database) => database.name === 'postgres')!;

describe.skipIf(!postgres.available)('admin /health with the PostgreSQL journal unreachable', () => {
  let sw: RunningSwitch;
  let base: string;
  const logs: string[] = [];
  const target = /@([^:/]+):(\d+)\//.exec(process.env.POS_TEST_PG_URL ?? '');
  const proxy = pgProxy({ host: target?.[1] ?? '127.0.0.1', port: Number(target?.[2] ?? 5432) });

  beforeAll(async () => {
    await proxy.start();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    sw = await testSwitch(postgres.url().replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`), { adminPort: 0, logger: pino({ level: 'info' }, sink) });
    base = `http://127.0.0.1:${sw.adminPort}`;
  });
  afterAll(async () => {
    await proxy.start().catch(() => undefined);
    await sw?.stop();
    await proxy.stop();
    await postgres.cleanup();
  });

  it('answers 503 naming the problem while the database is gone, and 200 once it is back', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', journal: 'postgres' });
    await proxy.stop();
    const down = await fetch(`${base}/health`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as Record<string, string>;
    expect(body).toEqual({ status: 'unavailable', journal: 'postgres', reason: expect.stringContaining('ECONNREFUSED') });
    expect(body.reason).not.toContain('pos:pos');

    // A route that needs the journal: one error shape, no driver message.
    const search = await fetch(`${base}/transactions?limit=1`);
    expect(search.status).toBe(500);
    expect(await search.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    expect(logs.some((line) => line.includes('admin request failed') && line.includes('ECONNREFUSED'))).toBe(true);

    await proxy.start();
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe.skipIf(!postgres.available)('admin /health with the PostgreSQL journal silent', () => {
  it('answers 503 once the health timeout passes, not never', async () => {
    const target = /@([^:/]+):(\d+)\//.exec(process.env.POS_TEST_PG_URL ?? '');
    const proxy = pgProxy({ host: target?.[1] ?? '127.0.0.1', port: Number(target?.[2] ?? 5432) });
    await proxy.start();
    const store = await openStore(postgres.url().replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`));
    const admin = await startAdmin({
      port: 0, store, faults: new Faults(), metrics: new Metrics(), log: pino({ level: 'silent' }), terminals: () => [], cards: [], healthTimeoutMs: 300,
    });
    try {
      proxy.silence();
      const response = await fetch(`http://127.0.0.1:${admin.port}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', journal: 'postgres', reason: 'the journal did not answer within 300 ms' });
    } finally {
      await admin.close();
      await proxy.stop();
      await store.close();
      await postgres.cleanup();
    }
  });
});
