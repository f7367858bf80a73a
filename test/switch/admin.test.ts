// The admin API over real HTTP: schemas, token on writes, search, faults, settlements, metrics, OpenAPI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { terminal, terminalIds, testSwitch } from './harness.js';

describe('switch admin API', () => {
  let sw: RunningSwitch;
  let t: IsoClient;
  let base: string;
  const token = 'test-admin-token';
  const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);
  const write = (path: string, method: string, body?: unknown, auth = `Bearer ${token}`) =>
    api(path, { method, headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  beforeAll(async () => {
    sw = await testSwitch(':memory:', { adminPort: 0, adminToken: token });
    base = `http://127.0.0.1:${sw.adminPort}`;
    t = await terminal(sw);
    await t.send(t.message('0200', { '2': '4111111111111111', '3': '000000', '4': 1500, '14': '3012', '22': '011', '25': '00', '49': '156' }));
    await t.send(t.message('0200', { '2': '5555555555554444', '3': '000000', '4': 2500, '14': '3012', '22': '011', '25': '00', '49': '156' }));
  });
  afterAll(async () => {
    await t?.close();
    await sw?.stop();
  });

  it('answers health, metrics and the OpenAPI document', async () => {
    expect(await (await api('/health')).json()).toEqual({ status: 'ok', journal: 'sqlite' });
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toContain('pos_switch_responses_total{mti="0210",code="00"} 2');
    expect(metrics).toContain('pos_switch_request_seconds_count');
    const doc = (await (await api('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/transactions', '/faults/{terminal}', '/settlements', '/cards']));
  });

  it('searches transactions by terminal, masked PAN, RRN and date, with masked PANs only', async () => {
    const all = (await (await api(`/transactions?terminal=${terminalIds[0]}`)).json()) as { transactions: Array<Record<string, unknown>> };
    expect(all.transactions).toHaveLength(2);
    expect(JSON.stringify(all)).not.toContain('4111111111111111');
    const byPan = (await (await api('/transactions?pan=555555******4444')).json()) as { transactions: Array<{ rrn: string; amount: number }> };
    expect(byPan.transactions).toHaveLength(1);
    expect(byPan.transactions[0]!.amount).toBe(2500);
    const byRrn = (await (await api(`/transactions?rrn=${byPan.transactions[0]!.rrn}`)).json()) as { transactions: unknown[] };
    expect(byRrn.transactions).toHaveLength(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(((await (await api(`/transactions?from=${today}&to=${today}&merchant=M00000000000001&limit=1`)).json()) as { transactions: unknown[] }).transactions).toHaveLength(1);
    expect((await api('/transactions?pan=4111111111111111')).status).toBe(400);
    expect((await api('/transactions?limit=0')).status).toBe(400);
    expect((await api('/transactions?colour=red')).status).toBe(400);
  });

  it('refuses malformed or impossible dates with a 400 naming the parameter, and takes dates and RFC 3339 date-times', async () => {
    for (const query of ['from=2026-13-45', 'from=2026-11-27garbage', 'to=2026-02-29', 'from=2026-11-27T25:00:00Z', 'to=2026-11-27T10:00:00', 'from=27.11.2026']) {
      const response = await api(`/transactions?${query}`);
      expect(response.status, query).toBe(400);
      expect(JSON.stringify(await response.json()), query).toContain(`querystring/${query.split('=')[0]}`);
    }
    const leap = await api('/transactions?to=2026-12-31T23:59:60Z');
    expect(leap.status).toBe(400);
    expect(((await leap.json()) as { message: string }).message).toContain('querystring/to');
    const count = async (query: string) => {
      const response = await api(`/transactions?terminal=${terminalIds[0]}&${query}`);
      expect(response.status, query).toBe(200);
      return ((await response.json()) as { transactions: unknown[] }).transactions.length;
    };
    const now = Date.now();
    const today = new Date(now).toISOString().slice(0, 10);
    expect(await count(`from=${today}&to=${today}`)).toBe(2);
    expect(await count('to=2028-02-29')).toBe(2);
    // A date-time with an offset is the same instant in UTC (the journal's clock): an hour ago at +08:00 still finds today's sales.
    const hourAgo = new Date(now - 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 19);
    expect(await count(`from=${encodeURIComponent(`${hourAgo}+08:00`)}`)).toBe(2);
    expect(await count(`from=${new Date(now + 3_600_000).toISOString()}`)).toBe(0);
    expect(await count(`to=${encodeURIComponent(`${hourAgo}+08:00`)}`)).toBe(0);
  });

  it('lists terminals without keys, merchants and test cards with masked PANs', async () => {
    const terminals = (await (await api('/terminals')).json()) as { terminals: Array<Record<string, unknown>> };
    expect(terminals.terminals.map((x) => x.id)).toEqual(terminalIds);
    expect(JSON.stringify(terminals)).not.toMatch(/tmk/i);
    expect(await (await api('/merchants')).json()).toEqual({ merchants: [{ merchantId: 'M00000000000001', name: 'Test shop', terminals: terminalIds }] });
    const cards = (await (await api('/cards')).json()) as { cards: Array<{ pan: string; balance: number }> };
    expect(cards.cards.find((c) => c.pan === '411111******1111')?.balance).toBe(100_000_000 - 1500);
  });

  it('needs the bearer token for fault writes and validates the body', async () => {
    expect((await write(`/faults/${terminalIds[0]}`, 'PUT', { drop: true }, 'Bearer nope')).status).toBe(401);
    expect((await write(`/faults/${terminalIds[0]}`, 'PUT', { drop: true }, '')).status).toBe(401);
    expect((await write(`/faults/${terminalIds[0]}`, 'PUT', { explode: true })).status).toBe(400);
    expect((await write(`/faults/${terminalIds[0]}`, 'PUT', { delayMs: -1 })).status).toBe(400);
    const set = await write('/faults/*', 'PUT', { delayMs: 100, corruptMac: true });
    expect(set.status).toBe(200);
    expect(await (await api('/faults')).json()).toEqual({ faults: [{ terminal: '*', delayMs: 100, corruptMac: true }] });
    expect(sw.faults.for('ANY', '0200')).toEqual({ delayMs: 100, corruptMac: true });
    expect(await (await write('/faults/*', 'DELETE')).json()).toEqual({ faults: [] });
  });

  it('sets a test card\'s balance by its masked PAN', async () => {
    expect((await write('/cards/400000******0515/balance', 'PUT', { balance: 50_000 }, 'Bearer nope')).status).toBe(401);
    expect((await write('/cards/4000000000000515/balance', 'PUT', { balance: 50_000 })).status).toBe(400);
    expect((await write('/cards/400000******0515/balance', 'PUT', { balance: -1 })).status).toBe(400);
    expect((await write('/cards/999999******0000/balance', 'PUT', { balance: 1 })).status).toBe(404);
    expect(await (await write('/cards/400000******0515/balance', 'PUT', { balance: 50_000 })).json()).toEqual({ pan: '400000******0515', balance: 50_000 });
    const sale = await t.send(t.message('0200', { '2': '4000000000000515', '3': '000000', '4': 1500, '14': '3012', '22': '011', '25': '00', '49': '156' }));
    expect(sale.getString('39')).toBe('00');
  });

  it('lists settlement reports', async () => {
    await t.send(t.message('0500', { '60.1': '00', '60.2': '000007', '74': 3, '86': 5500, '76': 0, '88': 0 }));
    const reports = (await (await api(`/settlements?terminal=${terminalIds[0]}`)).json()) as { settlements: Array<{ batch: string; inBalance: boolean }> };
    expect(reports.settlements).toMatchObject([{ batch: '000007', inBalance: true }]);
  });

  it('refuses writes when no token is configured', async () => {
    const open = await testSwitch(':memory:', { adminPort: 0 });
    const response = await fetch(`http://127.0.0.1:${open.adminPort}/faults/*`, { method: 'DELETE' });
    expect(response.status).toBe(403);
    await open.stop();
  });
});
