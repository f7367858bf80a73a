// The terminal runtime against a small ISO 8583 host over real TCP and a real SQLite journal; cards
// are virtual cards through a direct CardReader. The real switch and the PN532 over a PTY are in test/e2e.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decipherPinBlock, tdesIpek, tdesTransactionKey, tdesWorkingKey } from '../../protocols/crypto/index.js';
import { encodeCpm } from '../../protocols/qr/index.js';
import { specs, type IsoMessage } from '../../protocols/iso8583/index.js';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { startTerminal, VirtualPinPad, BusyError, type Terminal, type TerminalConfig } from '../../terminal/index.js';
import { Journal } from '../../terminal/journal.js';
import { DirectCardReader } from './direct-reader.js';
import { startResponder, testTmk, type Reply, type Responder } from './responder.js';

const bdk = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const iksn = 'FFFF9876543210E00000';
const ipek = tdesIpek(bdk, Buffer.from(iksn, 'hex')).toString('hex');

let responder: Responder | undefined;
const terminals: Terminal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of terminals.splice(0)) await t.stop().catch(() => {});
  await responder?.close();
  responder = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function journalPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'terminal-'));
  dirs.push(dir);
  return join(dir, 'journal.db');
}

async function terminal(overrides: Partial<TerminalConfig> = {}): Promise<{ t: Terminal; reader: DirectCardReader; msr: EventEmitter; scanner: EventEmitter; pinPad: VirtualPinPad }> {
  const reader = new DirectCardReader();
  const msr = new EventEmitter();
  const scanner = new EventEmitter();
  const pinPad = new VirtualPinPad({ ipek, iksn });
  const t = await startTerminal({
    host: '127.0.0.1', port: responder!.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal: journalPath(),
    reader, msr: msr as TerminalConfig['msr'], scanners: [scanner as NonNullable<TerminalConfig['scanners']>[number]], pinPad,
    timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 50, echoIntervalMs: 0 },
    ...overrides,
  });
  terminals.push(t);
  return { t, reader, msr, scanner, pinPad };
}

const approve = (_mti: string, extra: Record<string, string | Buffer> = {}) => ({ '39': '00', '37': '000000000042', '38': 'AB12CD', ...extra });

