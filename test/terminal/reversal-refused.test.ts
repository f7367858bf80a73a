// A reversal the host answers with a refusal (here the real switch's 12: its original was settled by a
// 0500, and a settled transaction is final, docs/switch.md) was received and will never be undone:
// the queue finishes it as refused (never sent again), the transaction stands approved and charged,
// and the cashier is told. Before, the queue sent it again every queueRetryMs, for ever, and the
// batch could never close (it empties the queue first).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { testCards } from '../../protocols/testcards.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { startTerminal, type Terminal } from '../../terminal/index.js';
import { DirectCardReader } from './direct-reader.js';

const tmk = '0123456789ABCDEFFEDCBA9876543210';
const terminalId = 'REVR0001';
const merchantId = 'M00000000000001';

/** A TCP proxy to `port` that can be cut (every connection dropped, new ones refused) and opened again: the terminal's network. */
async function startProxy(port: number) {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((inbound) => {
    if (!open) return void inbound.destroy();
    const outbound = connect(port, '127.0.0.1');
    for (const [a, b] of [[inbound, outbound], [outbound, inbound]] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => (sockets.delete(a), b.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => ((open = false), sockets.forEach((socket) => socket.destroy())),
    open: () => void (open = true),
    close: () => new Promise<void>((resolve) => (sockets.forEach((socket) => socket.destroy()), server.close(() => resolve()))),
  };
}

let sw: RunningSwitch | undefined;
let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
let terminal: Terminal | undefined;
let dir: string | undefined;
afterEach(async () => {
  await terminal?.stop().catch(() => {});
  await proxy?.close();
  await sw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sw = proxy = terminal = dir = undefined;
});

it('a reversal of a sale the host settled meanwhile is answered 12: finished as refused, the sale stands approved and charged, the cashier is told', async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', terminals: [{ id: terminalId, merchantId, tmk }] });
  proxy = await startProxy(sw.port);
  dir = mkdtempSync(join(tmpdir(), 'reversal-refused-'));
  const reader = new DirectCardReader();
  terminal = await startTerminal({
    host: '127.0.0.1', port: proxy.port, terminalId, merchantId, tmk, journal: join(dir, 'journal.db'), reader,
    timeouts: { hostMs: 2000, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 50, echoIntervalMs: 0 },
  });
  const account = cardAccount(testCards.mastercard.pan);
  const before = (await sw.store.balance(account))!;

  // The switch approves the sale, its answer is dropped, and the network goes down before the terminal
  // hears anything: the terminal queues a reversal it cannot send yet.
  sw.faults.set(terminalId, { drop: true });
  const pending = terminal.sale({ amount: 1234 });
  setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
  await expect.poll(async () => (await sw!.store.search({ terminalId })).map((row) => [row.kind, row.responseCode])).toEqual([['sale', '00']]);
  proxy.cut();
  const sale = await pending;
  reader.remove();
  expect(sale.state).toBe('reversing');
  sw.faults.clear(terminalId);

  // Meanwhile the host settles the terminal's batch (a 0500 with the host's totals): the sale is final.
  const host = await IsoClient.connect({ port: sw.port, terminalId, merchantId, tmk });
  await host.signOn();
  const settlement = host.message('0500', { '60.1': '00', '60.2': '000001', '74': 1, '86': 1234, '76': 0, '88': 0, '97': 'C0000000000001234' });
  expect((await host.send(settlement)).getString('39')).toBe('00');
  await host.close();

  // The network back, the terminal signs on again and sends the queued reversal: the switch answers 12.
  const statuses: Array<{ txnId: string; step: string; message: string }> = [];
  terminal.on('status', (status) => statuses.push(status));
  proxy.open();
  await expect.poll(() => terminal!.transaction(sale.id)!.state, { timeout: 3000 }).toBe('approved'); // before: reversing for ever
  expect(terminal.transaction(sale.id)).toMatchObject({ reasonCode: 'reversal-refused' });
  expect(terminal.transaction(sale.id)!.reason).toMatch(/^the host refused the reversal \(12: .*\): the transaction stands, charged/);
  expect(statuses).toContainEqual(expect.objectContaining({ txnId: sale.id, step: 'approved', message: expect.stringContaining('refused the reversal (12') }));
  expect(await terminal.flushQueue()).toBe(true); // nothing left to send: never sent again
  const reversals = (await sw.store.search({ terminalId })).filter((row) => row.kind === 'reversal');
  expect(reversals.map((row) => row.responseCode)).toEqual(['12']);
  expect(await sw.store.balance(account)).toBe(before - 1234); // charged, as the terminal now says
  // Before, the batch could not close (the queue never emptied). Now it counts the sale, as the host's
  // 0500 did: the switch takes it for that close sent again (docs/switch.md) and answers 00.
  expect(await terminal.batchClose()).toMatchObject({ batch: 1, inBalance: true, uploaded: 0, responseCode: '00' });
});
