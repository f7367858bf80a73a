// Enrolled terminals in memory: one shared TMK entry, nothing kept for a terminal that only echoes, and at
// most maxSignedOn signed on (least recently used out first; its next MAC'd request is A0 until it signs on again).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { createSimulatedHsm } from '../../switch/hsm/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { merchantId, testSwitch, tmk } from './harness.js';

const sale = (t: IsoClient) => t.message('0200', { '2': '4111111111111111', '3': '000000', '4': 100, '14': '3012', '22': '011', '25': '00', '49': '156' });

describe('enrolled terminals', () => {
  const hsm = createSimulatedHsm({ lmk: Buffer.alloc(32, 3), logger: pino({ level: 'silent' }) });
  // An enrolled terminal's working keys are numbered per sign-on state: tak:TERM000A#3:1.
  const keysOf = (id: string) => hsm.toJSON().keys.filter((key) => key.id.startsWith(`tpk:${id}#`) || key.id.startsWith(`tak:${id}#`)).map((key) => key.usage).sort();
  let sw: RunningSwitch;
  const clients: IsoClient[] = [];
  const client = async (terminalId: string) => {
    const c = await IsoClient.connect({ port: sw.port, terminalId, merchantId, tmk, timeoutMs: 2000 });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    sw = await testSwitch(':memory:', { terminals: [], enrollUnknown: { tmk, merchantId }, maxSignedOn: 2, hsm });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sw?.stop();
  });

  it('share one TMK entry, and keep nothing for a terminal that only echoes', async () => {
    const c = await client('ECHO0000');
    for (let i = 0; i < 30; i++) {
      const id = `ECHO${String(i).padStart(4, '0')}`;
      expect((await c.send(c.message('0800', { '41': id, '70': '301' }))).getString('39')).toBe('00');
      expect(hsm.keyInfo(`tmk:${id}`), id).toBeUndefined();
    }
    expect(hsm.keyInfo('tmk:*')?.usage).toBe('TMK');
  });

  it('sign off the least recently used beyond maxSignedOn: its keys leave the HSM and its MAC\'d requests are A0 until it signs on again', async () => {
    const [a, b, c] = await Promise.all(['TERM000A', 'TERM000B', 'TERM000C'].map(client));
    for (const t of [a!, b!, c!]) expect((await t.signOn()).getString('39')).toBe('00');
    expect(keysOf('TERM000A')).toEqual([]);
    const refused = await a!.send(sale(a!));
    expect(refused.getString('39')).toBe('A0');
    expect((await b!.send(sale(b!))).getString('39')).toBe('00');
    expect((await c!.send(sale(c!))).getString('39')).toBe('00');
    // B was used after C: signing A on again evicts C.
    expect((await b!.send(sale(b!))).getString('39')).toBe('00');
    await a!.signOn();
    expect((await a!.send(sale(a!))).getString('39')).toBe('00');
    expect((await c!.send(sale(c!))).getString('39')).toBe('A0');
    expect((await b!.send(sale(b!))).getString('39')).toBe('00');
  });

  it('drop a terminal that signs off, with its keys', async () => {
    const d = await client('TERM000D');
    await d.signOn();
    expect(keysOf('TERM000D')).toEqual(['TAK', 'TPK']);
    expect((await d.send(d.message('0800', { '70': '002' }))).getString('39')).toBe('00');
    expect(keysOf('TERM000D')).toEqual([]);
  });
});
