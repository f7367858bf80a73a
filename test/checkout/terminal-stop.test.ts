// Terminal.stop() while a sale waits for the host: an answer on its way is still taken (the sale ends
// approved, nothing to reverse), instead of the wait being cut off at once and a sale the host approved
// reversed for nothing. The answer is held by a TCP proxy between terminal and host and let through
// once stop() has begun. (Cut off when no answer comes: test/checkout/demo-stop-journal.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { startTerminal, type Terminal } from '../../terminal/index.js';
import { DirectCardReader } from '../terminal/direct-reader.js';
import { startResponder, testTmk, type Responder } from '../terminal/responder.js';

/** A TCP proxy to `port` whose host-to-terminal bytes can be held back and then let through. */
async function startHoldingProxy(port: number) {
  const sockets = new Set<Socket>();
  let held: Buffer[] | undefined;
  let toTerminal: Socket | undefined;
  const server: Server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    toTerminal = inbound;
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => (sockets.delete(socket), inbound.destroy(), outbound.destroy()));
    }
    inbound.pipe(outbound);
    outbound.on('data', (chunk: Buffer) => (held ? held.push(chunk) : inbound.write(chunk)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold: () => void (held = []),
    release: () => {
      for (const chunk of held ?? []) toTerminal?.write(chunk);
      held = undefined;
    },
    close: () => new Promise<void>((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(() => resolve()))),
  };
}

let responder: Responder | undefined;
let proxy: Awaited<ReturnType<typeof startHoldingProxy>> | undefined;
let terminal: Terminal | undefined;
let dir: string | undefined;
afterEach(async () => {
  await terminal?.stop().catch(() => {});
  await proxy?.close();
  await responder?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  terminal = proxy = responder = dir = undefined;
});

it('an answer that arrives while stop() waits ends the sale approved: journaled approved, no reversal queued', async () => {
  responder = await startResponder(() => ({ '39': '00', '37': '000000000042', '38': 'AB12CD', '55.91': Buffer.from('01020304050607083030', 'hex') }));
  proxy = await startHoldingProxy(responder.port);
  dir = mkdtempSync(join(tmpdir(), 'terminal-stop-'));
  const journal = join(dir, 'j.db');
  const reader = new DirectCardReader();
  terminal = await startTerminal({
    host: '127.0.0.1', port: proxy.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal, reader,
    timeouts: { hostMs: 60_000, presentMs: 5000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 60_000, echoIntervalMs: 0 },
  });
  const t = terminal;
  expect(t.signedOn).toBe(true);
  proxy.hold();
  const steps: string[] = [];
  t.on('status', (status) => steps.push(status.step));
  const sale = t.sale({ amount: 1500 });
  setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
  await expect.poll(() => responder!.received.map((message) => message.mti)).toContain('0200');
  expect(steps.at(-1)).toBe('processing');

  const stopped = t.stop();
  proxy.release(); // the answer reaches the terminal after stop() began
  await stopped;
  terminal = undefined;
  const result = await sale;
  expect(result).toMatchObject({ state: 'approved', reasonCode: 'approved', authCode: 'AB12CD' }); // before: reversing, no-answer
  expect(responder.received.map((message) => message.mti)).toEqual(['0800', '0200']); // no reversal sent

  // The journal, as the next start finds it: approved, nothing queued.
  terminal = await startTerminal({
    host: '127.0.0.1', port: responder.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal, reader,
    timeouts: { reconnectInitialMs: 20, queueRetryMs: 60_000, echoIntervalMs: 0 },
  });
  expect(terminal.transaction(result.id)).toMatchObject({ state: 'approved', responseCode: '00' });
  expect(terminal.journal.pendingQueue()).toEqual([]);
});

it('stop() during the card read (which it cannot abort): the request is never sent; the sale ends terminal-stopped, nothing charged', async () => {
  responder = await startResponder(() => ({ '39': '00', '37': '000000000043', '38': 'AB12CE' }));
  dir = mkdtempSync(join(tmpdir(), 'terminal-stop-'));
  const reader = new DirectCardReader();
  terminal = await startTerminal({
    host: '127.0.0.1', port: responder.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal: join(dir, 'j.db'), reader,
    timeouts: { hostMs: 60_000, presentMs: 5000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 60_000, echoIntervalMs: 0 },
  });
  const t = terminal;
  let stopped: Promise<void> | undefined;
  t.on('status', (status) => {
    if (status.step === 'reading-card') stopped ??= t.stop(); // the kernel's read starts right after this event
  });
  const sale = t.sale({ amount: 1500 });
  setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
  const result = await sale;
  await stopped;
  terminal = undefined;
  expect(result).toMatchObject({ state: 'failed', reasonCode: 'terminal-stopped' }); // before: sent after stop() began
  expect(responder.received.map((message) => message.mti)).toEqual(['0800']);
});
