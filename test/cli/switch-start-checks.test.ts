// pos switch refuses at start what would only fail later. Before: a built-in spec other than default,
// or the documented acme-host.json, started and then failed every terminal's sign-on (DE96 too short,
// DE39 '000', DE7 undefined); a --terminals file with a JSON syntax error had V8 quote its text (a TMK)
// in the error; --port <in use> left data/switch.db behind; --db '' and --db sqlite: opened an
// anonymous temporary SQLite file as the journal.
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { switchSpecProblem } from '../../cli/switch-spec.js';
import { main } from '../../cli/main.js';
import { parseSpecJson, specs, type MessageSpec } from '../../protocols/iso8583/index.js';
import { testTmk } from '../../switch/config.js';
import { JournalOpenError, startSwitch } from '../../switch/index.js';
import { capture, cleanupsAfterEach, runPos, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();
const acmeHost = resolve(import.meta.dirname, '../../docs/examples/acme-host.json');

async function refused(args: string[]): Promise<string> {
  const io = capture();
  expect(await main(['switch', ...args], io)).toBe(2);
  const lines = io.stderr.join('').trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** A spec unlike default (no TPDU, ASCII MTI and numerics, hex bitmap) with only the fields the switch needs. */
const ascii = (length: number, prefix?: 'LL' | 'LLL') => ({ name: 'f', type: 'ans', length, encoding: 'ascii', ...(prefix ? { prefix } : {}) });
const minimal = parseSpecJson(
  JSON.stringify({
    name: 'minimal',
    mtiEncoding: 'ascii',
    bitmap: { encoding: 'hex' },
    fields: {
      2: { name: 'PAN', type: 'n', length: 19, encoding: 'ascii', prefix: 'LL' },
      3: { name: 'f', type: 'n', length: 6, encoding: 'ascii' },
      4: { name: 'f', type: 'n', length: 12, encoding: 'ascii' },
      7: { name: 'f', type: 'n', length: 10, encoding: 'ascii' },
      11: { name: 'f', type: 'n', length: 6, encoding: 'ascii' },
      37: ascii(12), 38: ascii(6), 39: ascii(2), 41: ascii(8), 42: ascii(15),
      64: { name: 'MAC', type: 'b', length: 8, encoding: 'binary' },
      70: { name: 'f', type: 'n', length: 3, encoding: 'ascii' },
      96: { name: 'Keys', type: 'b', length: 999, encoding: 'binary', prefix: 'LLL', prefixEncoding: 'ascii' },
    },
  }),
  'minimal.json',
);

describe('pos switch --spec: refused at start unless the switch can speak it', () => {
  it.each([
    ['iso87ascii', 'field 96 (key exchange: TPK and TAK under the TMK): length 50 exceeds the maximum 16'],
    ['iso87binary', 'field 96 (key exchange: TPK and TAK under the TMK): length 50 exceeds the maximum 16'],
    ['iso93ascii', "field 39 (response code, 2 characters): '00' reads back as '000'"],
    ['iso93binary', "field 39 (response code, 2 characters): '00' reads back as '000'"],
    [acmeHost, 'field 7 (transmission date and time, part of the request key) not defined'],
  ])('%s', async (spec, problem) => {
    expect(await refused(['--spec', spec, '--db', ':memory:'])).toBe(`pos switch: --spec ${spec}: the switch cannot use it: ${problem} (see pos switch --help)`);
  });

  it('names a MAC field that is not the last 8 bytes, and a field defined unlike the switch reads it', () => {
    const with64 = (field: object): MessageSpec => ({ ...minimal, fields: { ...minimal.fields, 64: field as MessageSpec['fields'][number] } });
    expect(switchSpecProblem(with64({ name: 'MAC', type: 'b', length: 8, encoding: 'hex' }))).toBe('field 64 (MAC): not the last 8 bytes as sent (fixed 8 bytes, binary)');
    expect(switchSpecProblem({ ...minimal, fields: { ...minimal.fields, 49: { name: 'f', type: 'n', length: 4, encoding: 'ascii' } } })).toBe("field 49 (currency): '156' reads back as '0156'");
  });

  it('takes default and a spec with only the fields it needs, and a terminal signs on and is approved under it', async () => {
    expect(switchSpecProblem(specs.default)).toBeUndefined();
    expect(switchSpecProblem(minimal)).toBeUndefined();
    const sw = await startSwitch({ db: ':memory:', spec: minimal, logger: pino({ level: 'silent' }), enrollUnknown: { tmk: testTmk } });
    cleanups.push(() => sw.stop());
    const client = await IsoClient.connect({ port: sw.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, spec: minimal, timeoutMs: 2000 });
    cleanups.push(() => client.close());
    expect((await client.signOn()).getString('39')).toBe('00');
    const sale = await client.send(client.message('0200', { '2': '4111111111111111', '3': '000000', '4': '000000001000' }));
    expect([sale.getString('39'), sale.getString('38')?.length, sale.has('64')]).toEqual(['00', 6, true]);
  });
});

describe('pos switch --terminals: a JSON syntax error', () => {
  it('names the file and the position, never the text (it holds TMKs)', async () => {
    const file = join(tempDir(cleanups), 't.json');
    for (const text of [`[{"id":"T0000001","merchantId":"M00000000000001","tmk":'0123456789ABCDEF0123456789ABCDEF'}]`, `[{"id":"T0000001","tmk":"0123456789ABCDEF0123456789ABCDEF"`, `[{"tmk":"0123456789ABCDEF0123456789ABCDEF" "id":1}]`]) {
      writeFileSync(file, text);
      const line = await refused(['--terminals', file, '--db', ':memory:']);
      expect(line).toMatch(new RegExp(`^pos switch: --terminals ${file}: not valid JSON`));
      expect(line).not.toMatch(/0123|CDEF|tmk/);
    }
  });
});

describe('pos switch --db', () => {
  it.each([[''], ['sqlite:']])('refuses %j (SQLite would open an anonymous temporary file)', async (db) => {
    expect(await refused(['--db', db])).toBe(`pos switch: --db '${db}': no file named (sqlite:PATH or PATH; :memory: only for tests)`);
  });

  it.each([[''], ['sqlite:']])('startSwitch({ db: %j }) does not open either', async (db) => {
    await expect(startSwitch({ db })).rejects.toThrow(new JournalOpenError(new Error('no SQLite file named (sqlite:PATH, PATH, or :memory: for tests)')));
  });
});

describe('pos switch: a port in use', () => {
  async function busyPort(): Promise<string> {
    const busy: Server = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    cleanups.push(() => new Promise<void>((done) => busy.close(() => done())));
    return String((busy.address() as { port: number }).port);
  }

  it('--port: refused with no data/ folder made (the default journal)', async () => {
    const port = await busyPort();
    const cwd = tempDir(cleanups);
    const result = await runPos(['switch', '--port', port, '--admin-port', '0'], cwd);
    expect([result.code, result.stderr.trim()]).toEqual([2, `pos switch: --port ${port}: in use`]);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--admin-port: refused with no journal file made', async () => {
    const port = await busyPort();
    const dir = tempDir(cleanups);
    expect(await refused(['--port', '0', '--admin-port', port, '--db', `sqlite:${join(dir, 'journal.db')}`])).toBe(`pos switch: --admin-port ${port}: in use`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