describe('terminal runtime', () => {
  it('signs on, then a contactless sale is approved: DE55, MAC, journal, receipt with masked PAN', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const { t, reader } = await terminal();
    expect(t.signedOn).toBe(true);
    const steps: string[] = [];
    t.on('status', (s) => steps.push(s.step));
    const sale = t.sale({ amount: 1234 });
    setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
    const result = await sale;
    expect(result).toMatchObject({ state: 'approved', responseCode: '00', authCode: 'AB12CD', rrn: '000000000042', entryMode: '071', maskedPan: '541333******1513', scheme: 'Mastercard' });
    expect(steps).toEqual(['present-card', 'reading-card', 'processing', 'approved']);
    const request = responder.received.find((m) => m.mti === '0200')!;
    expect(request.getString('3')).toBe('000000');
    expect(request.getString('22')).toBe('071');
    expect(request.getBuffer('55.9F26')).toHaveLength(8);
    expect(request.getBuffer('64')).toHaveLength(8);
    expect(result.receipt!.merchant).toContain('541333******1513');
    expect(result.receipt!.customer).toContain('A0000000041010');
    expect(result.receipt!.customer).not.toContain('5413339000001513');
    expect(t.transaction(result.id)).toMatchObject({ state: 'approved', tvr: expect.any(String) });
  });

  it('declines carry the response code and plain words; nothing is reversed', async () => {
    responder = await startResponder(() => ({ '39': '51' }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('visa'));
    const result = await t.sale({ amount: 2051 });
    expect(result).toMatchObject({ state: 'declined', responseCode: '51', reasonCode: 'insufficient-funds', reason: 'insufficient funds' });
    expect(responder.received.filter((m) => m.mti === '0400')).toHaveLength(0);
  });

  it('an answer without a response code (DE39) is no decline: the outcome is unknown, so the sale is reversed', async () => {
    responder = await startResponder((r): Reply => (r.mti === '0200' ? {} : { '39': '00' }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('visa'));
    const result = await t.sale({ amount: 1298 });
    expect(result).toMatchObject({ state: 'reversed', reasonCode: 'no-answer' });
    expect(responder.received.filter((m) => m.mti === '0400')).toHaveLength(1);
  });

  it('no answer → reversal 0400 with DE90, acknowledged once; the STAN of the original is in DE90', async () => {
    responder = await startResponder((r) => (r.mti === '0200' ? 'drop' : { '39': '00' }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('visa'));
    const result = await t.sale({ amount: 1297 });
    expect(result).toMatchObject({ state: 'reversed', reasonCode: 'no-answer' });
    const original = responder.received.find((m) => m.mti === '0200')!;
    const reversals = responder.received.filter((m) => m.mti === '0400' || m.mti === '0420');
    expect(reversals).toHaveLength(1);
    expect(reversals[0]!.getString('90')!.slice(0, 10)).toBe(`0200${original.getString('11')}`);
    expect(reversals[0]!.getString('2')).toBe(original.getString('2'));
    expect(reversals[0]!.getString('11')).not.toBe(original.getString('11'));
    expect(reversals[0]!.getBuffer('128')).toHaveLength(8);
    await t.flushQueue();
    expect(responder.received.filter((m) => m.mti.startsWith('04'))).toHaveLength(1); // never sent twice
  });

  it('a wrong MAC on the answer is no answer: reversal; a reversal not acknowledged is repeated as 0420', async () => {
    let reversals = 0;
    responder = await startResponder((r): Reply => {
      if (r.mti === '0200') return { wrongMac: { '39': '00', '38': 'FAKE01' } };
      reversals++;
      return reversals === 1 ? 'drop' : { '39': '00' };
    });
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('visa'));
    const result = await t.sale({ amount: 1500 });
    expect(result).toMatchObject({ state: 'reversing', reasonCode: 'bad-mac' }); // support tells it from silence ('no-answer')
    expect(result.authCode).toBeUndefined();
    await expect.poll(() => t.transaction(result.id)!.state, { timeout: 3000 }).toBe('reversed');
    const mtis = responder.received.filter((m) => m.mti.startsWith('04')).map((m) => m.mti);
    expect(mtis).toEqual(['0400', '0420']);
    const stans = responder.received.filter((m) => m.mti.startsWith('04')).map((m) => m.getString('11'));
    expect(stans[0]).toBe(stans[1]); // the repeat is the same request
  });

  it('approval without ARPC (91) → reversal: a failed issuer authentication never stands', async () => {
    responder = await startResponder((r) => (r.mti === '0200' ? approve(r.mti) : { '39': '00' }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('visa'));
    const result = await t.sale({ amount: 1000 });
    expect(result).toMatchObject({ state: 'reversed', reasonCode: 'arpc-failed' });
  });

  it('unionpay card removed before the issuer’s answer reached it → reversal', async () => {
    responder = await startResponder((r) => (r.mti === '0200' ? approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }) : { '39': '00' }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('unionpay'), { removeAfterApdus: 5 });
    const result = await t.sale({ amount: 1000 });
    expect(result).toMatchObject({ state: 'reversed', reasonCode: 'card-removed' });
  });

  it('online PIN above the CVM limit: DE52 under DUKPT (X9.24 test BDK) decrypts to the PIN, DE53 = KSN, DE26 = 12', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const { t, reader, pinPad } = await terminal();
    pinPad.enter({ pin: '1234' });
    reader.tap(createVirtualCard('mastercard'));
    const result = await t.sale({ amount: 50000 });
    expect(result.state).toBe('approved');
    const request = responder.received.find((m) => m.mti === '0200')!;
    const ksn = request.getBuffer('53')!;
    expect(ksn.toString('hex').toUpperCase()).toBe('FFFF9876543210E00001');
    const key = tdesWorkingKey(tdesTransactionKey(tdesIpek(bdk, ksn), ksn), 'pin');
    expect(decipherPinBlock(key, request.getBuffer('52')!, 0, '5413339000001513')).toBe('1234');
    expect(request.getString('26')).toBe('12');
    expect(JSON.stringify(t.history({ limit: 5 }))).not.toContain('1234"');
  });

  it('without a magstripe reader an amount exactly at the contactless limit is refused before presentment', async () => {
    responder = await startResponder();
    const { t } = await terminal({ msr: undefined, scanners: [], limits: { contactless: 5000 } });
    expect(await t.sale({ amount: 5000 })).toMatchObject({ state: 'failed', reasonCode: 'over-contactless-limit' });
    expect(responder.received.filter((m) => m.mti !== '0800')).toHaveLength(0);
  });

  it('PIN cancelled: nothing sent', async () => {
    responder = await startResponder();
    const { t, reader, pinPad } = await terminal();
    pinPad.enter({ cancel: true });
    reader.tap(createVirtualCard('mastercard'));
    const result = await t.sale({ amount: 50000 });
    expect(result).toMatchObject({ state: 'cancelled', reasonCode: 'pin-cancelled' });
    expect(responder.received.filter((m) => m.mti === '0200')).toHaveLength(0);
  });

  it('PIN entry times out after timeouts.pinMs (the pad’s timeout action, and a pad that ignores the signal): pin-timeout, nothing sent', async () => {
    responder = await startResponder();
    const { t, reader, pinPad } = await terminal({ timeouts: { hostMs: 300, presentMs: 2000, pinMs: 100, reconnectInitialMs: 20, queueRetryMs: 50, echoIntervalMs: 0 } });
    pinPad.enter({ timeout: true });
    reader.tap(createVirtualCard('mastercard'));
    expect(await t.sale({ amount: 50000 })).toMatchObject({ state: 'failed', reasonCode: 'pin-timeout' });
    expect(t.history({ limit: 5 })).toHaveLength(0); // the request is journaled only once the PIN is in
    reader.remove();
    t.once('status', function onStep(s) {
      if (s.step === 'enter-pin') t.cancel();
      else t.once('status', onStep);
    });
    reader.tap(createVirtualCard('mastercard'));
    expect(await t.sale({ amount: 50000 })).toMatchObject({ state: 'cancelled', reasonCode: 'cancelled' }); // the operator's abort still ends it
    reader.remove();
    await t.stop();
    const deaf = { requestPin: () => new Promise<never>(() => {}) };
    const second = await terminal({ pinPad: deaf, timeouts: { hostMs: 300, presentMs: 2000, pinMs: 100, reconnectInitialMs: 20, queueRetryMs: 50, echoIntervalMs: 0 } });
    second.reader.tap(createVirtualCard('mastercard'));
    expect(await second.t.sale({ amount: 50000 })).toMatchObject({ state: 'failed', reasonCode: 'pin-timeout' });
    expect(responder.received.filter((m) => m.mti !== '0800')).toHaveLength(0);
  });

  // Before: an answered prompt's abort listener stayed on its signal, so the previous sale's PIN timer
  // (pinMs after its prompt) closed the next sale's prompt (409 on the customer's PIN, pin-timeout).
  // The timer is an explicit trigger here, not a race against the clock.
  it('a sale\'s end aborts the signal its PIN prompt got (no timer of it outlives it); the next sale\'s prompt takes the PIN', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const pad = new VirtualPinPad({ ipek, iksn });
    const signals: AbortSignal[] = [];
    // The customer types the PIN as soon as the prompt is up; the terminal's signal is kept to look at.
    const recording = {
      requestPin: (request: Parameters<VirtualPinPad['requestPin']>[0]) => {
        signals.push(request.signal!);
        const result = pad.requestPin(request);
        pad.press({ pin: '1234' });
        return result;
      },
    };
    const { t, reader } = await terminal({ pinPad: recording });
    for (const amount of [50000, 50100]) {
      reader.tap(createVirtualCard('mastercard'));
      expect(await t.sale({ amount })).toMatchObject({ state: 'approved' });
      reader.remove();
      expect(signals.at(-1)!.aborted).toBe(true);
    }
    expect(signals).toHaveLength(2);
  });

  it('PIN pad: the previous prompt\'s signal aborting after it was answered leaves the next prompt open', async () => {
    const pad = new VirtualPinPad({ ipek, iksn });
    const request = (signal: AbortSignal) => pad.requestPin({ pan: '5413330089600010', amount: 50000, signal });
    const firstTimer = new AbortController();
    const first = request(firstTimer.signal);
    pad.press({ pin: '1234' });
    expect(await first).toHaveProperty('pinBlock');
    const second = request(new AbortController().signal);
    firstTimer.abort(new Error('the first prompt\'s pinMs')); // fires while the second prompt waits
    pad.press({ pin: '1234' }); // before: "no PIN entry waiting"
    expect(await second).toHaveProperty('pinBlock');
  });

  it('a bad card answer ends with a reason and sends nothing', async () => {
    responder = await startResponder();
    const { t, reader } = await terminal();
    const card = createVirtualCard('mastercard');
    card.faults.malformedTlv = 'READ RECORD';
    reader.tap(card);
    const result = await t.sale({ amount: 1000, tender: 'card' });
    expect(result).toMatchObject({ state: 'failed', reasonCode: 'card-data-malformed' });
    expect(responder.received.filter((m) => m.mti !== '0800')).toHaveLength(0);
  });

  it('magstripe: chip service code asks for a tap; a 101 card goes as DE35 with entry mode 021', async () => {
    responder = await startResponder((r) => approve(r.mti));
    const { t, reader, msr } = await terminal();
    const steps: string[] = [];
    t.on('status', (s) => steps.push(s.message));
    const sale = t.sale({ amount: 700 });
    setTimeout(() => msr.emit('swipe', { track2: ';5413339000001513=30112010000000000?' }), 10);
    setTimeout(() => reader.tap(createVirtualCard('visa')), 50);
    responder.handler = (r) => approve(r.mti, { '55.91': Buffer.from('01020304AABBCCDD', 'hex') });
    const first = await sale;
    expect(steps).toContain('this card has a chip: tap it instead');
    expect(first.entryMode).toBe('071');
    reader.remove();
    responder.handler = (r) => approve(r.mti);
    const second = t.sale({ amount: 800 });
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30121010000000000?' }), 10);
    const result = await second;
    expect(result).toMatchObject({ state: 'approved', entryMode: '021', maskedPan: '400000******0002' });
    const request = responder.received.filter((m) => m.mti === '0200').at(-1)!;
    expect(request.getString('35')).toBe('4000000000000002=30121010000000000');
    expect(request.getString('2')).toBe('4000000000000002');
  });

  it('a swipe with track 1 only, or a track 2 that does not parse: "swipe again" and the same sale goes on with the next swipe, nothing sent meanwhile', async () => {
    responder = await startResponder((r) => approve(r.mti));
    const { t, msr } = await terminal();
    const statuses: Array<{ message: string; hint?: string }> = [];
    t.on('status', (s) => statuses.push(s));
    const sale = t.sale({ amount: 900 });
    setTimeout(() => msr.emit('swipe', { track1: '%B4000000000000002^TEST/CARD^3012101?' }), 10);
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30?' }), 30); // cut short after the expiry
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30121010000000000?' }), 60);
    // Before: the first swipe failed the sale ("the swipe had no track 2: swipe again") and the cashier started over.
    expect(await sale).toMatchObject({ state: 'approved', entryMode: '021' });
    expect(statuses.filter((s) => s.hint === 'swipe-unreadable').map((s) => s.message)).toEqual(['the swipe had no track 2: swipe again', 'the swipe could not be read: swipe again']);
    expect(responder.received.filter((m) => m.mti === '0200')).toHaveLength(1);
  });

  it('the card step says what to do instead with a hint key beside the English message: tap-chip, swipe-unreadable, scan-unreadable, chip-failed', async () => {
    responder = await startResponder((r) => approve(r.mti));
    const { t, reader, msr, scanner } = await terminal();
    const chipStripe = { track2: ';5413339000001513=30112010000000000?' }; // service code 201: a chip card
    const unusableChip = createVirtualCard('mastercard');
    unusableChip.faults.noMatchingAid = true;
    // Each status prompts the next thing the customer does wrong, after the terminal is listening again.
    const next: Record<string, () => void> = {
      none: () => msr.emit('swipe', chipStripe),
      'tap-chip': () => msr.emit('error', new Error('LRC mismatch')),
      'swipe-unreadable': () => scanner.emit('error', new Error('no suffix within 512 bytes')),
      'scan-unreadable': () => reader.tap(unusableChip),
      'chip-failed': () => msr.emit('swipe', chipStripe),
    };
    const seen: Array<[string | undefined, string]> = [];
    t.on('status', (s) => {
      if (s.step !== 'present-card') return;
      seen.push([s.hint, s.message]);
      setTimeout(next[s.hint ?? 'none']!, 5);
    });
    expect(await t.sale({ amount: 700 })).toMatchObject({ state: 'approved', entryMode: '901' });
    expect(seen).toEqual([
      [undefined, 'tap, swipe or show the payment code'],
      ['tap-chip', 'this card has a chip: tap it instead'],
      ['swipe-unreadable', 'the swipe could not be read: try again'],
      ['scan-unreadable', 'the scan could not be read: try again'],
      ['chip-failed', expect.stringMatching(/: swipe the card$/)],
    ]);
  });

  it('scanned codes: each wallet goes in DE48 QR/WS with entry mode 031; EMVCo CPM gives DE2 and DE55; an unknown code is refused before sending', async () => {
    responder = await startResponder((r) => approve(r.mti));
    const { t, scanner } = await terminal();
    const cpm = encodeCpm({ '85': Buffer.from('CPV01').toString('hex'), '61': { '4F': 'A0000003330101' }, '62': { '5A': '6250946000000016', '64': { '9F26': '0102030405060708', '9F36': '0001' } } });
    const codes: Array<[string, string]> = [['134567890123456789', 'WECHAT'], ['281234567890123456', 'ALIPAY'], ['6212345678901234567', 'UNIONPAY'], [cpm, 'EMVCPM']];
    for (const [code, wallet] of codes) {
      const sale = t.sale({ amount: 300, tender: 'code' });
      setTimeout(() => scanner.emit('scan', { text: code, symbology: ']Q1' }), 5);
      expect(await sale).toMatchObject({ state: 'approved', entryMode: '031', scheme: wallet });
      const request = responder.received.at(-1)!;
      expect(request.getString('48.WS')).toBe(wallet);
      expect(request.getString('48.QR')).toBe(code);
      expect(request.getString('22')).toBe('031');
      if (wallet === 'EMVCPM') {
        expect(request.getString('2')).toBe('6250946000000016');
        expect(request.getBuffer('55.9F26')!.toString('hex')).toBe('0102030405060708');
      } else expect(request.has('2')).toBe(false);
    }
    const count = responder.received.length;
    const refused = t.sale({ amount: 300, tender: 'code' });
    setTimeout(() => scanner.emit('scan', { text: 'https://example.com/not-a-payment' }), 5);
    expect(await refused).toMatchObject({ state: 'failed', reasonCode: 'code-not-recognised' });
    expect(responder.received.length).toBe(count);
  });

  it('devices: a garbled swipe or scan is a status message, not device loss; open → ready, gone → gone', async () => {
    responder = await startResponder((r) => approve(r.mti));
    const { t, msr, scanner } = await terminal();
    const devices: string[] = [];
    const messages: string[] = [];
    t.on('device', (d) => devices.push(`${d.name}:${d.state}`));
    t.on('status', (s) => messages.push(s.message));
    msr.emit('error', new Error('LRC mismatch'));
    scanner.emit('error', new Error('no suffix within 512 bytes'));
    expect(devices).toEqual([]);
    const sale = t.sale({ amount: 800 });
    setTimeout(() => msr.emit('error', new Error('LRC mismatch')), 10);
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30121010000000000?' }), 30);
    expect(await sale).toMatchObject({ state: 'approved', entryMode: '021' });
    expect(messages).toContain('the swipe could not be read: try again');
    expect(devices).toEqual([]);
    scanner.emit('gone', new Error('unplugged'));
    scanner.emit('open');
    msr.emit('gone', new Error('unplugged'));
    msr.emit('open');
    expect(devices).toEqual(['scanner:gone', 'scanner:ready', 'msr:gone', 'msr:ready']);
  });

  it('an EMVCo code whose 5A is not digits is refused before anything is sent; a request that cannot be encoded fails with its row failed', async () => {
    responder = await startResponder((r) => approve(r.mti));
    const first = await terminal();
    let t = first.t;
    const scanner = first.scanner;
    const scan = async (code: string) => {
      const sale = t.sale({ amount: 300, tender: 'code' });
      setTimeout(() => scanner.emit('scan', { text: code, symbology: ']Q1' }), 5);
      return sale;
    };
    const badPan = encodeCpm({ '85': Buffer.from('CPV01').toString('hex'), '61': { '4F': 'A0000003330101' }, '62': { '5A': '6250946000ABCDEF' } });
    expect(await scan(badPan)).toMatchObject({ state: 'failed', reasonCode: 'code-not-recognised' });
    expect(t.history({ limit: 5 })).toHaveLength(0);
    await t.stop();
    // A profile whose DE55 holds at most 40 bytes: a 64 template over that fails in the encoder, after the journal write and before the wire.
    const spec = { ...specs.default, fields: { ...specs.default.fields, '55': { ...specs.default.fields['55']!, length: 40 } } };
    ({ t } = await terminal({ spec, scanners: [scanner as NonNullable<TerminalConfig['scanners']>[number]] }));
    const tooBig = encodeCpm({ '85': Buffer.from('CPV01').toString('hex'), '61': { '4F': 'A0000003330101' }, '62': { '5A': '6250946000000016', '64': { '9F26': '0102030405060708', '9F10': 'AB'.repeat(32) } } });
    const result = await scan(tooBig);
    expect(result).toMatchObject({ state: 'failed', reasonCode: 'request-unencodable' });
    expect(result.reason).not.toContain('6250946000000016');
    expect(t.transaction(result.id)).toMatchObject({ state: 'failed', reasonCode: 'request-unencodable' });
    expect(responder.received.filter((m) => m.mti !== '0800')).toHaveLength(0);
    expect(await t.flushQueue()).toBe(true); // nothing to reverse
    expect(await scan('134567890123456789')).toMatchObject({ state: 'approved' });
  });

  it('a queued reversal that can never be encoded is parked (row failed) and the queue and batch close go on', async () => {
    responder = await startResponder(() => ({ '39': '00' }));
    const path = journalPath();
    // What an older version left: a pending row whose request never encoded, then a real pending sale.
    const journal = new Journal(path, Buffer.from(testTmk, 'hex'));
    const rows = [
      { id: 'unencodable', pan: '6250946000ABCDE', amount: 300 },
      { id: 'real', pan: '4761739001010010', amount: 4321 },
    ];
    for (const row of rows) {
      const stan = journal.nextStan();
      journal.insert(
        { id: row.id, kind: 'sale', tender: 'code', amount: row.amount, currency: '156', stan, transmitted: '0315101010', batch: 1, entryMode: '031' },
        { '2': row.pan, '3': '000000', '4': String(row.amount).padStart(12, '0'), '11': stan, '22': '031' },
      );
    }
    journal.close();
    const { t } = await terminal({ journal: path });
    await expect.poll(() => t.transaction('real')!.state, { timeout: 3000 }).toBe('reversed');
    expect(t.transaction('unencodable')).toMatchObject({ state: 'failed', reasonCode: 'request-unencodable' });
    expect(t.journal.pendingQueue()).toHaveLength(0);
    expect(t.journal.queueEntry('unencodable', 'reversal')).toMatchObject({ done: false, parked: true });
    expect(responder.received.filter((m) => m.mti.startsWith('04'))).toHaveLength(1);
    expect(await t.batchClose()).toMatchObject({ inBalance: true });
  });

  it('one transaction at a time (BusyError); cancel aborts the wait for a card', async () => {
    responder = await startResponder();
    const { t } = await terminal();
    const waiting = t.sale({ amount: 100 });
    await expect(t.sale({ amount: 100 })).rejects.toBeInstanceOf(BusyError);
    t.cancel();
    expect(await waiting).toMatchObject({ state: 'cancelled', reasonCode: 'cancelled' });
  });

  it('crash after the journal write: a pending row is reversed at the next start (no duplicate charge)', async () => {
    responder = await startResponder(() => ({ '39': '00' }));
    const path = journalPath();
    // What a process killed between "journal written" and "answer handled" leaves behind.
    const journal = new Journal(path, Buffer.from(testTmk, 'hex'));
    const stan = journal.nextStan();
    journal.insert(
      { id: 'crashed', kind: 'sale', tender: 'card', amount: 4321, currency: '156', stan, transmitted: '0315101010', batch: 1, entryMode: '071', maskedPan: '476173******0010' },
      { '2': '4761739001010010', '3': '000000', '4': '000000004321', '11': stan, '22': '071' },
    );
    journal.close();
    const { t } = await terminal({ journal: path });
    await expect.poll(() => t.transaction('crashed')!.state, { timeout: 3000 }).toBe('reversed');
    const reversal = responder.received.find((m) => m.mti === '0400')!;
    expect(reversal.getString('90')!.slice(0, 20)).toBe(`0200${stan}0315101010`);
    expect(reversal.getString('2')).toBe('4761739001010010');
    expect(reversal.getString('4')).toBe('000000004321');
    expect(Number(reversal.getString('11'))).toBeGreaterThan(Number(stan));
  });

  it('a row left reversing with its reversal already acknowledged (crash between the two writes) is settled at start, not sent again', async () => {
    responder = await startResponder(() => ({ '39': '00' }));
    const path = journalPath();
    const journal = new Journal(path, Buffer.from(testTmk, 'hex'));
    const stan = journal.nextStan();
    journal.insert({ id: 'acked', kind: 'sale', tender: 'card', amount: 4321, currency: '156', stan, transmitted: '0315101010', batch: 1, entryMode: '071' }, { '2': '4761739001010010', '11': stan });
    journal.update('acked', { state: 'reversing' });
    journal.enqueue('acked', 'reversal', { '2': '4761739001010010', '11': journal.nextStan(), '7': '0315101011' });
    journal.close();
    const raw = new Database(path);
    raw.prepare(`UPDATE queue SET done = 1`).run();
    raw.close();
    const { t } = await terminal({ journal: path });
    expect(t.transaction('acked')!.state).toBe('reversed');
    expect(await t.flushQueue()).toBe(true);
    expect(responder.received.filter((m) => m.mti.startsWith('04'))).toHaveLength(0);
  });

  it('refund and void reference the original (DE61, DE48 OR); a voided sale leaves the batch totals', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('mastercard'));
    const sale = await t.sale({ amount: 5000 });
    reader.remove();
    reader.tap(createVirtualCard('mastercard'));
    const second = await t.sale({ amount: 2000 });
    const refund = await t.refund({ amount: 1500, original: sale.id });
    expect(refund.state).toBe('approved');
    const refundRequest = responder.received.filter((m) => m.mti === '0200').at(-1)!;
    expect(refundRequest.getString('3')).toBe('200000');
    expect(refundRequest.getString('61.2')).toBe(t.transaction(sale.id)!.stan);
    expect(refundRequest.getString('48.OR')).toBe('000000000042');
    expect(refundRequest.getString('2')).toBe('5413339000001513');
    const voided = await t.void({ original: second.id });
    expect(voided.state).toBe('approved');
    expect(responder.received.filter((m) => m.mti === '0200').at(-1)!.getString('3')).toBe('020000');
    expect((await t.void({ original: second.id })).reasonCode).toBe('original-not-eligible');
    // A partly refunded sale cannot be voided (the void would give the refunded part back twice).
    const before = responder.received.length;
    expect(await t.void({ original: sale.id })).toMatchObject({ state: 'failed', reasonCode: 'already-refunded' });
    expect(responder.received.length).toBe(before);
    responder.handler = (r) => (r.mti === '0500' ? { '39': '00' } : { '39': '00' });
    const batch = await t.batchClose();
    expect(batch).toMatchObject({ inBalance: true, uploaded: 0, totals: { card: { salesCount: 1, salesAmount: 5000, refundsCount: 1, refundsAmount: 1500 } } });
    const settlement = responder.received.find((m) => m.mti === '0500')!;
    expect(settlement.getString('74')).toBe('0000000001');
    expect(settlement.getString('86')).toBe('0000000000005000');
    expect(settlement.getString('97')).toBe('C0000000000003500');
  });

  it('batch totals are grouped by how the card was read: contactless, swiped, payment code; the slip prints each; the host totals stay the sums', async () => {
    // The chip checks the issuer's answer (ARPC in 55.91); stripes and codes get none.
    responder = await startResponder((r) => approve(r.mti, r.has('55.9F26') ? { '55.91': Buffer.from('01020304050607083030', 'hex') } : {}));
    const { t, reader, msr, scanner } = await terminal();
    reader.tap(createVirtualCard('mastercard'));
    expect(await t.sale({ amount: 1000 })).toMatchObject({ state: 'approved', entryMode: '071' });
    reader.remove();
    const swipe = t.sale({ amount: 2000 });
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30121010000000000?' }), 10);
    expect(await swipe).toMatchObject({ state: 'approved', entryMode: '021' });
    const code = t.sale({ amount: 300, tender: 'code' });
    setTimeout(() => scanner.emit('scan', { text: '134567890123456789', symbology: ']Q1' }), 10);
    expect(await code).toMatchObject({ state: 'approved', entryMode: '031' });
    const refund = t.refund({ amount: 500, original: (await swipe).id });
    expect(await refund).toMatchObject({ state: 'approved' });
    const batch = await t.batchClose();
    const one = (salesCount: number, salesAmount: number, refundsCount = 0, refundsAmount = 0) => ({ salesCount, salesAmount, refundsCount, refundsAmount });
    expect(batch.totals).toEqual({ card: one(1, 1000), magstripe: one(1, 2000, 1, 500), code: one(1, 300) });
    expect(Object.keys(batch.totals)).toEqual(['card', 'magstripe', 'code']);
    const slip = batch.slip.split('\n');
    for (const [heading, sales, refunds] of [['CONTACTLESS', 'SALES 1    CNY 10.00', 'REFUNDS 0'], ['SWIPED', 'SALES 1    CNY 20.00', 'REFUNDS 1'], ['PAYMENT CODE', 'SALES 1     CNY 3.00', 'REFUNDS 0']] as const) {
      const at = slip.indexOf(heading);
      expect(at, heading).toBeGreaterThan(0);
      expect(slip[at + 1]!.replace(/ +/g, ' ')).toBe(sales.replace(/ +/g, ' '));
      expect(slip[at + 2]).toMatch(new RegExp(`^${refunds} `));
    }
    const settlement = responder.received.find((m) => m.mti === '0500')!;
    expect([settlement.getString('74'), settlement.getString('86'), settlement.getString('76'), settlement.getString('88')]).toEqual(['0000000003', '0000000000003300', '0000000001', '0000000000000500']);
  });

  it('batch out of balance: every transaction uploaded as 0320, then 0500 with 60.1 = 01', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const { t, reader } = await terminal();
    for (const amount of [1000, 2000]) {
      reader.tap(createVirtualCard('mastercard'));
      await t.sale({ amount });
      reader.remove();
    }
    responder.handler = (r) => (r.mti === '0500' && r.getString('60.1') === '00' ? { '39': '95' } : { '39': '00' });
    const batch = await t.batchClose();
    expect(batch).toMatchObject({ inBalance: false, uploaded: 2, batch: 1 });
    const uploads = responder.received.filter((m) => m.mti === '0320');
    expect(uploads.map((m) => m.getString('37'))).toEqual(['000000000042', '000000000042']);
    expect(uploads[0]!.has('35')).toBe(false);
    expect(responder.received.filter((m) => m.mti === '0500').map((m) => m.getString('60.1'))).toEqual(['00', '01']);
    expect(batch.slip).toContain('OUT OF BALANCE');
    expect(t.journal.batch).toBe(2);
  });

  it('preauth (0100, DE25 06) and completion (0220 with DE90 and DE61)', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const { t, reader } = await terminal();
    reader.tap(createVirtualCard('mastercard'));
    const auth = await t.preauth({ amount: 10000 });
    expect(auth.state).toBe('approved');
    expect(responder.received.find((m) => m.mti === '0100')!.getString('25')).toBe('06');
    const done = await t.completion({ original: auth.id, amount: 9000 });
    expect(done.state).toBe('approved');
    const advice = responder.received.find((m) => m.mti === '0220')!;
    expect(advice.getString('90')!.slice(0, 4)).toBe('0100');
    expect(advice.getString('38')).toBe('AB12CD');
    expect(advice.getString('4')).toBe('000000009000');
    // Completed once: another completion is refused before anything is sent (the host released the hold: 12).
    const sentBefore = responder.received.length;
    expect(await t.completion({ original: auth.id, amount: 500 })).toMatchObject({ state: 'failed', reasonCode: 'already-completed', reason: 'the pre-authorization is already completed (90.00)' });
    expect(responder.received).toHaveLength(sentBefore);
    // No answer to a completion: its reversal names the 0220 it undoes, not a 0200.
    reader.tap(createVirtualCard('mastercard'));
    const auth2 = await t.preauth({ amount: 10000 });
    expect(auth2.state).toBe('approved');
    responder.handler = (r) => (r.mti === '0220' ? 'drop' : { '39': '00' });
    const lost = await t.completion({ original: auth2.id, amount: 8000 });
    expect(lost).toMatchObject({ state: 'reversed', reasonCode: 'no-answer' });
    // Reversed (acknowledged): the hold is back at the host, so the pre-authorization can be completed again.
    expect(t.referenceRefusal('completion', t.transaction(auth2.id)!)).toBeUndefined();
    const sent = responder.received.filter((m) => m.mti === '0220').at(-1)!;
    expect(responder.received.find((m) => m.mti === '0400')!.getString('90')!.slice(0, 20)).toBe(`0220${sent.getString('11')}${sent.getString('7')}`);
  });

  it('a completion still being reversed holds the pre-authorization: another is refused until the reversal is acknowledged', async () => {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const { t, reader } = await terminal({ timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 60_000, echoIntervalMs: 0 } });
    reader.tap(createVirtualCard('mastercard'));
    const auth = await t.preauth({ amount: 10000 });
    responder.handler = (r) => (r.mti === '0220' || r.mti === '0400' || r.mti === '0420' ? 'drop' : { '39': '00' });
    expect(await t.completion({ original: auth.id, amount: 9000 })).toMatchObject({ state: 'reversing', reasonCode: 'no-answer' });
    const sent = responder.received.length;
    // The first completion may stand at the host until its reversal is acknowledged (before: sent, and the host declined it 12).
    expect(await t.completion({ original: auth.id, amount: 9000 })).toMatchObject({
      state: 'failed', reasonCode: 'already-completed',
      reason: 'the pre-authorization’s completion is still being reversed: complete it again once the host has acknowledged the reversal',
    });
    expect(responder.received).toHaveLength(sent);
    responder.handler = (r) => approve(r.mti);
    expect(await t.flushQueue()).toBe(true);
    expect(await t.completion({ original: auth.id, amount: 9000 })).toMatchObject({ state: 'approved' });
  });

  // A completion interrupted before its answer goes again as an advice (0220). The host must accept an
  // advice; when it refuses one for good, the capture did not happen: the terminal stops sending it,
  // shows the completion declined with the host's code and leaves it out of the batch.
  async function interruptedCompletion(handler: (mti: string) => Reply): Promise<{ t: Terminal; id: string; statuses: Array<{ txnId: string; step: string; message: string }> }> {
    responder = await startResponder((r) => approve(r.mti, { '55.91': Buffer.from('01020304050607083030', 'hex') }));
    const path = journalPath();
    const first = await terminal({ journal: path });
    first.reader.tap(createVirtualCard('mastercard'));
    const auth = await first.t.preauth({ amount: 10000 });
    expect(auth.state).toBe('approved');
    await first.t.stop();
    // What a process killed after journaling the completion and before its answer leaves behind.
    const journal = new Journal(path, Buffer.from(testTmk, 'hex'));
    const original = journal.get(auth.id)!;
    const stan = journal.nextStan();
    journal.insert(
      { id: 'completion', kind: 'completion', mti: '0220', tender: 'card', amount: 9000, currency: '156', stan, transmitted: '0315101010', batch: 1, entryMode: original.entryMode, maskedPan: original.maskedPan, originalId: auth.id },
      { '2': '5413339000001513', '3': '000000', '4': '000000009000', '7': '0315101010', '11': stan, '22': original.entryMode, '25': '06', '38': 'AB12CD', '90': `0100${original.stan}${original.transmitted}${'0'.repeat(22)}` },
    );
    journal.close();
    responder.handler = (r) => handler(r.mti);
    const statuses: Array<{ txnId: string; step: string; message: string }> = [];
    const { t } = await terminal({ journal: path, timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 60_000, echoIntervalMs: 0 } });
    t.on('status', (s) => statuses.push(s));
    return { t, id: 'completion', statuses };
  }

  it('a completion advice the host declines (13) is not retried: declined with the code, a status, out of the batch', async () => {
    const { t, id, statuses } = await interruptedCompletion((mti) => ({ '39': mti === '0220' ? '13' : '00' }));
    expect(await t.flushQueue()).toBe(true);
    expect(t.transaction(id)).toMatchObject({ state: 'declined', responseCode: '13', reasonCode: 'advice-declined' });
    expect(t.transaction(id)!.reason).toMatch(/declined the completion advice \(13: invalid amount\): not captured/);
    expect(statuses).toContainEqual({ txnId: id, step: 'declined', message: t.transaction(id)!.reason });
    expect(t.journal.queueEntry(id, 'advice')).toMatchObject({ done: true, attempts: 1 });
    expect(await t.flushQueue()).toBe(true);
    expect(responder!.received.filter((m) => m.mti === '0220')).toHaveLength(1);
    const batch = await t.batchClose();
    expect(batch.totals).toEqual({});
    expect(responder!.received.find((m) => m.mti === '0500')!.getString('86')).toBe('0000000000000000');
  });

  it('a completion advice answered without a response code (DE39) is no refusal: kept and sent again', async () => {
    let answer: Record<string, string> = {};
    const { t, id } = await interruptedCompletion((mti) => (mti === '0220' ? answer : { '39': '00' }));
    expect(await t.flushQueue()).toBe(false);
    expect(t.transaction(id)).toMatchObject({ state: 'approved', reasonCode: 'advice-queued' });
    answer = { '39': '00' };
    expect(await t.flushQueue()).toBe(true);
    expect(t.transaction(id)!.state).toBe('approved');
  });

  it('a completion advice answered 96 (host trouble) is kept and sent again until the host takes it', async () => {
    let answer = '96';
    const { t, id } = await interruptedCompletion((mti) => ({ '39': mti === '0220' ? answer : '00' }));
    expect(await t.flushQueue()).toBe(false);
    expect(t.transaction(id)).toMatchObject({ state: 'approved', reasonCode: 'advice-queued' });
    answer = '00';
    expect(await t.flushQueue()).toBe(true);
    expect(responder!.received.filter((m) => m.mti === '0220')).toHaveLength(2);
    expect(t.transaction(id)!.state).toBe('approved');
    expect((await t.batchClose()).totals).toMatchObject({ card: { salesCount: 1, salesAmount: 9000 } });
  });

  it('host down: the sale fails with nothing charged', async () => {
    responder = await startResponder();
    const { t, reader } = await terminal();
    const port = responder.port;
    await responder.close();
    await expect.poll(() => t.link.isConnected).toBe(false);
    reader.tap(createVirtualCard('visa'));
    const result = await t.sale({ amount: 100 });
    expect(result).toMatchObject({ state: 'failed', reasonCode: 'host-unavailable' });
    expect(t.config.port).toBe(port);
  });
});

