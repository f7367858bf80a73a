// Once a reversal is queued for a transaction, the reversal wins: an approval landing after it does
// not set the row back to approved (the host is undoing it; batch totals must not count it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { startTerminal, type Terminal } from '../../terminal/index.js';
import { DirectCardReader } from './direct-reader.js';
import { startResponder, testTmk, type Responder } from './responder.js';

let responder: Responder | undefined;
let terminal: Terminal | undefined;
let dir: string | undefined;
afterEach(async () => {
  await terminal?.stop().catch(() => {});
  await responder?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  terminal = responder = dir = undefined;
});

it('an approval that lands after a reversal was queued leaves the row reversing/reversed, and the result says so', async () => {
  let t: Terminal | undefined;
  responder = await startResponder((request) => {
    // The refund is on the wire: its reversal is queued meanwhile (as a recovery or a timeout would).
    if (request.mti === '0200' && request.getString('3')?.startsWith('20')) {
      const pending = t!.history({ limit: 5 }).find((row) => row.kind === 'refund')!;
      t!.journal.enqueue(pending.id, 'reversal', { '11': t!.journal.nextStan(), '7': '1127230000', '3': '200000', '4': String(pending.amount) });
      t!.journal.update(pending.id, { state: 'reversing', reasonCode: 'interrupted', reason: 'interrupted' });
    }
    return { '39': '00', '37': '000000000042', '38': 'AB12CD', '55.91': Buffer.from('01020304050607083030', 'hex') };
  });
  dir = mkdtempSync(join(tmpdir(), 'reversal-wins-'));
  const reader = new DirectCardReader();
  terminal = t = await startTerminal({
    host: '127.0.0.1', port: responder.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal: join(dir, 'j.db'), reader,
    timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 50, echoIntervalMs: 0 },
  });
  const s = t.sale({ amount: 1000 });
  setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
  const sale = await s;
  expect(sale.state).toBe('approved');
  const refunded = await t.refund({ original: sale.id, amount: 400 });
  expect(refunded.state).toBe('reversing');
  expect(['reversing', 'reversed']).toContain(t.transaction(refunded.id)!.state);
  await expect.poll(async () => (await t!.flushQueue(), t!.transaction(refunded.id)!.state)).toBe('reversed');
  expect(t.refundable(t.transaction(sale.id)!)).toBe(1000);
});
