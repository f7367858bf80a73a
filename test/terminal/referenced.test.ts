// Refunds, voids and completions by reference, against the small responder: a refund without an amount
// takes what is left of its original, whichever way it is asked (Terminal.refund, `pos terminal`'s stdin).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { startTerminal, type Terminal } from '../../terminal/index.js';
import { parseCommand } from '../../cli/commands/terminal.js';
import { EncodeError } from '../../protocols/errors.js';
import { DirectCardReader } from './direct-reader.js';
import { startResponder, testTmk, type Responder, type Reply } from './responder.js';

let responder: Responder | undefined;
let terminal: Terminal | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await terminal?.stop().catch(() => {});
  await responder?.close();
  terminal = responder = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const approve = () => ({ '39': '00', '37': '000000000042', '38': 'AB12CD', '55.91': Buffer.from('01020304050607083030', 'hex') });

async function start(handler: (request: Parameters<Responder['handler']>[0]) => Reply = approve) {
  responder = await startResponder(handler);
  const dir = mkdtempSync(join(tmpdir(), 'referenced-'));
  dirs.push(dir);
  const reader = new DirectCardReader();
  terminal = await startTerminal({
    host: '127.0.0.1', port: responder.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal: join(dir, 'j.db'), reader,
    timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 50, echoIntervalMs: 0 },
  });
  return { t: terminal, reader };
}

async function tapped(t: Terminal, reader: DirectCardReader, kind: 'sale' | 'preauth', amount: number) {
  const pending = t[kind]({ amount });
  setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
  const result = await pending;
  expect(result.state).toBe('approved');
  return result;
}

it('a refund without an amount after a partial refund refunds the rest (stdin "refund ID" and Terminal.refund); nothing left: refused', async () => {
  const { t, reader } = await start();
  const sale = await tapped(t, reader, 'sale', 1000);
  expect((await t.refund({ original: sale.id, amount: 400 })).state).toBe('approved');
  const command = parseCommand(`refund ${sale.id}`)!; // what `pos terminal` does with the line "refund ID"
  expect(command.verb).toBe('refund');
  expect(await t.refund((command as { request: { original: string; amount?: number } }).request)).toMatchObject({ state: 'approved', amount: 600 });
  expect(await t.refund({ original: sale.id })).toMatchObject({ state: 'failed', reasonCode: 'amount-exceeds-refundable' });
  expect(responder!.received.filter((m) => m.getString('3')?.startsWith('20'))).toHaveLength(2);
});

it('a void or completion not answered yet is refused with "wait for its outcome" (no reversal is coming); one being reversed says so', async () => {
  const { t, reader } = await start();
  const sale = await tapped(t, reader, 'sale', 1000);
  const auth = await tapped(t, reader, 'preauth', 5000);
  const journaled = (id: string, kind: 'void' | 'completion', original: typeof sale) => {
    const row = t.transaction(original.id)!;
    t.journal.insert({ id, kind, mti: kind === 'void' ? '0200' : '0220', tender: 'card', amount: row.amount, currency: '156', stan: t.journal.nextStan(), transmitted: '1127225300', batch: row.batch, entryMode: row.entryMode, maskedPan: row.maskedPan, originalId: original.id }, { '3': '000000' });
  };
  // Journaled, sent, not answered yet (this process waiting, or killed mid-wait).
  journaled('v-pending', 'void', sale);
  journaled('c-pending', 'completion', auth);
  const voidWait = t.referenceRefusal('refund', t.transaction(sale.id)!, 100)!;
  expect(voidWait).toMatchObject({ reasonCode: 'void-pending', reason: expect.stringContaining('waiting for its outcome') });
  expect(voidWait.reason).not.toMatch(/revers/);
  const completionWait = t.referenceRefusal('completion', t.transaction(auth.id)!)!;
  expect(completionWait).toMatchObject({ reasonCode: 'already-completed', reason: expect.stringContaining('waiting for its outcome') });
  expect(completionWait.reason).not.toMatch(/acknowledged the reversal/);
  t.journal.update('v-pending', { state: 'reversing' });
  t.journal.update('c-pending', { state: 'reversing' });
  expect(t.referenceRefusal('void', t.transaction(sale.id)!)).toMatchObject({ reasonCode: 'void-unresolved', reason: expect.stringContaining('being reversed') });
  expect(t.referenceRefusal('completion', t.transaction(auth.id)!)).toMatchObject({ reasonCode: 'already-completed', reason: expect.stringContaining('being reversed') });
});

it('a void or refund of an --offline completion whose advice is still queued is refused advice-pending, nothing sent; once forwarded it goes', async () => {
  let adviceOk = false;
  const { t, reader } = await start((r) => (r.mti === '0220' ? (adviceOk ? approve() : { '39': '96' }) : approve()));
  const auth = await tapped(t, reader, 'preauth', 5000);
  const c = await t.completion({ original: auth.id, offline: true });
  expect(c).toMatchObject({ state: 'approved', advice: 'stored' });
  const sentBefore = responder!.received.length;
  expect(await t.void({ original: c.id })).toMatchObject({ state: 'failed', reasonCode: 'advice-pending' });
  expect(await t.refund({ original: c.id, amount: 100 })).toMatchObject({ state: 'failed', reasonCode: 'advice-pending' });
  expect(responder!.received.slice(sentBefore).filter((m) => m.mti === '0200')).toEqual([]);
  adviceOk = true;
  expect(await t.flushQueue()).toBe(true);
  expect(await t.void({ original: c.id })).toMatchObject({ state: 'approved' });
  const order = responder!.received.map((m) => `${m.mti}/${m.getString('3')}`).filter((x) => /^0(220|200)/.test(x));
  expect(order.indexOf('0200/020000')).toBeGreaterThan(order.lastIndexOf('0220/000000'));
});

it('an --offline completion whose advice can never be encoded is parked: the result is failed like its row, not approved/stored', async () => {
  const { t, reader } = await start();
  const auth = await tapped(t, reader, 'preauth', 5000);
  const send = t.link.send.bind(t.link);
  t.link.send = (async (m: Parameters<typeof send>[0], ...rest: unknown[]) => {
    if (m.mti === '0220') throw new EncodeError('ISO 8583 field', '90', 'simulated unencodable advice');
    return send(m, ...(rest as []));
  }) as typeof t.link.send;
  const c = await t.completion({ original: auth.id, offline: true });
  expect(t.transaction(c.id)).toMatchObject({ state: 'failed', reasonCode: 'request-unencodable' });
  expect(c).toMatchObject({ state: 'failed', reasonCode: 'request-unencodable' });
  expect(c.advice).toBeUndefined();
  expect(t.journal.queueEntry(c.id, 'advice')).toMatchObject({ parked: true });
});
