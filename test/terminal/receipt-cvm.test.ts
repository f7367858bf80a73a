/**
 * The signature line follows the cardholder verification used (DE55 9F34 CVM Results, EMV Book 3
 * Annex C3): online PIN → PIN verified, no signature; no CVM required (1F: a tap under the
 * CVM-required limit, UnionPay QuickPass 小额免密免签) → no signature; signature (1E: over the
 * limit without a PIN pad), CVM failed (3F0001), a swipe without a PIN, a refund or a void → the
 * merchant copy is signed. Through the terminal too, over real TCP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { startTerminal, type Terminal, type TerminalConfig } from '../../terminal/index.js';
import { cvmOf, displayWidth, receipt, type ReceiptData } from '../../terminal/receipt.js';
import { DirectCardReader } from './direct-reader.js';
import { startResponder, testTmk, type Responder } from './responder.js';

const tap: ReceiptData = {
  merchantId: 'DEMO00000000001', terminalId: 'DEMO0001', kind: 'sale', state: 'approved', amount: 2500, currency: '156', stan: '000051', batch: 1,
  entryMode: '071', maskedPan: '621234******0010', scheme: 'unionpay', authCode: '366071', rrn: '633200000051', responseCode: '00', reason: 'approved',
  reasonCode: 'approved', at: new Date('2026-11-28T01:50:00Z'), cvm: 'no-cvm',
};
const signed = (text: string) => text.includes('CARDHOLDER SIGNATURE') || text.includes('持卡人签名');
const copies = (data: ReceiptData) =>
  (['en', 'zh-CN'] as const).flatMap((language) => (['merchant', 'customer'] as const).map((copy) => ({ copy, language, text: receipt(data, copy, { language }) })));

describe('the CVM a journaled request shows', () => {
  it('reads 9F34’s method (bits 1-6 of byte 1), else DE26 for an online PIN', () => {
    expect(cvmOf({ '55.9F34': '1F0002', '55.95': '0000000000' })).toBe('no-cvm'); // the kernel under the CVM-required limit
    expect(cvmOf({ '55.9F34': '020000', '26': '12' })).toBe('online-pin');
    expect(cvmOf({ '55.9F34': '420000' })).toBe('online-pin'); // bit 7: apply the next rule if this fails
    expect(cvmOf({ '55.9F34': '1E0000' })).toBe('signature');
    expect(cvmOf({ '26': '12', '35': '4000000000000002=3012' })).toBe('online-pin'); // a swipe with a PIN
    expect(cvmOf({ '2': '4000000000000002' })).toBeUndefined(); // a swipe without one, a refund, a void
    expect(cvmOf({ '55.9F34': '3F0000' })).toBeUndefined(); // CVM not performed
    expect(cvmOf({ '55.9F34': '3F0001' })).toBe('cvm-failed'); // none performed, result failed (EMV Book 4 Annex A4)
  });

  it('a 1F whose TVR says cardholder verification failed (over the limit, no PIN pad) is no "no CVM required"', () => {
    expect(cvmOf({ '55.9F34': '1F0002', '55.95': '0000800000' })).toBeUndefined();
  });
});

describe('the signature line', () => {
  it('a tap with no CVM required: no signature on either copy, "NO CVM REQUIRED" / 免密免签 instead', () => {
    for (const { copy, language, text } of copies(tap)) {
      expect(signed(text), `${copy} ${language}`).toBe(false); // before: the merchant copy had the signature line
      expect(text.split('\n')).toContain(language === 'en' ? 'NO CVM REQUIRED' : '免密免签');
      for (const row of text.split('\n')) expect(displayWidth(row)).toBeLessThanOrEqual(32);
    }
  });

  it('signature CVM, an unknown CVM (a swipe without PIN), a refund or a void: the merchant copy is signed, the customer copy not', () => {
    const refund: ReceiptData = { ...tap, kind: 'refund', original: { stan: '000050', rrn: '633200000050', authCode: '366070', createdAt: '2026-11-28T01:40:00.000Z' } };
    for (const data of [{ ...tap, cvm: 'signature' as const }, { ...tap, cvm: 'cvm-failed' as const }, { ...tap, entryMode: '021', cvm: undefined }, refund, { ...refund, kind: 'void' }])
      for (const { copy, language, text } of copies(data)) {
        expect(signed(text), `${data.kind} ${data.cvm} ${copy} ${language}`).toBe(copy === 'merchant');
        expect(text).not.toMatch(/NO CVM REQUIRED|免密免签/);
      }
  });

  it('online PIN: PIN verified, no signature, no no-CVM line', () => {
    for (const { text } of copies({ ...tap, amount: 50000, cvm: 'online-pin', pinVerified: true })) {
      expect(signed(text)).toBe(false);
      expect(text).toMatch(/PIN VERIFIED ONLINE|密码已联机验证/);
      expect(text).not.toMatch(/NO CVM REQUIRED|免密免签/);
    }
  });

  it('a declined tap prints no CVM line', () => {
    for (const { text } of copies({ ...tap, state: 'declined', authCode: undefined, responseCode: '51' })) expect(text).not.toMatch(/NO CVM REQUIRED|免密免签/);
  });
});

describe('through the terminal', () => {
  let responder: Responder | undefined;
  let terminal: Terminal | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await terminal?.stop().catch(() => {});
    await responder?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a contactless sale under the CVM-required limit prints no signature; a swipe without PIN does', async () => {
    responder = await startResponder((r) => ({ '39': '00', '37': '000000000042', '38': 'AB12CD', ...(r.has('55.9F26') ? { '55.91': Buffer.from('01020304050607083030', 'hex') } : {}) }));
    dir = mkdtempSync(join(tmpdir(), 'receipt-cvm-'));
    const reader = new DirectCardReader();
    const msr = new EventEmitter();
    terminal = await startTerminal({
      host: '127.0.0.1', port: responder.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal: join(dir, 'journal.db'),
      reader, msr: msr as TerminalConfig['msr'],
      timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 50, echoIntervalMs: 0 },
    });
    reader.tap(createVirtualCard('mastercard'));
    const tapped = await terminal.sale({ amount: 1234 });
    expect(tapped).toMatchObject({ state: 'approved', entryMode: '071' });
    expect(responder.received.find((m) => m.mti === '0200')!.getBuffer('55.9F34')!.toString('hex')).toBe('1f0002');
    expect(signed(tapped.receipt!.merchant)).toBe(false); // before: signed
    expect(tapped.receipt!.merchant).toContain('NO CVM REQUIRED');
    reader.remove();
    // Over the CVM-required limit with no PIN pad: the kernel reports signature (9F34 1E0000, result
    // unknown: EMV Book 4 Annex A4), no longer 'no CVM required' (1F0002) with a failed TVR.
    reader.tap(createVirtualCard('mastercard'));
    const over = await terminal.sale({ amount: 50000 });
    expect(over).toMatchObject({ state: 'approved', entryMode: '071' });
    const overRequest = responder.received.filter((m) => m.mti === '0200').at(-1)!;
    expect(overRequest.getBuffer('55.9F34')!.toString('hex')).toBe('1e0000');
    expect(overRequest.getBuffer('55.95')![2]! & 0x80).toBe(0); // verification not failed: a signature was taken
    expect(signed(over.receipt!.merchant)).toBe(true);
    expect(over.receipt!.merchant).not.toContain('NO CVM REQUIRED');
    reader.remove();
    const swipe = terminal.sale({ amount: 800 });
    setTimeout(() => msr.emit('swipe', { track2: ';4000000000000002=30121010000000000?' }), 10);
    const swiped = await swipe;
    expect(swiped).toMatchObject({ state: 'approved', entryMode: '021' });
    expect(signed(swiped.receipt!.merchant)).toBe(true);
    expect(swiped.receipt!.merchant).not.toContain('NO CVM REQUIRED');
  });
});
