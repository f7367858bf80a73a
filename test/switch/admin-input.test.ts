// The admin API refuses what would silently do nothing or something else: a fault for a terminal ID
// that no DE41 can be (not 8 characters) never fires, and a JSON string where the schema wants a
// number or boolean is a client bug, not a value to coerce (query strings are text and still are).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitch } from '../../switch/index.js';
import { testSwitch } from './harness.js';

describe('switch admin API input', () => {
  let sw: RunningSwitch;
  let base: string;
  const token = 'test-admin-token';
  const write = async (path: string, method: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as { message?: string } };
  };

  beforeAll(async () => {
    sw = await testSwitch(':memory:', { adminPort: 0, adminToken: token });
    base = `http://127.0.0.1:${sw.adminPort}`;
  });
  afterAll(async () => {
    await sw?.stop();
  });

  it('refuses a fault for a terminal ID that is not 8 characters (or *), naming params/terminal', async () => {
    for (const id of ['T1', 'POS0001', '%20', 'POS000012']) {
      const put = await write(`/faults/${id}`, 'PUT', { drop: true });
      expect(put.status, id).toBe(400);
      expect(put.body.message, id).toMatch(/^params\/terminal /);
      expect((await write(`/faults/${id}`, 'DELETE')).status, id).toBe(400);
    }
    expect(sw.faults.list()).toEqual([]);
    expect((await write('/faults/POS00001', 'PUT', { drop: true })).status).toBe(200);
    expect((await write('/faults/*', 'PUT', { delayMs: 5 })).status).toBe(200);
    expect(sw.faults.list()).toEqual([{ terminal: 'POS00001', drop: true }, { terminal: '*', delayMs: 5 }]);
    expect((await write('/faults/*', 'DELETE')).body).toEqual({ faults: [] });
  });

  it('takes JSON bodies as typed: "5" is not a delay or a balance, "true" not a flag', async () => {
    for (const [path, body, field] of [
      ['/faults/POS00001', { delayMs: '5' }, 'delayMs'],
      ['/faults/POS00001', { drop: 'true' }, 'drop'],
      ['/faults/POS00001', { corruptMac: 1 }, 'corruptMac'],
      ['/cards/400000******0515/balance', { balance: '5000' }, 'balance'],
    ] as const) {
      const put = await write(path, 'PUT', body);
      expect(put.status, JSON.stringify(body)).toBe(400);
      expect(put.body.message, JSON.stringify(body)).toMatch(new RegExp(`^body/${field} must be (integer|boolean)$`));
    }
    expect(sw.faults.list()).toEqual([]);
    expect((await fetch(`${base}/transactions?limit=5`)).status).toBe(200);
  });
});
