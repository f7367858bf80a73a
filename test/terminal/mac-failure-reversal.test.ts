// Review of session 13: an answer with a wrong MAC (the switch's corruptMac fault) makes the terminal sign
// on again and reverse the sale. The store-and-forward queue sent the 0400 at once, MAC'd under the TAK
// that sign-on was replacing: the real switch answered A0 (MAC does not verify), and the sale stayed
// charged until the queue's next run (queueRetryMs later; a one-shot `pos sale` exited still reversing).
// The queue now waits for a sign-on in progress: the first 0400 is verified and the sale reversed at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { startTerminal, type Terminal } from '../../terminal/index.js';
import { DirectCardReader } from './direct-reader.js';

const tmk = '0123456789ABCDEFFEDCBA9876543210';
const terminalId = 'MACF0001';
const merchantId = 'M00000000000001';

/**
 * A TCP proxy to the switch that holds each 0400 from the terminal for 100 ms: the sign-on sent with it
 * is then answered (its keys in force at the switch) before the reversal's MAC is checked, whatever the
 * timing of the two processes; a reversal MAC'd under the keys that sign-on replaced meets A0.
 */
async function reversalsHeldBack(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    const deframer = new Deframer({ length: 'binary2' });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => (inbound.destroy(), outbound.destroy()));
    }
    outbound.pipe(inbound);
    inbound.on('data', (chunk: Buffer) => {
      for (const raw of deframer.push(chunk)) {
        const framed = frame(raw, { length: 'binary2' });
        if (IsoMessage.unpack(specs.default, raw).mti === '0400') setTimeout(() => outbound.write(framed), 100);
        else outbound.write(framed);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(() => resolve()))),
  };
}

let proxy: Awaited<ReturnType<typeof reversalsHeldBack>> | undefined;
let sw: RunningSwitch | undefined;
let terminal: Terminal | undefined;
let dir: string | undefined;
afterEach(async () => {
  await terminal?.stop().catch(() => {});
  await proxy?.close();
  await sw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sw = terminal = dir = proxy = undefined;
});

it('a wrong MAC on the sale\'s answer: the reversal waits for the new sign-on and is applied by its first 0400, never refused A0', async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', terminals: [{ id: terminalId, merchantId, tmk }] });
  proxy = await reversalsHeldBack(sw.port);
  dir = mkdtempSync(join(tmpdir(), 'mac-failure-'));
  const reader = new DirectCardReader();
  // The queue's next run 2 s on: only the first 0400 can reverse the sale within the 1.8 s polled below. The
  // terminal signs on after a MAC failure at most once per queueRetryMs of its process's clock: past it here.
  const queueRetryMs = 2000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, queueRetryMs + 50 - performance.now())));
  terminal = await startTerminal({
    host: '127.0.0.1', port: proxy.port, terminalId, merchantId, tmk, journal: join(dir, 'journal.db'), reader,
    timeouts: { hostMs: 2000, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs, echoIntervalMs: 0 },
  });
  sw.faults.set(terminalId, { corruptMac: true });
  const pending = terminal.sale({ amount: 1234 });
  setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
  const sale = await pending;
  expect(sale).toMatchObject({ state: 'reversing', reasonCode: 'bad-mac' });
  // The reversal's own answer is corrupted too while the fault stands, but the switch has applied it.
  await expect.poll(async () => (await sw!.store.search({ terminalId })).map((row) => [row.kind, row.responseCode, row.closed]), { timeout: 1800 }).toEqual([
    ['reversal', '00', null],
    ['sale', '00', 'reversed'],
  ]);
  expect(sw.metrics.text()).not.toContain('code="A0"');
});
