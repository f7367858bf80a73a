// GET /health asks the journal (a `SELECT 1`): with PostgreSQL gone behind a real TCP proxy it is a 503
// naming why (no password of the URL), where it said ok while every sale got 96; a route failing on the
// journal is a 500 that says "internal error" and logs the detail.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { testSwitch } from './harness.js';

/** A TCP proxy to PostgreSQL that can be stopped (every connection cut, the port closed) and started again on the same port. */
function pgProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    start: () =>
      new Promise<void>((resolve, reject) => {
        server = net.createServer((client) => {
          const upstream = net.connect(target);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => undefined);
          }
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
