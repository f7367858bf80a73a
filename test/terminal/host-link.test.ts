// HostLink's connection handling over real TCP: one connect in flight, shared by the reconnect try
// and a send(); stop() during a connect leaves no socket behind. The host counts the connections it sees.
import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { frame, Deframer } from '../../protocols/framing/index.js';
import { IsoMessage, responseMti, specs } from '../../protocols/iso8583/index.js';
import { HostBadMacError, HostLink, HostTimeoutError } from '../../terminal/host-link.js';
import { silentLogger, type Logger } from '../../terminal/logger.js';

interface EchoHost {
  server: Server;
  /** Every connection accepted so far, and those still open. */
  accepted: number;
  open: Set<Socket>;
  listen(port?: number): Promise<number>;
  close(): Promise<void>;
}

/** The answer to a request: its response MTI, DE11, DE41 (and DE70) and DE39 00. */
function answerTo(request: IsoMessage): IsoMessage {
  const answer = new IsoMessage(specs.default, responseMti(request.mti));
  answer.header = request.header;
  for (const path of ['11', '41', '70']) if (request.has(path)) answer.set(path, request.get(path)!);
  return answer.set('39', '00');
}

/** Answers every request with answerTo(), or as `reply` writes (each message framed). */
function echoHost(reply?: (request: IsoMessage, write: (answer: IsoMessage) => void) => void): EchoHost {
  const host: EchoHost = {
    accepted: 0,
    open: new Set(),
    server: createServer((socket) => {
      host.accepted++;
      host.open.add(socket);
      socket.on('close', () => host.open.delete(socket));
      socket.on('error', () => {});
      const deframer = new Deframer({ length: 'binary2' });
      socket.on('data', (chunk) => {
        for (const raw of deframer.push(chunk)) {
          const request = IsoMessage.unpack(specs.default, raw);
          const write = (answer: IsoMessage) => socket.write(frame(answer.pack(), { length: 'binary2' }));
          if (reply) reply(request, write);
          else write(answerTo(request));
        }
      });
    }),
    listen: (port = 0) =>
      new Promise((resolve) => host.server.listen(port, '127.0.0.1', () => resolve((host.server.address() as { port: number }).port))),
    close: async () => {
      for (const socket of host.open) socket.destroy();
      if (host.server.listening) await new Promise<void>((resolve) => host.server.close(() => resolve()));
    },
  };
  return host;
}

let stan = 0;
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

function link(port: number): HostLink {
  return new HostLink({
    host: '127.0.0.1', port, spec: specs.default, framing: 'binary2', terminalId: 'T0000001', merchantId: 'M00000000000001',
    nextStan: () => String(++stan).padStart(6, '0'), timeoutMs: 1000, connectTimeoutMs: 1000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, echoIntervalMs: 0, logger: silentLogger(),
  });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('HostLink connect', () => {
  it('a reconnect try and a send() in flight together share one connection', async () => {
    const host = echoHost();
    cleanups.push(() => host.close());
    const port = await host.listen();
    await new Promise<void>((resolve) => host.server.close(() => resolve())); // down at start: a reconnect try gets scheduled
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const l = link(port);
    cleanups.push(() => l.stop());
    await l.start();
    expect(l.isConnected).toBe(false);
    await host.listen(port);
    vi.advanceTimersByTime(20); // the reconnect try starts connecting…
    const answer = l.send(l.newMessage('0800').set('70', '301')); // …and send() connects before it is through
    vi.useRealTimers();
    expect((await answer).mti).toBe('0810');
    expect((await l.send(l.newMessage('0800').set('70', '301'))).mti).toBe('0810');
    expect(host.accepted).toBe(1);
    expect(host.open.size).toBe(1);
  });

  it('stop() during a connect leaves no socket; a restart right after holds one connection', async () => {
    const host = echoHost();
    cleanups.push(() => host.close());
    const l = link(await host.listen());
    cleanups.push(() => l.stop());
    let firstSettled = false;
    const first = l.start().finally(() => (firstSettled = true)); // connecting
    await l.stop();
    await Promise.resolve();
    expect(firstSettled).toBe(true); // stop() waited out the connect in flight (which closed its socket)
    expect(l.isConnected).toBe(false);
    await l.start();
    await first;
    expect((await l.send(l.newMessage('0800').set('70', '301'))).mti).toBe('0810');
    // the connect that stop() aborted is gone (whether or not it reached the host); only the restart's stays
    await vi.waitFor(() => expect(host.open.size).toBe(1));
    await l.stop();
    await vi.waitFor(() => expect(host.open.size).toBe(0));
  });
});

describe('HostLink stop', () => {
  it('closes within its grace time when the host no longer reads (queued bytes cannot drain)', async () => {
    const host = echoHost();
    cleanups.push(() => host.close());
    const l = link(await host.listen());
    cleanups.push(() => l.stop());
    await l.start();
    await vi.waitFor(() => expect(host.open.size).toBe(1));
    for (const socket of host.open) socket.pause(); // a hung host: it never reads again
    // More than the kernel's buffers take, queued on the link's socket (white box: no request this large exists).
    const socket = (l as unknown as { socket: Socket }).socket;
    socket.write(Buffer.alloc(32 << 20));
    const stopped = await Promise.race([l.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(resolve, 4000, 'still waiting'))]);
    expect(stopped).toBe('stopped'); // before the fix stop() waited on socket.end() for ever
    expect(socket.destroyed).toBe(true);
  });
});

