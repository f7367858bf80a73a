// What the demo's HTTP answers give back of a secret a request carried where none belongs. The
// `pos virtual …` control API (hardware/virtual-service.ts) quoted a path with no route, and an
// unknown property's name, whole; the checkout page's tester routes (cli/demo/tester.ts) quoted the
// unknown card or fault name, answered `card: "toString"` with a 500 (a lookup through the object's
// prototype) and took `fault: "toString"` as a fault. Real HTTP on 127.0.0.1. The switch's admin API
// has its own: test/switch/admin-secrets.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../cli/demo/demo.js';
import { asObject, startControlServer, type ControlServer } from '../hardware/virtual-service.js';

// A Visa test PAN (docs/test-cards.md), a track 2 equivalent of it, and a double-length key in hex.
const pan = '4761739001010010';
const track2 = `${pan}=25122010000099999`;
const keyHex = '0123456789ABCDEFFEDCBA9876543210';
/** Nothing of these may appear: the PAN, even masked with the track's tail; the key. */
const expectNoSecret = (text: string, what: string) => {
  for (const secret of [pan, '=2512', '2512201', keyHex]) expect(text, what).not.toContain(secret);
};

describe('the virtual devices\' control API', () => {
  let server: ControlServer;
  beforeAll(async () => {
    server = await startControlServer(0, (route, body) => {
      if (route === 'POST /faults') return { card: asObject(asObject(body, 'body', ['card']).card, 'card', ['delayMs']) };
      return undefined;
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  const answer = async (path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    const text = await response.text();
    expectNoSecret(text, path);
    return [response.status, JSON.parse(text) as unknown];
  };

  it('answers a path with no route naming its words, each other segment by its length', async () => {
    expect(await answer(`/${track2}`)).toEqual([404, { error: `no route GET /<${track2.length} characters>` }]);
    expect(await answer(`/faults/${keyHex}`)).toEqual([404, { error: 'no route GET /faults/<32 characters>' }]);
    expect(await answer('/SMITH/JOHN')).toEqual([404, { error: 'no route GET /<5 characters>/<4 characters>' }]);
    expect(await answer('/nowhere')).toEqual([404, { error: 'no route GET /nowhere' }]);
  });

  it('names an unknown property by its length when it is no plain word, a typo by its name', async () => {
    expect(await answer('/faults', { [track2]: true })).toEqual([400, { error: `<${track2.length} characters>: unknown property (card)` }]);
    expect(await answer('/faults', { card: { [keyHex]: 1 } })).toEqual([400, { error: 'card.<32 characters>: unknown property (delayMs)' }]);
    expect(await answer('/faults', { card: { delayMS: 1 } })).toEqual([400, { error: 'card.delayMS: unknown property (delayMs)' }]);
  });
});

describe('the checkout page\'s tester routes', () => {
  let demo: RunningDemo;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pos-secrets-http-'));
    demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0 });
  });
  afterAll(async () => {
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${demo.pageUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    expectNoSecret(text, path);
    return { status: response.status, body: JSON.parse(text) as { message?: string } };
  };

  it('refuses a card no virtual card or stripe has, toString and __proto__ too, with a 400 naming the field, not the value', async () => {
    for (const card of [pan, track2, 'toString', '__proto__', 'constructor']) {
      const tap = await post('/api/tester/tap', { card });
      expect(tap, card).toEqual({ status: 400, body: { error: 'request', message: 'card: no virtual card of that name (one of: visa, mastercard, unionpay)' } });
      const swipe = await post('/api/tester/swipe', { card });
      expect(swipe.status, card).toBe(400);
      expect(swipe.body.message, card).toMatch(/^card: no magstripe test card of that name \(one of: visa, .*lost card/);
    }
    expect((await post('/api/tester/tap', { card: 'visa' })).status).toBe(200);
    expect((await post('/api/tester/remove', {})).status).toBe(200);
  });

  it('refuses a fault it does not offer, toString too, and sets nothing', async () => {
    for (const fault of [pan, 'toString', '__proto__', 'hasOwnProperty']) {
      const refused = await post('/api/tester/fault', { fault });
      expect(refused, fault).toEqual({
        status: 400,
        body: { error: 'request', message: 'fault: no host fault of that name (one of: drop answers, delay 3 s, disconnect, corrupt MAC, corrupt ARPC)' },
      });
    }
    expect(demo.switch.faults.list()).toEqual([]);
    expect((await post('/api/tester/fault', { fault: 'corrupt MAC' })).body).toEqual({ ok: true, fault: 'corrupt MAC' });
    expect((await post('/api/tester/fault', { fault: null })).body).toEqual({ ok: true, fault: null });
  });
});
