// What the admin API sends back, and logs, when a request carries a secret where none belongs: a
// malformed URL (fastify's own answer quoted it whole), a path no route has (the 404 quoted it, masked:
// a track 2 kept its expiry and service code, a key its hex), an over-long path parameter, a query
// `pan=` and a request line the HTTP parser refuses (logged at trace level). Raw HTTP/1.1, as
// fetch would normalise or refuse these targets.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitch } from '../../switch/index.js';
import { testSwitch } from './harness.js';

// A Visa test PAN (docs/test-cards.md), a track 2 equivalent of it, and a double-length key in hex.
const pan = '4761739001010010';
const track2 = `${pan}=25122010000099999`;
const keyHex = '0123456789ABCDEFFEDCBA9876543210';
/** Nothing of these may appear: the PAN, even masked with the track's tail; the key. */
const secrets = [pan, '=2512', '2512201', keyHex, keyHex.slice(0, 16)];

describe('switch admin API answers and logs carry no secret of the request', () => {
  let sw: RunningSwitch;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) });
    sw = await testSwitch(':memory:', { adminPort: 0, adminToken: 'test-admin-token', logger: pino({ level: 'trace' }, sink) });
  });
  afterAll(async () => {
    await sw?.stop();
  });

  /** One raw request; the answer's status and JSON body (null when the server sent none). */
  const raw = (requestLine: string): Promise<{ status: number; body: Record<string, unknown> | null; text: string }> =>
    new Promise((resolve, reject) => {
      const socket = connect(sw.adminPort!, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => {
        const body = text.slice(text.indexOf('\r\n\r\n') + 4);
        resolve({ status: Number(text.split(' ')[1]), body: body ? (JSON.parse(body) as Record<string, unknown>) : null, text });
      });
      socket.on('error', reject);
    });
  const get = (target: string) => raw(`GET ${target} HTTP/1.1`);
  const expectNoSecret = (text: string, what: string) => {
    for (const secret of secrets) expect(text, what).not.toContain(secret);
  };

  it('names a malformed URL (a %-escape that does not decode) without quoting it', async () => {
    for (const target of ['/transactions/%E0%A4%A', `/x/${pan}%`, `/${track2}/%ZZ${keyHex}`]) {
      const answer = await get(target);
      expect(answer.status, target).toBe(400);
      expect(answer.body, target).toEqual({ statusCode: 400, error: 'Bad Request', message: 'malformed URL: a %-escape that does not decode' });
      expectNoSecret(answer.text, target);
    }
  });

  it('names a path parameter over 100 characters without quoting it', async () => {
    const target = `/cards/${track2.repeat(4)}${keyHex}/balance`;
    const answer = await raw(`PUT ${target} HTTP/1.1`);
    expect(answer.status).toBe(414);
    expect(answer.body).toEqual({ statusCode: 414, error: 'URI Too Long', message: 'a path parameter is over 100 characters' });
    expectNoSecret(answer.text, target);
  });

  it('answers a path with no route naming only its lower-case words, each other segment by its length', async () => {
    const cases: Array<[string, string]> = [
      [`/${track2}`, `no route GET /<${track2.length} characters>`],
      [`/cards/${track2}/balance`, `no route GET /cards/<${track2.length} characters>/balance`],
      [`/keys/${keyHex}`, `no route GET /keys/<32 characters>`],
      [`/cards/${pan}?pan=${pan}`, 'no route GET /cards/<16 characters>'],
      // Upper case is how a track 1 writes the cardholder's name.
      ['/SMITH/JOHN', 'no route GET /<5 characters>/<4 characters>'],
      ['/nowhere', 'no route GET /nowhere'],
    ];
    for (const [target, message] of cases) {
      const answer = await get(target);
      expect(answer.status, target).toBe(404);
      expect(answer.body, target).toEqual({ statusCode: 404, error: 'Not Found', message: `${message} (the routes: GET /openapi.json)` });
      expectNoSecret(answer.text, target);
    }
  });

  it('keeps the schema\'s own numbers whole in a 400 (Number.MAX_SAFE_INTEGER is no PAN); a full PAN for a masked one is not quoted', async () => {
    const over = await get(`/transactions?before=${Number.MAX_SAFE_INTEGER + 1}`);
    expect(over.body).toEqual({ statusCode: 400, error: 'Bad Request', message: `querystring/before must be <= ${Number.MAX_SAFE_INTEGER}` });
    const fullPan = await get(`/transactions?pan=${pan}`);
    expect(fullPan.status).toBe(400);
    expect(fullPan.body?.message).toMatch(/^querystring\/pan must match pattern /);
    expectNoSecret(fullPan.text, 'pan=');
  });

  it('writes no PAN, track or key to its log, at trace level, whatever the request carried', async () => {
    logLines.length = 0;
    await get(`/transactions?pan=${pan}`);
    await get(`/transactions?terminal=${encodeURIComponent(track2)}`);
    await get(`/nowhere?pan=${pan}&key=${keyHex}`);
    await get(`/x/${pan}%`);
    // A space inside the target: the HTTP parser refuses the request line (fastify's clientError).
    const refused = await get(`/cards/${track2} ${keyHex}`);
    expect(refused.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'malformed HTTP request' });
    expect(logLines.length).toBeGreaterThan(0);
    expectNoSecret(logLines.join(''), 'the log');
    // The refused request line, logged as its bytes, is the secret all the same.
    expect(logLines.join('')).not.toContain('"rawPacket"');
  });
});