describe('soft decline (65): the same card’s next sale or pre-auth asks for a PIN', () => {
  // Issuer authentication data each virtual card accepts (Mastercard ARPC + ARC, Visa's 8 bytes).
  const arpc = (r: IsoMessage) => ({ '55.91': Buffer.from(r.getString('2')?.startsWith('4') ? '01020304AABBCCDD' : '01020304050607083030', 'hex') });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The host answers 65 to a sale of 12.34 sent without a PIN block; `pin` tells whether a PIN was asked, `de52` whether one left. */
  async function softDeclining() {
    responder = await startResponder((r) => (r.mti === '0200' && !r.has('52') && Number(r.getString('4')) === 1234 ? { '39': '65' } : approve(r.mti, { ...arpc(r), '54': '1001840C000000010000' })));
    const { t, reader, pinPad } = await terminal();
    const presses: Array<Parameters<VirtualPinPad['press']>[0]> = [];
    t.on('status', (s) => s.step === 'enter-pin' && setTimeout(() => pinPad.press(presses.shift() ?? { pin: '1234' }), 5));
    const run = async (card: 'mastercard' | 'visa', amount: number | 'balance', press?: { cancel: true }) => {
      if (press) presses.push(press);
      const prompts = pinPad.prompts;
      const sent = responder!.received.length;
      reader.tap(createVirtualCard(card));
      const result = amount === 'balance' ? await t.balance() : await t.sale({ amount });
      reader.remove();
      const request = responder!.received.slice(sent).find((m) => m.mti === '0200');
      return { state: result.state, responseCode: result.responseCode, pin: pinPad.prompts > prompts, de52: request?.has('52') ?? false };
    };
    return { run };
  }

  it('a cancelled PIN, a balance inquiry and another card leave the mark; the PIN block sent for the card uses it up', async () => {
    const { run } = await softDeclining();
    expect(await run('mastercard', 1234)).toMatchObject({ state: 'declined', responseCode: '65', pin: false });
    expect(await run('visa', 1500)).toMatchObject({ state: 'approved', pin: false });
    expect(await run('mastercard', 'balance')).toMatchObject({ state: 'approved', pin: false, de52: false });
    expect(await run('mastercard', 1500, { cancel: true })).toMatchObject({ state: 'cancelled', pin: true });
    expect(await run('mastercard', 1500)).toMatchObject({ state: 'approved', pin: true, de52: true });
    expect(await run('mastercard', 1500)).toMatchObject({ state: 'approved', pin: false, de52: false });
  });

  it('a sale at or above the CVM limit (PIN by amount) also answers the mark: the next small sale asks no PIN', async () => {
    const { run } = await softDeclining();
    expect(await run('mastercard', 1234)).toMatchObject({ responseCode: '65' });
    expect(await run('mastercard', 50000)).toMatchObject({ state: 'approved', pin: true, de52: true });
    expect(await run('mastercard', 1500)).toMatchObject({ state: 'approved', pin: false });
  });

  it('the mark lasts two minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const { run } = await softDeclining();
    expect(await run('mastercard', 1234)).toMatchObject({ responseCode: '65' });
    vi.setSystemTime(Date.now() + 119_000);
    expect(await run('mastercard', 1500)).toMatchObject({ state: 'approved', pin: true, de52: true });
    expect(await run('mastercard', 1234)).toMatchObject({ responseCode: '65' });
    vi.setSystemTime(Date.now() + 121_000);
    expect(await run('mastercard', 1500)).toMatchObject({ state: 'approved', pin: false });
  });

  it('a swiped card: the stripe sale after a 65 asks for the PIN, a swiped balance inquiry in between does not', async () => {
    responder = await startResponder((r) => (r.mti === '0200' && !r.has('52') && Number(r.getString('4')) === 1234 ? { '39': '65' } : approve(r.mti, { '54': '1001840C000000010000' })));
    const { t, msr, pinPad } = await terminal({ reader: undefined });
    t.on('status', (s) => s.step === 'enter-pin' && setTimeout(() => pinPad.press({ pin: '1234' }), 5));
    const swipe = () => setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30121010000000000?' }), 10);
    swipe();
    expect(await t.sale({ amount: 1234 })).toMatchObject({ state: 'declined', responseCode: '65' });
    swipe();
    expect(await t.balance()).toMatchObject({ state: 'approved' });
    expect(pinPad.prompts).toBe(0);
    swipe();
    expect(await t.sale({ amount: 1500 })).toMatchObject({ state: 'approved' });
    expect(pinPad.prompts).toBe(1);
    expect(responder.received.filter((m) => m.mti === '0200').at(-1)!.has('52')).toBe(true);
  });

  it('a balance inquiry answered 65 sets no mark', async () => {
    responder = await startResponder((r) => (r.getString('3') === '310000' ? { '39': '65' } : approve(r.mti, arpc(r))));
    const { t, reader, pinPad } = await terminal({ timeouts: { hostMs: 300, presentMs: 2000, pinMs: 200, reconnectInitialMs: 20, queueRetryMs: 50, echoIntervalMs: 0 } });
    reader.tap(createVirtualCard('mastercard'));
    expect(await t.balance()).toMatchObject({ state: 'declined', responseCode: '65' });
    reader.remove();
    reader.tap(createVirtualCard('mastercard'));
    expect(await t.sale({ amount: 1500 })).toMatchObject({ state: 'approved' });
    expect(pinPad.prompts).toBe(0);
  });
});
