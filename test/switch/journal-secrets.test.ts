// The secrets rule on the switch alone, for both journals: requests that carry a PAN, a track 2, a
// PIN block under the TPK and under DUKPT (a right and a wrong PIN), a contactless DE55 and a wallet
// payment code, approved and declined, with the switch logging at debug. Then the journal (SQLite:
// the database and its WAL, while running and after stop; PostgreSQL: every table of the schema, as
// the server returns it) and the log are searched for each secret, as text and as bytes.
import { readFileSync, existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { encipherPinBlock } from '../../protocols/crypto/index.js';
import { testCards } from '../../protocols/testcards.js';
import { testDatabases } from './databases.js';
import { contactlessDe55, dukptPinBlock, ksnOf, terminal, testBdk, testSwitch, tmk } from './harness.js';

const track2 = '5555555555554444=30122011234567890';
const paymentCode = '134567890123456789';

/** Every table of a PostgreSQL schema, rows as JSON text (bytea as \x… hex). */
async function dumpSchema(url: string): Promise<string> {
  const schema = new URL(url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: process.env.POS_TEST_PG_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    expect(tables.rows.map((row) => row.table_name)).toContain('transactions');
    let text = '';
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" t`);
      text += rows.rows.map((row: { row: string }) => row.row).join('\n');
    }
    return text;
  } finally {
    await client.end();
  }
}

function sqliteFiles(path: string): string {
  return ['', '-wal'].map((suffix) => (existsSync(path + suffix) ? readFileSync(path + suffix).toString('latin1') : '')).join('\n');
}

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`secrets in the ${database.name} journal and the switch's log`, () => {
    afterAll(() => database.cleanup());

    it('no PAN, track 2, PIN block, payment code or key is written', async () => {
      const logLines: string[] = [];
      const url = database.url();
      const sw = await testSwitch(url, { logger: pino({ level: 'debug' }, new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) })) });
      let t: IsoClient | undefined;
      const places: Record<string, string> = {};
      const secrets: Record<string, string> = { track2, 'track 2 after the separator': track2.split('=')[1]!, 'payment code': paymentCode, TMK: tmk, BDK: testBdk.toString('hex') };
      try {
        t = await terminal(sw);
        secrets.TPK = t.tpk!.toString('hex');
        const send = async (fields: Record<string, string | number | Buffer>) => (await t!.send(t!.message('0200', { '3': '000000', '25': '00', '49': '156', ...fields }))).getString('39');

        expect(await send({ '4': 500, '22': '021', '35': track2 })).toBe('00');
        expect(await send({ '4': 551, '22': '021', '35': track2 })).toBe('51'); // cents .51 (docs/test-cards.md)

        const visa = testCards.visa;
        secrets['Visa PAN'] = visa.pan;
        const underTpk = encipherPinBlock(t.tpk!, { format: 0, pin: '1234', pan: visa.pan });
        secrets['PIN block under the TPK'] = underTpk.toString('hex');
        expect(await send({ '2': visa.pan, '4': 3000, '14': visa.expiry.slice(0, 4), '22': '071', '23': `0${visa.psn}`, '26': '12', '52': underTpk, ...contactlessDe55('visa', 3000) })).toBe('00');

        const pan = '4111111111111111';
        secrets['magstripe PAN'] = pan;
        const right = dukptPinBlock(ksnOf('FFFF9876543210E00000', 1), '1234', pan);
        const wrong = dukptPinBlock(ksnOf('FFFF9876543210E00000', 2), '9999', pan);
        secrets['DUKPT PIN block'] = right.toString('hex');
        secrets['wrong DUKPT PIN block'] = wrong.toString('hex');
        const dukpt = (block: Buffer, counter: number) => ({ '2': pan, '4': 1200, '14': '3012', '22': '011', '26': '12', '52': block, '53': ksnOf('FFFF9876543210E00000', counter) });
        expect(await send(dukpt(right, 1))).toBe('00');
        expect(await send(dukpt(wrong, 2))).toBe('55');

        expect(await send({ '4': 700, '22': '031', '48.QR': paymentCode, '48.WS': 'ALIPAY' })).toBe('14'); // another wallet's code
        expect(await send({ '4': 700, '22': '031', '48.QR': paymentCode, '48.WS': 'WECHAT' })).toBe('00');

        if (database.name === 'sqlite') places['the journal while running'] = sqliteFiles(url);
      } finally {
        await t?.close();
        await sw.stop();
      }
      places['the journal'] = database.name === 'sqlite' ? sqliteFiles(url) : await dumpSchema(url);
      places['the log'] = logLines.join('');
      expect(places['the log'].length).toBeGreaterThan(1000); // debug logging really ran
      expect(places['the journal']).toContain('555555'); // masked PANs are there: the journal was read

      const found: string[] = [];
      for (const [place, text] of Object.entries(places)) {
        for (const [what, secret] of Object.entries(secrets)) {
          if (text.toLowerCase().includes(secret.toLowerCase())) found.push(`${what} in ${place}`);
          if (/^[0-9a-f]{16,}$/i.test(secret) && text.includes(Buffer.from(secret, 'hex').toString('latin1'))) found.push(`${what} (as bytes) in ${place}`);
        }
      }
      expect(found).toEqual([]);
    }, 30_000);
  });
}