describe('HostLink reconnect', () => {
  it.each([
    ['a port nobody listens on', 'port'],
    ['a port number that does not exist (connect throws at once)', '70000'],
  ])('a terminal whose host is down still exits: nothing of the link keeps the process alive (%s)', async (_, portExpression) => {
    // In a process of its own: counting a vitest worker's timers is at the mercy of whatever else runs there.
    const script = `
      const net = await import('node:net');
      const { HostLink } = await import('./terminal/host-link.ts');
      const { silentLogger } = await import('./terminal/logger.ts');
      const { specs } = await import('./protocols/iso8583/index.ts');
      const probe = net.createServer();
      await new Promise((listening) => probe.listen(0, '127.0.0.1', listening));
      const { port } = probe.address();
      await new Promise((closed) => probe.close(closed));
      const link = new HostLink({
        host: '127.0.0.1', port: ${portExpression}, spec: specs.default, framing: 'binary2', terminalId: 'T0000001', merchantId: 'M00000000000001',
        nextStan: () => '000001', timeoutMs: 1000, connectTimeoutMs: 60_000, reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
        echoIntervalMs: 0, logger: silentLogger(),
      });
      await link.start();
      console.log(link.isConnected ? 'connected' : 'down');`;
    // Never stopped. Before the fixes a ref'd reconnect timer, and a connect timeout armed before a
    // connect() that threw, kept the process running until killed.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 10_000 });
    expect(stdout.trim()).toBe('down');
  });
});

describe('HostLink echo', () => {
  it('a start() overlapping a stop() and a restart leaves no echo interval running after the last stop()', async () => {
    const host = echoHost();
    cleanups.push(() => host.close());
    const port = await host.listen();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const l = new HostLink({ ...link(port).options, echoIntervalMs: 1000 });
    cleanups.push(() => l.stop());
    await Promise.all([l.start(), l.stop(), l.start()]);
    await l.stop();
    expect(vi.getTimerCount()).toBe(0); // before the fix both start() calls set one: the first was never cleared
  });
});

describe('HostLink answers', () => {
  it('an answer whose MAC fails ends its request at once as no usable answer (not after the timeout), and is logged', async () => {
    const host = echoHost();
    cleanups.push(() => host.close());
    const port = await host.listen();
    const warnings: string[] = [];
    const logger = { info: () => {}, error: () => {}, debug: () => {}, warn: (_fields: unknown, message: string) => void warnings.push(message) } as unknown as Logger;
    const l = new HostLink({ ...link(port).options, timeoutMs: 60_000, logger });
    cleanups.push(() => l.stop());
    l.mac = { sign: () => {}, verify: () => false };
    await l.start();
    const request = l.newMessage('0200').set('3', '000000').set('4', 100);
    // Before the fix the request waited out its whole 60 s timeout (the test timed out).
    await expect(l.send(request)).rejects.toThrow(/wrong MAC: no usable answer/);
    expect(warnings).toContain('host answer has a wrong MAC: treated as no answer');
  });

  it('a wrong-MAC answer for a late or a foreign STAN is only dropped: the pending request still gets its own answer', async () => {
    let first: string | undefined;
    const host = echoHost((request, write) => {
      const stanOf = request.getString('11')!;
      if (first === undefined) return void (first = stanOf); // never answered: it times out, its answer comes late
      write(answerTo(request).set('11', first).set('38', 'BADMAC')); // late, wrong MAC
      write(answerTo(request).set('11', String(Number(stanOf) + 500).padStart(6, '0')).set('38', 'BADMAC')); // foreign, wrong MAC
      setTimeout(() => write(answerTo(request).set('38', 'GOOD01')), 30);
    });
    cleanups.push(() => host.close());
    const warnings: string[] = [];
    const logger = { info: () => {}, error: () => {}, debug: () => {}, warn: (_fields: unknown, message: string) => void warnings.push(message) } as unknown as Logger;
    const l = new HostLink({ ...link(await host.listen()).options, timeoutMs: 200, logger });
    cleanups.push(() => l.stop());
    l.mac = { sign: () => {}, verify: (answer) => answer.getString('38') !== 'BADMAC' };
    await l.start();
    await expect(l.send(l.newMessage('0200').set('3', '000000').set('4', 100))).rejects.toThrow(HostTimeoutError);
    const answer = await l.send(l.newMessage('0200').set('3', '000000').set('4', 200));
    expect(answer.getString('38')).toBe('GOOD01');
    expect(warnings.filter((w) => w.includes('matches no pending request'))).toHaveLength(2);
    expect(warnings).not.toContain('host answer has a wrong MAC: treated as no answer');
  });

  it('a wrong MAC rejects with HostBadMacError, a HostTimeoutError (sent, outcome unknown) told apart from silence', async () => {
    const host = echoHost();
    cleanups.push(() => host.close());
    const l = link(await host.listen());
    cleanups.push(() => l.stop());
    l.mac = { sign: () => {}, verify: () => false };
    await l.start();
    const error = await l.send(l.newMessage('0200').set('3', '000000').set('4', 100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostBadMacError);
    expect(error).toBeInstanceOf(HostTimeoutError);
  });
});
