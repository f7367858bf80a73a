// What a broken or hostile terminal sent in the review of session 12, each of which the switch got wrong:
// frames after a bad one in the same chunk were still processed (a sale journaled with no answer
// possible), a byte above 0x7F in an echoed text field was journaled and then could not be answered, an
// answer's MTI was logged as an internal packing failure, a DE35 without its separator was taken whole
// for the PAN (its last four digits the discretionary data's), late answers were held without bound,
// and a burst of refused connections was logged as one.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { frame } from '../../protocols/framing/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { terminal, testSwitch } from './harness.js';

const sale = (t: IsoClient, amount: number, extra: Record<string, string | number | Buffer> = {}) =>
  t.message('0200', { '2': '5555555555554444', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156', ...extra });

/** A switch whose log lines are kept (parsed). */
async function loggedSwitch(over: Parameters<typeof testSwitch>[1] = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) });
  const sw = await testSwitch(':memory:', { logger: pino({ level: 'info' }, sink), ...over });
  return { sw, lines };
}

async function connected(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('switch host, bad input (review of session 12)', () => {
  let sw: RunningSwitch | undefined;
  afterEach(async () => {
    await sw?.stop();
    sw = undefined;
  });

  it('a frame that does not decode closes the connection, and the frames read with it do not run', async () => {
    const started = await loggedSwitch();
    sw = started.sw;
    const t = await terminal(sw);
    const valid = frame(t.pack(sale(t, 1000)), { length: 'binary2' });
    const socket = await connected(sw.port);
    const gone = closed(socket);
    // A 1-byte frame, then a MAC'd sale, in one write.
    socket.write(Buffer.concat([Buffer.from([0x00, 0x01, 0x00]), valid]));
    await gone;
    // 300 empty frames in one write: one connection, one warning.
    const flood = await connected(sw.port);
    const floodGone = closed(flood);
    flood.write(Buffer.alloc(600));
    await floodGone;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await sw.store.search({ limit: 10 })).toEqual([]);
    expect(started.lines.filter((line) => String(line.msg).includes('connection closed') && line.level === 40)).toHaveLength(2);
    await t.close();
  });

  it('a byte above 0x7F in a text field the answer echoes, or an answer\'s MTI, is undecodable: a warning, nothing journaled', async () => {
    const started = await loggedSwitch();
    sw = started.sw;
    const t = await terminal(sw);
    const merchant = sale(t, 1000);
    const bytes = frame(t.pack(merchant), { length: 'binary2' });
    // DE42 M00000000000001 → Mé…: the MAC is computed over the bytes as sent, so only the codec can refuse it.
    const at = bytes.indexOf(Buffer.from('M00000000000001'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = 0xe9;
    for (const payload of [bytes, frame(t.message('0810', { '39': '00', '70': '001' }).pack(), { length: 'binary2' })]) {
      const socket = await connected(sw.port);
      const gone = closed(socket);
      socket.write(payload);
      await gone;
    }
    expect(await sw.store.search({ limit: 10 })).toEqual([]);
    const closings = started.lines.filter((line) => line.msg === 'undecodable message: connection closed');
    expect(closings.map((line) => [line.level, line.reason])).toEqual([
      [40, expect.stringMatching(/^ISO 8583 field 42 at byte \d+: holds a byte above 0x7F: the answer could not echo it$/)],
      [40, 'ISO 8583 MTI at byte 5: 0810 is a response, not a request'],
    ]);
    expect(started.lines.some((line) => line.level === 50)).toBe(false);
    await t.close();
  });

  it('a DE35 without its separator is 30: no PAN is taken from it', async () => {
    const started = await loggedSwitch();
    sw = started.sw;
    const t = await terminal(sw);
    const answer = await t.send(t.message('0200', { '3': '000000', '4': 1000, '22': '021', '25': '00', '35': '5555555555554444301210112345987', '49': '156' }));
    expect(answer.getString('39')).toBe('30');
    const declined = started.lines.find((line) => line.msg === 'declined')!;
    expect(declined.reason).toBe('format: field 35 is no track 2 (a PAN of 12 to 19 digits, then = or D)');
    expect(JSON.stringify(started.lines)).not.toContain('9876');
    await t.close();
  });

  it('an answer held back counts against maxInFlightPerConnection until sent', async () => {
    sw = await testSwitch(':memory:', { maxInFlightPerConnection: 2, lateAnswerMs: 300 });
    const t = await terminal(sw);
    const started = Date.now();
    const answers = Promise.all([1098, 1198, 1298, 1398].map((amount) => t.send(sale(t, amount))));
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Two journaled and held; the other two not read yet.
    expect(await sw.store.search({ limit: 10 })).toHaveLength(2);
    expect((await answers).map((a) => a.getString('39'))).toEqual(['00', '00', '00', '00']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(580);
    await t.close();
  });

  it('a burst of refused connections is logged whole, the rest a second after the first line', async () => {
    const started = await loggedSwitch({ maxConnections: 1 });
    sw = started.sw;
    const first = await connected(sw.port);
    await Promise.all(Array.from({ length: 6 }, () => closed(net.connect(sw!.port, '127.0.0.1').on('error', () => {}))));
    const refused = () => started.lines.filter((line) => line.msg === 'connection limit reached: new connections closed').reduce((sum, line) => sum + Number(line.refused), 0);
    await expect.poll(refused, { timeout: 3000 }).toBe(6);
    first.destroy();
  });
});
