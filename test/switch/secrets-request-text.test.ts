// Free text a terminal chooses (DE48 WS, DE42) must not carry a PAN into the switch's log, journal or
// admin answers: an unknown wallet is refused (15) and kept as `unknown`, a foreign DE42 is logged
// masked. And a reversal's 12 says why (another amount or card: no partial reversal).
import { readFileSync, existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, terminal, testSwitch } from './harness.js';

// Visa and American Express test PANs (Visa: EMVCo/ADVT test card; Amex: its published test number).
const panInWallet = '4761739001010010';
const panInMerchant = '378282246310005';
const token = 'test-admin-token';

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`terminal-chosen text on the ${database.name} journal`, () => {
    const logLines: string[] = [];
    const url = database.url();
    let sw: RunningSwitch;
    let t: IsoClient;
    const send = async (mti: string, fields: Record<string, string | number | Buffer>) => (await t.send(t.message(mti, { '3': '000000', '25': '00', '49': '156', ...fields }))).getString('39');
    const log = () => logLines.join('');
    const transactions = async () =>
      (await fetch(`http://127.0.0.1:${sw.adminPort}/transactions`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<{ transactions: Array<Record<string, unknown>> }>;

    beforeAll(async () => {
      const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }));
      sw = await testSwitch(url, { logger, adminPort: 0, adminToken: token });
      t = await terminal(sw);
    });
    afterAll(async () => {
      await t?.close();
      await sw?.stop();
      await database.cleanup();
    });

    it('refuses an unknown wallet (15) and keeps it as `unknown`: never the value in the log, journal, fingerprint or admin answer', async () => {
      expect(await send('0200', { '4': 700, '22': '031', '48.QR': '134567890123456789', '48.WS': panInWallet })).toBe('15');
      // A void is not routed (no refusal): what it names as its wallet is stored as `unknown` all the same.
      expect(await send('0200', { '3': '020000', '4': 700, '22': '031', '48.WS': panInWallet, '61.1': '000001', '61.2': '999999', '61.3': '0101' })).toBe('25');
      // A known wallet stays named.
      expect(await send('0200', { '4': 700, '22': '031', '48.QR': '134567890123456789', '48.WS': 'WECHAT' })).toBe('00');

      const rows = (await transactions()).transactions;
      expect(rows.map((row) => row.wallet)).toEqual(['WECHAT', 'unknown', 'unknown']);
      const journal = await sw.store.search({ limit: 10 });
      expect(journal.filter((row) => row.wallet === 'unknown').map((row) => row.fingerprint.split(':')[4])).toEqual(['unknown', 'unknown']);
      expect(log()).toContain('no such wallet');
      const places = { log: log(), admin: JSON.stringify(rows), journal: JSON.stringify(journal), files: database.name === 'sqlite' ? sqliteFiles(url) : '' };
      for (const [place, text] of Object.entries(places)) expect(text.includes(panInWallet), place).toBe(false);
    });

    it('logs a DE42 that is not the terminal\'s merchant with its PAN masked', async () => {
      expect(await send('0200', { '2': '5555555555554444', '4': 800, '14': '3012', '22': '011', '42': panInMerchant })).toBe('03');
      expect(log()).toContain('merchant \\"378282*****0005\\" is not the terminal\'s');
      expect(log()).not.toContain(panInMerchant);
    });

    it('says why a reversal of another amount or card is 12: no partial reversal', async () => {
      const sale = t.message('0200', { '2': '5555555555554444', '3': '000000', '4': 5000, '14': '3012', '22': '011', '25': '00', '49': '156' });
      expect((await t.send(sale)).getString('39')).toBe('00');
      const reversal = t.message('0400', { '2': '5555555555554444', '3': '000000', '4': 100, '22': '011', '49': '156', '90': originalDataElements(sale) });
      expect((await t.send(reversal)).getString('39')).toBe('12');
      const line = logLines.map((text) => JSON.parse(text) as { stan?: string; reason?: string }).find((entry) => entry.stan === reversal.getString('11'));
      expect(line?.reason).toMatch(/reversal of another amount or card \(12: no partial reversal\)/);
    });
  });
}

function sqliteFiles(path: string): string {
  return ['', '-wal'].map((suffix) => (existsSync(path + suffix) ? readFileSync(path + suffix).toString('latin1') : '')).join('\n');
}
