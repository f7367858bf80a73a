// End to end through the real stack: a virtual PN532 on a socat PTY, the real PN532 driver, the
// terminal's kernel, host link and SQLite journal, and the real switch (startSwitch) over TCP with
// its issuer simulator (docs/test-cards.md: forced outcomes by cents, test cards, ARQC/ARPC).
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tdesIpek } from '../../protocols/crypto/index.js';
import { encodeCpm } from '../../protocols/qr/index.js';
import { testCards, type TestCardProfileId } from '../../protocols/testcards.js';
import { createVirtualCard as newVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { IsoClient } from '../../cli/load/iso-client.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { startTerminal, VirtualPinPad, type Terminal, type TerminalConfig } from '../../terminal/index.js';
import { localTimeDate, transmissionDateTime } from '../../terminal/clock.js';
import { originalDataElements } from '../../terminal/forwarder.js';
import { Journal } from '../../terminal/journal.js';
import { startBench, tapCard, type Bench } from '../nfc/harness.js';

/** A new object for the same card continues its ATC, as the one real card would: the switch refuses a replayed ATC. */
const atcs = new Map<TestCardProfileId, number>();
function createVirtualCard(id: TestCardProfileId) {
  const atc = (atcs.get(id) ?? testCards[id].initialAtc) + 100;
  atcs.set(id, atc);
  return newVirtualCard(id, { atc });
}

const tmk = '0123456789ABCDEFFEDCBA9876543210';
const iksn = 'FFFF9876543210E00000';
const ipek = tdesIpek(Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex'), Buffer.from(iksn, 'hex')).toString('hex');

let sw: RunningSwitch;
let bench: Bench;
let t: Terminal;
let dir: string;
const msr = new EventEmitter();
const scanner = new EventEmitter();
const pinPad = new VirtualPinPad({ ipek, iksn });

function config(journal: string, overrides: Partial<TerminalConfig> = {}): TerminalConfig {
  return {
    host: '127.0.0.1', port: sw.port, terminalId: 'E2E00001', merchantId: 'MERCHANT0000001', tmk, journal,
    reader: bench.reader, msr: msr as TerminalConfig['msr'], scanners: [scanner as NonNullable<TerminalConfig['scanners']>[number]], pinPad,
    timeouts: { hostMs: 500, presentMs: 3000, reconnectInitialMs: 20, reconnectMaxMs: 200, queueRetryMs: 100, echoIntervalMs: 0 },
    ...overrides,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e2e-'));
  sw = await startSwitch({ port: 0, db: ':memory:', lateAnswerMs: 800, terminals: [{ id: 'E2E00001', merchantId: 'MERCHANT0000001', tmk }] });
  bench = await startBench();
  t = await startTerminal(config(join(dir, 'terminal.db')));
});
afterAll(async () => {
  await t?.stop();
  await bench?.close();
  await sw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Taps a card once the terminal asks for it, and takes it away after the sale. */
async function tapSale(card: Parameters<typeof tapCard>[1], amount: number, options: { removeAfterApdus?: number } = {}) {
  const sale = t.sale({ amount });
  tapCard(bench, card, options);
  const result = await sale;
  bench.device.remove();
  return result;
}

describe('terminal ↔ switch, end to end', () => {
  it('signs on with the switch (DE96 keys under the TMK)', () => {
    expect(t.signedOn).toBe(true);
  });

  it('approves each contactless profile: the switch verifies the ARQC, the terminal checks the ARPC', async () => {
    for (const id of ['visa', 'mastercard', 'unionpay'] as const) {
      const result = await tapSale(createVirtualCard(id), 1234);
      expect(result, id).toMatchObject({ state: 'approved', responseCode: '00', entryMode: '071' });
      expect(result.authCode).toMatch(/^\w{6}$/);
      expect(result.receipt!.customer).toContain(result.maskedPan!);
    }
  });

  it('declines by forced cents (51, 05) and by card state (lost card on the stripe)', async () => {
    expect(await tapSale(createVirtualCard('visa'), 1051)).toMatchObject({ state: 'declined', responseCode: '51' });
    expect(await tapSale(createVirtualCard('mastercard'), 1005)).toMatchObject({ state: 'declined', responseCode: '05' });
    const sale = t.sale({ amount: 1000 });
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000416=30121010000000000?' }), 20);
    expect(await sale).toMatchObject({ state: 'declined', responseCode: '41', entryMode: '021' });
  });

  it('online PIN above the CVM-required limit: approved with 1234, 55 with a wrong PIN', async () => {
    pinPad.enter({ pin: '1234' });
    expect(await tapSale(createVirtualCard('mastercard'), 50000)).toMatchObject({ state: 'approved' });
    pinPad.enter({ pin: '9999' });
    expect(await tapSale(createVirtualCard('mastercard'), 50000)).toMatchObject({ state: 'declined', responseCode: '55' });
  });

  it('card removed during the read: failed with a reason, nothing sent', async () => {
    const result = await tapSale(createVirtualCard('mastercard'), 1200, { removeAfterApdus: 3 });
    expect(result).toMatchObject({ state: 'failed', reasonCode: 'card-removed' });
  });

  it('no answer (.97) → reversal; late answer (.98) → reversal of what the switch approved', async () => {
    expect(await tapSale(createVirtualCard('visa'), 1097)).toMatchObject({ state: 'reversed', reasonCode: 'no-answer' });
    const late = await tapSale(createVirtualCard('visa'), 1098);
    expect(late.reasonCode).toBe('no-answer');
    await expect.poll(() => t.transaction(late.id)!.state, { timeout: 3000 }).toBe('reversed');
  });

  it('a completion without an answer is reversed with DE90 = 0220: the switch undoes it and the pre-authorization holds again', async () => {
    const account = cardAccount(testCards.mastercard.pan);
    const before = (await sw.store.balance(account))!;
    const pending = t.preauth({ amount: 10000 });
    tapCard(bench, createVirtualCard('mastercard'));
    const auth = await pending;
    bench.device.remove();
    expect(auth.state).toBe('approved');
    expect(await sw.store.balance(account)).toBe(before - 10000);
    sw.faults.set('E2E00001', { drop: true }); // applied at the switch, never answered
    const completion = await t.completion({ original: auth.id, amount: 9000 }).finally(() => sw.faults.clear('E2E00001'));
    expect(completion.reasonCode).toBe('no-answer');
    await expect.poll(() => t.transaction(completion.id)!.state, { timeout: 3000 }).toBe('reversed');
    const rows = await sw.store.search({ terminalId: 'E2E00001', limit: 3 });
    expect(rows.map((r) => [r.kind, r.responseCode, r.closed ?? null])).toEqual([['reversal', '00', null], ['completion', '00', 'reversed'], ['preauthorization', '00', null]]);
    expect(await sw.store.balance(account)).toBe(before - 10000); // the hold is back, the completed amount is not taken
    expect(await t.completion({ original: auth.id, amount: 9000 })).toMatchObject({ state: 'approved' });
    expect(await sw.store.balance(account)).toBe(before - 9000);
  });

  it('a wrong ARPC (switch fault corruptArpc): the unionpay card (AIP: issuer authentication) answers 6300, the terminal reverses and says why', async () => {
    const account = cardAccount(testCards.unionpay.pan);
    const before = await sw.store.balance(account);
    sw.faults.set('E2E00001', { corruptArpc: true });
    try {
      const card = createVirtualCard('unionpay');
      const result = await tapSale(card, 1234);
      expect(card.lastIssuerAuthentication).toBe('failed');
      expect(result).toMatchObject({ reasonCode: 'arpc-failed', reason: 'the card rejected the issuer authentication (6300)' });
      await expect.poll(() => t.transaction(result.id)!.state, { timeout: 3000 }).toBe('reversed');
      const rows = await sw.store.search({ terminalId: 'E2E00001', limit: 2 });
      expect(rows.map((r) => [r.kind, r.responseCode])).toEqual([['reversal', '00'], ['sale', '00']]);
      expect(rows[1]!.closed).toBe('reversed');
      expect(await sw.store.balance(account)).toBe(before);
      // The same fault on a card without issuer authentication: the terminal cannot recompute an ARPC, so it stands.
      expect(await tapSale(createVirtualCard('mastercard'), 1234)).toMatchObject({ state: 'approved' });
    } finally {
      sw.faults.clear('E2E00001');
    }
    const genuine = createVirtualCard('unionpay');
    expect(await tapSale(genuine, 1234)).toMatchObject({ state: 'approved' });
    expect(genuine.lastIssuerAuthentication).toBe('passed');
  });

  it('keys out of step (the terminal ID signed on again elsewhere): the sale answered A0 is declined, the terminal signs on again, the next sale is approved', async () => {
    const elsewhere = await IsoClient.connect({ port: sw.port, terminalId: 'E2E00001', merchantId: 'MERCHANT0000001', tmk });
    await elsewhere.signOn(); // the switch now verifies E2E00001's MACs with the keys it gave this client
    await elsewhere.close();
    const journaled = (await sw.store.search({ terminalId: 'E2E00001' })).length;
    expect(await tapSale(createVirtualCard('visa'), 700)).toMatchObject({ state: 'declined', responseCode: 'A0' });
    // Before: every later request was answered A0 until the terminal restarted.
    expect(await tapSale(createVirtualCard('visa'), 700)).toMatchObject({ state: 'approved', responseCode: '00' });
    expect((await sw.store.search({ terminalId: 'E2E00001' })).length).toBe(journaled + 1); // the A0 was not journaled, the approval was
  });

  it('answers whose MAC keeps failing (fault corruptMac): the sale is reversed, the terminal signs on again at most once per queue retry, not in a loop', async () => {
    const signOns = () => Number(/pos_switch_responses_total\{mti="0810",code="00"\} (\d+)/.exec(sw.metrics.text())?.[1] ?? 0);
    const before = signOns();
    sw.faults.set('E2E00001', { corruptMac: true });
    try {
      const result = await tapSale(createVirtualCard('visa'), 1600);
      expect(result.state).not.toBe('approved');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // queueRetryMs is 100 here: at most ~11 in that second. Before, each failed reversal answer signed
      // on again and the sign-on resent the reversal at once: ~65 a second.
      expect(signOns() - before).toBeGreaterThanOrEqual(1);
      expect(signOns() - before).toBeLessThanOrEqual(15);
    } finally {
      sw.faults.clear('E2E00001');
    }
    // The fault gone, the queued reversal goes through and the terminal is in step again.
    await expect.poll(async () => (await sw.store.search({ terminalId: 'E2E00001', limit: 1 }))[0]?.kind, { timeout: 3000 }).toBe('reversal');
    expect(await tapSale(createVirtualCard('visa'), 1600)).toMatchObject({ state: 'approved' });
  });

  it('each kind of scanned code is approved through the switch; an unknown code is refused', async () => {
    const cpm = encodeCpm({ '85': Buffer.from('CPV01').toString('hex'), '61': { '4F': 'A0000003330101' }, '62': { '64': { '9F26': '0102030405060708', '9F36': '0001' } } });
    for (const [code, wallet] of [['134567890123456789', 'WECHAT'], ['281234567890123456', 'ALIPAY'], ['6212345678901234567', 'UNIONPAY'], [cpm, 'EMVCPM']] as const) {
      const sale = t.sale({ amount: 888, tender: 'code' });
      setTimeout(() => scanner.emit('scan', { text: code }), 20);
      expect(await sale, wallet).toMatchObject({ state: 'approved', scheme: wallet, entryMode: '031' });
    }
    const refused = t.sale({ amount: 888, tender: 'code' });
    setTimeout(() => scanner.emit('scan', { text: 'hello' }), 20);
    expect(await refused).toMatchObject({ state: 'failed', reasonCode: 'code-not-recognised' });
  });

  it('an interrupted completion above its hold goes as an advice; the switch declines it (13): declined, not sent again, out of the batch', async () => {
    const pending = t.preauth({ amount: 10000 });
    tapCard(bench, createVirtualCard('mastercard'));
    const auth = await pending;
    bench.device.remove();
    expect(auth.state).toBe('approved');
    await t.stop();
    // What a terminal killed after journaling a completion (of a hold the cashier overran) leaves behind.
    const path = join(dir, 'terminal.db');
    const journal = new Journal(path, Buffer.from(tmk, 'hex'));
    const original = journal.get(auth.id)!;
    const held = journal.request(auth.id);
    const stan = journal.nextStan();
    const transmitted = transmissionDateTime();
    const local = localTimeDate();
    const batch = String(journal.batch).padStart(6, '0');
    journal.insert(
      { id: 'overrun', kind: 'completion', mti: '0220', tender: 'card', amount: 12000, currency: '156', stan, transmitted, batch: journal.batch, entryMode: original.entryMode, maskedPan: original.maskedPan, originalId: auth.id },
      {
        '2': held['2']!, '3': '000000', '4': '000000012000', '7': transmitted, '11': stan, '12': local.time, '13': local.date, '22': original.entryMode, '25': '06', '49': '156',
        '60.1': '00', '60.2': batch, '61.1': batch, '61.2': original.stan, '61.3': original.transmitted.slice(0, 4), '38': original.authCode!, '90': originalDataElements('0100', original.stan, original.transmitted),
      },
    );
    journal.close();
    t = await startTerminal(config(path));
    await expect.poll(() => t.transaction('overrun')!.state, { timeout: 3000 }).toBe('declined');
    expect(t.transaction('overrun')).toMatchObject({ responseCode: '13', reasonCode: 'advice-declined' });
    expect(await t.flushQueue()).toBe(true);
    expect(t.journal.queueEntry('overrun', 'advice')).toMatchObject({ done: true, attempts: 1 });
    const rows = await sw.store.search({ terminalId: 'E2E00001', limit: 2 });
    expect(rows.map((r) => [r.kind, r.responseCode])).toEqual([['completion', '13'], ['preauthorization', '00']]);
    // The hold is still open: the right amount completes it. The next test's batch balances with the declined advice left out.
    expect(await t.completion({ original: auth.id, amount: 10000 })).toMatchObject({ state: 'approved' });
  });

  it('refund and void against the switch, then the batch closes in balance', async () => {
    const sale = await tapSale(createVirtualCard('unionpay'), 3000);
    expect((await t.refund({ amount: 1000, original: sale.id })).state).toBe('approved');
    const other = await tapSale(createVirtualCard('unionpay'), 2000);
    expect((await t.void({ original: other.id })).state).toBe('approved');
    const batch = await t.batchClose();
    expect(batch).toMatchObject({ inBalance: true, uploaded: 0 });
  });

  it('batch out of balance (the terminal lost an approval): upload 0320, settle again, closed', async () => {
    const kept = await tapSale(createVirtualCard('visa'), 1500);
    const lost = await tapSale(createVirtualCard('visa'), 2500);
    expect([kept.state, lost.state]).toEqual(['approved', 'approved']);
    t.journal.update(lost.id, { state: 'failed' }); // a journal that lost a transaction: totals disagree with the switch's
    const batch = await t.batchClose();
    expect(batch).toMatchObject({ inBalance: false, uploaded: 1 });
  });

  it('connection lost mid-transaction and the terminal restarted on the same journal: the reversal reaches the switch', async () => {
    await t.stop();
    const journal = join(dir, 'crash.db');
    const crashing = await startTerminal(config(journal, { timeouts: { hostMs: 5000, presentMs: 3000, echoIntervalMs: 0, reconnectInitialMs: 20, reconnectMaxMs: 200, queueRetryMs: 100 } }));
    const pendingSale = crashing.sale({ amount: 1098 }).catch(() => undefined); // late answer: approved at the switch
    tapCard(bench, createVirtualCard('mastercard'));
    await expect.poll(() => crashing.history({ limit: 1 })[0]?.state, { timeout: 3000 }).toBe('pending');
    const pending = crashing.history({ limit: 1 })[0]!;
    // The link drops while the switch holds a late approval; the reversal is journaled and this process goes away.
    crashing.link.removeAllListeners();
    await crashing.link.stop();
    await pendingSale;
    await crashing.stop(); // the process is gone, and its hold on the journal with it (nothing more is sent: the link is down)
    bench.device.remove();
    t = await startTerminal(config(journal));
    await expect.poll(() => t.transaction(pending.id)!.state, { timeout: 3000 }).toBe('reversed');
  });
});
