// Admin writes over real HTTP: an empty body clears a fault, the token is checked before the body, a
// terminal's own fault wins over '*', and the date filters' own 400s have fastify's shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitch } from '../../switch/index.js';
import { terminalIds, testSwitch } from './harness.js';

describe('admin API writes', () => {
  let sw: RunningSwitch;
  let open: RunningSwitch;
  const token = 'admin-writes-token';
  const put = (base: RunningSwitch, path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${base.adminPort}${path}`, { method: 'PUT', ...init });
  const auth = { authorization: `Bearer ${token}` };
  beforeAll(async () => {
    sw = await testSwitch(':memory:', { adminPort: 0, adminToken: token });
    open = await testSwitch(':memory:', { adminPort: 0 });
  });
  afterAll(async () => {
    await sw?.stop();
    await open?.stop();
  });

  it('clears a fault with no body, and with an empty JSON body', async () => {
    const path = `/faults/${terminalIds[0]}`;
    const set = () => put(sw, path, { headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ drop: true }) });
    expect((await set()).status).toBe(200);
    const none = await put(sw, path, { headers: auth });
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ faults: [] });
    expect((await set()).status).toBe(200);
    const empty = await put(sw, path, { headers: { ...auth, 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ faults: [] });
    // A body still has to be a fault.
    expect((await put(sw, path, { headers: { ...auth, 'content-type': 'application/json' }, body: '{"colour":"red"}' })).status).toBe(400);
  });

  it('refuses an unauthenticated write before reading its body: 401 with a wrong token, 403 with none configured', async () => {
    const json = { 'content-type': 'application/json' };
    for (const body of ['{"colour":"red"}', '{', '{"delayMs":"5"}']) {
      expect((await put(sw, `/faults/${terminalIds[0]}`, { headers: json, body })).status, body).toBe(401);
      expect((await put(sw, `/faults/${terminalIds[0]}`, { headers: { ...json, authorization: 'Bearer wrong' }, body })).status, body).toBe(401);
      expect((await put(sw, '/cards/411111******1111/balance', { headers: json, body })).status, body).toBe(401);
      expect((await put(open, `/faults/${terminalIds[0]}`, { headers: json, body })).status, body).toBe(403);
    }
  });

  it('gives a terminal its own fault only, not merged with the one for every terminal', () => {
    sw.faults.set('*', { drop: true });
    sw.faults.set(terminalIds[1]!, { delayMs: 5 });
    try {
      expect(sw.faults.for(terminalIds[1]!, '0200')).toEqual({ delayMs: 5 });
      expect(sw.faults.for(terminalIds[0]!, '0200')).toEqual({ drop: true });
    } finally {
      sw.faults.clear();
    }
  });

  it.each([
    ['to=2026-11-27T00:59:60%2B01:00', 'querystring/to has second 60'],
    ['from=2026-06-30T23:59:60Z', 'querystring/from has second 60'],
    ['from=9999-12-31T23:59:59-23:59', 'querystring/from is outside the years 0000–9999 in UTC'],
  ])('answers %s with a 400 in the one error shape naming the parameter', async (query, message) => {
    const response = await fetch(`http://127.0.0.1:${sw.adminPort}/transactions?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining(message) });
  });
});
