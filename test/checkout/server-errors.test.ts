// The checkout server's error answers never quote the request: a URL's path or query string can carry a
// card number (a mistyped `?pan=`, a track pasted into the address bar). Before, fastify's own answers
// echoed it whole: FST_ERR_BAD_URL ("'/api/x%E0%A4%A?pan=4761739001010010' is not a valid url
// component") and the default 404 ("Route GET:/api/nothing/4761739001010010?pan=… not found").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckout, type RunningCheckout } from '../../terminal/checkout/server.js';
import { fakeCheckoutTerminal } from '../support/fake-checkout-terminal.js';

// Visa test PAN (docs/test-cards.md) and a track 2 with it: neither may come back in any form.
const pan = '4761739001010010';
const secrets = [pan, '476173', '0010', '2512201'];

let checkout: RunningCheckout;
beforeAll(async () => {
  checkout = await startCheckout({ terminal: fakeCheckoutTerminal().terminal, supervisorPin: '1234', currency: { code: '156', symbol: '¥' } });
});
afterAll(() => checkout?.close());

async function get(path: string, method = 'GET') {
  const response = await fetch(`${checkout.url}${path}`, { method });
  return { status: response.status, text: await response.text() };
}
const expectNoSecret = (text: string) => {
  for (const secret of secrets) expect(text).not.toContain(secret);
};

describe('checkout server errors', () => {
  it('a malformed URL (a %-escape that does not decode) is a 400 in the server’s error shape, without the URL', async () => {
    const answer = await get(`/api/x%E0%A4%A?pan=${pan}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ error: 'request', message: 'malformed URL: a %-escape that does not decode' });
    expectNoSecret(answer.text);
  });

  it('an unknown route or file is a 404 that quotes neither the path nor the query string', async () => {
    for (const [path, method] of [[`/api/nothing/${pan}?pan=${pan}`, 'GET'], [`/;${pan}=2512201?`, 'GET'], [`/${pan}.js`, 'GET'], [`/api/state?pan=${pan}`, 'DELETE']] as const) {
      const answer = await get(path, method);
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({ error: 'not-found', message: 'no such page or API route' });
      expectNoSecret(answer.text);
    }
  });

  it('a body property the API does not know is a 400 naming none of it, not silently dropped', async () => {
    for (const [path, body] of [
      ['/api/sale', { amount: '1.00', pan }],
      ['/api/refund', { original: 'T1', supervisorPin: '1234', amount: '1.00', [pan]: true }],
      ['/api/batch/close', { batch: 1, salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0, track2: `${pan}=2512201` }],
    ] as const) {
      const response = await fetch(`${checkout.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await response.text();
      expect(response.status, path).toBe(400);
      expect(JSON.parse(text), path).toEqual({ error: 'request', message: 'body must NOT have additional properties' });
      expectNoSecret(text);
    }
  });

  it('the page and its API still answer', async () => {
    expect((await get('/')).status).toBe(200);
    expect((await get('/app.js')).status).toBe(200);
    expect(JSON.parse((await get('/api/state')).text)).toMatchObject({ inFlight: null, lastResult: null });
  });
});
