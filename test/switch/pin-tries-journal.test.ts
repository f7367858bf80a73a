// Three wrong PINs block a card whatever their timing: the tries are counted in the journal (table
// pin_tries, a conditional upsert in the request's own transaction), not in a process's memory — so
// neither parallel requests, nor a second switch process, nor a restart give more. On both journals.
import { afterAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { dukptPinBlock, terminal, terminalIds, testSwitch } from './harness.js';

const pan = '4111111111111111';

/** A fresh PIN pad per request (device `n`, counter 1): no counter is shared, only the card. */
const ksnOf = (n: number) => Buffer.from(`FFFF9876543${(0x100 + n).toString(16).toUpperCase()}E00001`, 'hex');
const pinSale = (t: IsoClient, n: number, pin: string) =>
  t.message('0200', {
    '2': pan, '3': '000000', '4': 100, '14': '3012', '22': '011', '25': '00', '26': '12', '49': '156',
    '52': dukptPinBlock(ksnOf(n), pin, pan), '53': ksnOf(n),
  });
const code = (answer: { getString(path: string): string | undefined }) => answer.getString('39');

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`PIN tries in the journal on ${database.name}`, () => {
    const running: Array<{ sw: RunningSwitch; clients: IsoClient[] }> = [];
    const start = async (url: string, ids: string[]) => {
      const sw = await testSwitch(url);
      const clients: IsoClient[] = [];
      for (const id of ids) clients.push(await terminal(sw, id));
      running.push({ sw, clients });
      return { sw, clients };
    };
    const stop = async (sw: RunningSwitch) => {
      const entry = running.find((r) => r.sw === sw)!;
      running.splice(running.indexOf(entry), 1);
      for (const client of entry.clients) await client.close();
      await sw.stop();
    };
    afterAll(async () => {
      for (const { sw } of [...running]) await stop(sw);
      await database.cleanup();
    });

    it('10 wrong PINs in parallel: two are 55, the rest 75, and then the right PIN is 75', async () => {
      const { clients } = await start(database.url(), [terminalIds[0]!, terminalIds[1]!]);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2]!.send(pinSale(clients[i % 2]!, i, String(1000 + i * 7)))));
      const codes = answers.map(code).sort();
      expect(codes).toEqual(['55', '55', '75', '75', '75', '75', '75', '75', '75', '75']);
      expect(code(await clients[0]!.send(pinSale(clients[0]!, 20, '1234')))).toBe('75');
    });

    it('tries survive a restart, and a right PIN before the third resets them', async () => {
      const url = database.url();
      const first = await start(url, [terminalIds[0]!]);
      const [a] = first.clients;
      expect(code(await a!.send(pinSale(a!, 30, '9999')))).toBe('55');
      expect(code(await a!.send(pinSale(a!, 31, '9999')))).toBe('55');
      await stop(first.sw);
      const second = await start(url, [terminalIds[1]!]); // a new terminal: the first's STANs restart at 1 within the same second (94)
      const [b] = second.clients;
      expect(code(await b!.send(pinSale(b!, 32, '1234')))).toBe('00');
      expect(code(await b!.send(pinSale(b!, 33, '9999')))).toBe('55');
      expect(code(await b!.send(pinSale(b!, 34, '9999')))).toBe('55');
      expect(code(await b!.send(pinSale(b!, 35, '9999')))).toBe('75');
      await stop(second.sw);
      const third = await start(url, [terminalIds[2]!]);
      const [c] = third.clients;
      expect(code(await c!.send(pinSale(c!, 36, '1234')))).toBe('75');
      await stop(third.sw);
    });

    it('the admin API shows a blocked card and unblocks it (DELETE /cards/{pan}/pin-tries, token needed)', async () => {
      const token = 'test-admin-token';
      const sw = await testSwitch(database.url(), { adminPort: 0, adminToken: token });
      const t = await terminal(sw, terminalIds[0]!);
      running.push({ sw, clients: [t] });
      const admin = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${sw.adminPort}${path}`, init);
      const card = async () => ((await (await admin('/cards')).json()) as { cards: Array<{ pan: string; pinTries: number; pinBlocked: boolean }> }).cards.find((c) => c.pan === '411111******1111');
      for (const n of [50, 51, 52]) await t.send(pinSale(t, n, '9999'));
      expect(await card()).toMatchObject({ pinTries: 3, pinBlocked: true });
      expect(code(await t.send(pinSale(t, 53, '1234')))).toBe('75');
      expect((await admin('/cards/411111******1111/pin-tries', { method: 'DELETE' })).status).toBe(401);
      expect((await admin('/cards/999999******0000/pin-tries', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
      const reset = await admin('/cards/411111******1111/pin-tries', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      expect(await reset.json()).toEqual({ pan: '411111******1111', pinTries: 0, pinBlocked: false });
      expect(code(await t.send(pinSale(t, 54, '1234')))).toBe('00');
      expect(await card()).toMatchObject({ pinTries: 0, pinBlocked: false });
    });

    if (database.name === 'postgres') it('two switch processes on one database: 6 wrong PINs at once give two 55s in all', async () => {
      const url = database.url();
      const a = await start(url, [terminalIds[0]!]);
      const b = await start(url, [terminalIds[1]!]);
      const sends = Array.from({ length: 6 }, (_, i) => {
        const t = (i % 2 ? b : a).clients[0]!;
        return t.send(pinSale(t, 40 + i, '9999'));
      });
      expect((await Promise.all(sends)).map(code).sort()).toEqual(['55', '55', '75', '75', '75', '75']);
    });
  });
}
