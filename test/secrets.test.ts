/**
 * Issue 3's security rule, over the whole product: a contactless sale with online PIN, the same with
 * a wrong PIN (55), a swipe, a swipe declined by its cents (51), a scanned payment code and a void run
 * through the demo (real switch, HSM, terminal, drivers, virtual devices) with every logger at debug
 * level, and the admin API is asked with a full PAN and a track 2 in its query and body. Then
 * everything that was written or answered — the logs, every file of the data folder (both SQLite
 * journals with their WAL files, the JSON state files), the checkout page's API and the switch's
 * admin API, error answers included — is searched for clear PANs, track data, PIN blocks, payment
 * codes and keys (the TMK, the BDK, the cards' IMKs, and the TPK and TAK the terminal got at sign-on).
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../protocols/bytes.js';
import { magstripeTestCards, testCards } from '../protocols/testcards.js';
import { startDemo, type RunningDemo } from '../cli/demo/demo.js';
import { testTmk, x924TestBdk } from '../switch/config.js';
import { sampleCodes } from '../cli/demo/tester.js';

describe('no secret leaves the HSM, the PIN pad or the card', () => {
  const logLines: string[] = [];
  const pinBlocks: string[] = [];
  let demo: RunningDemo;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pos-secrets-'));
    const sink = new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) });
    demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, logger: pino({ level: 'debug' }, sink), timeouts: { hostMs: 2000 } });
    const requestPin = demo.pinPad.requestPin.bind(demo.pinPad);
    demo.pinPad.requestPin = async (request) => {
      const result = await requestPin(request);
      if ('pinBlock' in result) pinBlocks.push(toHex(result.pinBlock));
      return result;
    };
  });

  afterAll(async () => {
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the transactions, then finds none of them anywhere', async () => {
    const { terminal, kit, pinPad } = demo;
    // Contactless above the CVM limit: online PIN under DUKPT.
    pinPad.enter({ pin: '1234' }); // every test card's PIN (docs/test-cards.md)
    const pinSale = terminal.sale({ amount: 35000 });
    kit.tap('unionpay');
    expect((await pinSale).state).toBe('approved');
    kit.removeCards();
    expect(pinBlocks).toHaveLength(1);

    pinPad.enter({ pin: '9999' });
    const wrongPin = terminal.sale({ amount: 35100 });
    kit.tap('unionpay');
    expect(await wrongPin).toMatchObject({ state: 'declined', responseCode: '55' });
    kit.removeCards();
    expect(pinBlocks).toHaveLength(2);

    const swipeSale = terminal.sale({ amount: 1200 });
    setTimeout(() => void kit.swipe('magstripe'), 50);
    expect((await swipeSale).state).toBe('approved');
    const swipeDecline = terminal.sale({ amount: 1251 }); // .51: insufficient funds (docs/test-cards.md)
    setTimeout(() => void kit.swipe('magstripe'), 50);
    expect(await swipeDecline).toMatchObject({ state: 'declined', responseCode: '51' });

    const wechat = sampleCodes.find((code) => code.id === 'wechat')!.text;
    const codeSale = terminal.sale({ amount: 880 });
    setTimeout(() => void kit.scan(wechat), 50);
    const paidByCode = await codeSale;
    expect(paidByCode.state).toBe('approved');
    expect((await terminal.void({ original: paidByCode.id })).state).toBe('approved');

    const pageAnswers = await Promise.all(
      ['/api/transactions?limit=500', '/api/state'].map(async (path) => (await fetch(`${demo.pageUrl}${path}`)).text()),
    );
    const stripe = magstripeTestCards.magstripe;
    const track2 = `${stripe.pan}=${stripe.expiry}${stripe.serviceCode}${stripe.discretionary}`;
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${demo.adminPort}${path}`, { ...init, headers: { authorization: `Bearer ${demo.adminToken}`, 'content-type': 'application/json' } });
    const adminAnswers = await Promise.all([
      ...['/transactions', '/terminals', '/cards', '/settlements', '/metrics'].map(async (path) => (await admin(path)).text()),
      // Errors: a full PAN where a masked one belongs, a track 2 in a query and in a fault's body.
      (await admin(`/transactions?pan=${stripe.pan}`)).text(),
      (await admin(`/transactions?terminal=${encodeURIComponent(track2)}`)).text(),
      (await admin(`/faults/${encodeURIComponent(track2)}`, { method: 'PUT', body: JSON.stringify({ delayMs: track2 }) })).text(),
      (await admin('/faults/T0000001', { method: 'PUT', body: JSON.stringify({ [track2]: true }) })).text(),
    ]);
    // What the terminal got at sign-on (kept in memory only; read here to look for it everywhere else).
    const { tak, tpk } = (terminal as unknown as { keys: { tak: Buffer; tpk: Buffer } }).keys;
    expect([tak.length, tpk.length]).toEqual([16, 16]);
    await demo.stop(); // flush the journals and their WAL files

    const cards = Object.values(testCards);
    const secrets: Record<string, string> = {
      ...Object.fromEntries(cards.map((card) => [`PAN of ${card.id}`, card.pan])),
      'magstripe PAN': stripe.pan,
      'track 2 of the swipe': `${stripe.pan}=${stripe.expiry}${stripe.serviceCode}`,
      'track 2 discretionary data': `${stripe.serviceCode}${stripe.discretionary}`,
      'PIN block': pinBlocks[0]!,
      'wrong PIN block': pinBlocks[1]!,
      TAK: toHex(tak),
      TPK: toHex(tpk),
      'payment code': wechat,
      TMK: testTmk,
      BDK: x924TestBdk,
      ...Object.fromEntries(cards.map((card) => [`IMK of ${card.id}`, card.imk])),
    };

    const places: Record<string, string> = {
      'the logs': logLines.join(''),
      'the checkout API': pageAnswers.join('\n'),
      'the admin API': adminAnswers.join('\n'),
    };
    for (const file of readdirSync(dataDir).filter((name) => statSync(join(dataDir, name)).isFile())) {
      places[file] = readFileSync(join(dataDir, file)).toString('latin1');
    }
    expect(Object.keys(places)).toEqual(expect.arrayContaining(['switch.db', 'terminal.db']));
    expect(places['the logs']!.length).toBeGreaterThan(1000); // debug logging really ran

    const found: string[] = [];
    for (const [place, text] of Object.entries(places)) {
      const haystack = text.toLowerCase();
      for (const [what, secret] of Object.entries(secrets)) {
        if (haystack.includes(secret.toLowerCase())) found.push(`${what} in ${place}`);
        // binary columns: the same secret as raw bytes (PIN block, keys)
        if (/^[0-9A-Fa-f]{16,}$/.test(secret) && secret.length % 2 === 0 && text.includes(Buffer.from(secret, 'hex').toString('latin1')))
          found.push(`${what} (as bytes) in ${place}`);
      }
    }
    expect(found).toEqual([]);
  }, 30_000);
});
