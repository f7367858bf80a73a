// DUKPT counter replay (ANSI X9.24-1: each PIN block under a key of its own, the host tracks each
// device's transaction counter): the switch keeps the highest counter per PIN pad in the journal and
// refuses a PIN request whose counter is not above it (63), on both journals, across restarts and processes.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { dukptPinBlock, ksnOf, originalDataElements, terminal, terminalIds, testSwitch } from './harness.js';

const pan = '4111111111111111';
const account = 'card:4111111111';
const pinBlockOf = (ksn: Buffer, pin: string) => dukptPinBlock(ksn, pin, pan);
const pinSale = (t: IsoClient, amount: number, ksn: Buffer, pin = '1234', extra: Record<string, string | Buffer> = {}) =>
  t.message('0200', {
    '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '26': '12', '49': '156', '52': pinBlockOf(ksn, pin), '53': ksn, ...extra,
  });
const code = (answer: { getString(path: string): string | undefined }) => answer.getString('39');

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`DUKPT counters on ${database.name}`, () => {
    const running: Array<{ sw: RunningSwitch; clients: IsoClient[] }> = [];
    const lines: string[] = [];
    const start = async (url: string, terminalId = terminalIds[0]!) => {
      const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
      const sw = await testSwitch(url, { logger: pino({ level: 'debug' }, sink) });
      const t = await terminal(sw, terminalId);
      running.push({ sw, clients: [t] });
      return { sw, t };
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

    it('refuses a reused or rolled-back counter with 63 (logged without the PIN block) and approves the next', async () => {
      const { sw, t } = await start(database.url());
      const device = 'FFFF9876543210E00000';
      const before = (await sw.store.balance(account))!;
      expect(code(await t.send(pinSale(t, 1000, ksnOf(device, 5))))).toBe('00');
      const reused = pinSale(t, 1100, ksnOf(device, 5));
      const refused = await t.send(reused);
      expect(code(refused)).toBe('63');
      expect(refused.has('38')).toBe(false);
      expect(code(await t.send(pinSale(t, 1200, ksnOf(device, 3))))).toBe('63');
      expect(await sw.store.balance(account)).toBe(before - 1000);
      expect(code(await t.send(pinSale(t, 1300, ksnOf(device, 6))))).toBe('00');
      expect(await sw.store.balance(account)).toBe(before - 2300);
      expect(await sw.store.highestKsnCounter(device)).toBe(6);
      const row = await sw.store.byKey(terminalIds[0]!, reused.getString('11')!, reused.getString('7')!, '0200');
      expect(row).toMatchObject({ responseCode: '63', debit: 0 });
      const declined = lines.filter((line) => line.includes('"declined"') && line.includes('"code":"63"'));
      expect(declined).toHaveLength(2);
      expect(declined[0]).toContain('KSN');
      const blockHex = reused.getBuffer('52')!.toString('hex');
      expect(lines.join('').toLowerCase()).not.toContain(blockHex);
      await stop(sw);
    });

    it('a repeat of an approved PIN request gets its original answer, also once a later counter was used', async () => {
      const { sw, t } = await start(database.url());
      const device = 'FFFF9876543211E00000';
      const before = (await sw.store.balance(account))!;
      const request = pinSale(t, 2000, ksnOf(device, 10));
      const bytes = t.pack(request);
      const first = await t.sendRaw(bytes, request.getString('11')!);
      expect(code(first)).toBe('00');
      const again = await t.sendRaw(bytes, request.getString('11')!);
      expect([code(again), again.getString('37'), again.getString('38')]).toEqual(['00', first.getString('37'), first.getString('38')]);
      expect(code(await t.send(pinSale(t, 2100, ksnOf(device, 11))))).toBe('00');
      const late = await t.sendRaw(bytes, request.getString('11')!);
      expect([code(late), late.getString('37')]).toEqual(['00', first.getString('37')]);
      expect(await sw.store.balance(account)).toBe(before - 4100);
      // A refused one repeats as refused.
      const replay = pinSale(t, 2200, ksnOf(device, 11));
      const replayBytes = t.pack(replay);
      expect(code(await t.sendRaw(replayBytes, replay.getString('11')!))).toBe('63');
      expect(code(await t.sendRaw(replayBytes, replay.getString('11')!))).toBe('63');
      await stop(sw);
    });

    it('a reversal is not refused for its copied KSN; a declined PIN request uses up its counter; a request without a PIN is not checked', async () => {
      const { sw, t } = await start(database.url());
      const device = 'FFFF9876543212E00000';
      const before = (await sw.store.balance(account))!;
      const original = pinSale(t, 3000, ksnOf(device, 20));
      expect(code(await t.send(original))).toBe('00');
      // A terminal that copies every field of the original into its reversal, DE52/53 included.
      const reversal = (mti: string) => t.message(mti, {
        '2': pan, '3': '000000', '4': 3000, '22': '011', '52': original.getBuffer('52')!, '53': original.getBuffer('53')!, '90': originalDataElements(original),
      });
      expect(code(await t.send(reversal('0400')))).toBe('00');
      expect(code(await t.send(reversal('0420')))).toBe('00');
      expect(await sw.store.balance(account)).toBe(before);
      expect(code(await t.send(pinSale(t, 3100, ksnOf(device, 21), '9999')))).toBe('55');
      // The block of a declined request, sent again as a new request: its counter is spent.
      expect(code(await t.send(pinSale(t, 3100, ksnOf(device, 21))))).toBe('63');
      expect(code(await t.send(pinSale(t, 3100, ksnOf(device, 22))))).toBe('00');
      const noPin = t.message('0200', { '2': pan, '3': '000000', '4': 3200, '14': '3012', '22': '011', '25': '00', '49': '156' });
      expect(code(await t.send(noPin))).toBe('00');
      await stop(sw);
    });

    it('a replayed block counts no PIN try: neither a wrong one as a try nor a right one as a reset', async () => {
      const { t } = await start(database.url());
      const device = 'FFFF9876543215E00000';
      expect(code(await t.send(pinSale(t, 7000, ksnOf(device, 70))))).toBe('00');
      expect(code(await t.send(pinSale(t, 7100, ksnOf(device, 71), '9999')))).toBe('55');
      expect(code(await t.send(pinSale(t, 7100, ksnOf(device, 71), '9999')))).toBe('63');
      expect(code(await t.send(pinSale(t, 7200, ksnOf(device, 72), '9999')))).toBe('55');
      expect(code(await t.send(pinSale(t, 7000, ksnOf(device, 70))))).toBe('63');
      expect(code(await t.send(pinSale(t, 7300, ksnOf(device, 73), '9999')))).toBe('75');
    });

    it('the highest counter survives a restart of the switch', async () => {
      const url = database.url();
      const device = 'FFFF9876543213E00000';
      const first = await start(url);
      expect(code(await first.t.send(pinSale(first.t, 4000, ksnOf(device, 40))))).toBe('00');
      await stop(first.sw);
      const second = await start(url, terminalIds[1]); // a new terminal: the first's STANs restart at 1 within the same second (94)
      expect(code(await second.t.send(pinSale(second.t, 4100, ksnOf(device, 40))))).toBe('63');
      expect(code(await second.t.send(pinSale(second.t, 4200, ksnOf(device, 41))))).toBe('00');
      await stop(second.sw);
    });

    if (database.name === 'postgres') it('two switch processes on one database: of two requests with the same counter exactly one passes', async () => {
      const url = database.url();
      const device = 'FFFF9876543214E00000';
      const a = await start(url, terminalIds[0]);
      const b = await start(url, terminalIds[1]);
      for (let counter = 1; counter <= 12; counter++) {
        const ksn = ksnOf(device, counter);
        const answers = await Promise.all([a.t.send(pinSale(a.t, 5000 + 100 * counter, ksn)), b.t.send(pinSale(b.t, 6000 + 100 * counter, ksn))]);
        expect(answers.map(code).sort(), `counter ${counter}`).toEqual(['00', '63']);
      }
      expect(await a.sw.store.highestKsnCounter(device)).toBe(12);
      await stop(a.sw);
      await stop(b.sw);
    });
  });
}
