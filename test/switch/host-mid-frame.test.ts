// A terminal connection that closes in the middle of a frame (its length header announced N bytes,
// fewer came) over real TCP: the switch warns, naming the connection and how much of the frame
// came, never the frame's bytes; and it goes on serving other connections. Before, the partial frame
// was dropped without a word.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { terminal, testSwitch } from './harness.js';

interface LogLine {
  level: number;
  msg: string;
  remote?: string;
  connection?: number;
  [field: string]: unknown;
}

/** The switch's log lines, raw and parsed, and a wait for the first line a test looks for. */
const raw: string[] = [];
const lines: LogLine[] = [];
const waiters: Array<{ matches: (line: LogLine) => boolean; found: (line: LogLine) => void }> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    raw.push(String(chunk));
    const line = JSON.parse(String(chunk)) as LogLine;
    lines.push(line);
    for (const waiter of [...waiters]) if (waiter.matches(line)) waiters.splice(waiters.indexOf(waiter), 1), waiter.found(line);
    done();
  },
});
const logged = (matches: (line: LogLine) => boolean) =>
  new Promise<LogLine>((found) => {
    const seen = lines.find(matches);
    if (seen) found(seen);
    else waiters.push({ matches, found });
  });

/** A raw TCP connection to the switch, and the `remote` its log lines carry (the switch listens on IPv6 too: an IPv4-mapped address). */
async function open(port: number): Promise<{ socket: net.Socket; remote: string }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const remote = await logged((line) => line.msg === 'connected' && line.remote!.endsWith(`127.0.0.1:${socket.localPort}`));
  return { socket, remote: remote.remote! };
}

const sale = (t: IsoClient) => t.message('0200', { '2': '4111111111111111', '3': '000000', '4': 100, '14': '3012', '22': '011', '25': '00', '49': '156' });

/** A Visa test PAN as the start of a frame's body: it must not reach the log in any form. */
const pan = '4761739001010119';
const headerOf = (length: number) => Buffer.from([length >> 8, length & 0xff]);

/** An echo test (0800, DE70 301) framed, then `after` (bytes of a frame begun); resolves when the echo is answered: the switch has read `after` too. */
async function echoThen(socket: net.Socket, after: Buffer): Promise<void> {
  const echo = new IsoMessage(specs.default, '0800').set('7', '1128120000').set('11', '000001').set('41', 'T0000003').set('70', '301').pack();
  const answered = new Promise((resolve) => socket.once('data', resolve));
  socket.write(Buffer.concat([headerOf(echo.length), echo, after]));
  await answered;
}

describe('switch host: a connection closed mid-frame', () => {
  let sw: RunningSwitch;
  beforeAll(async () => {
    sw = await testSwitch(':memory:', { logger: pino({ level: 'debug' }, sink), frameTimeoutMs: 300 });
  });
  afterAll(async () => {
    await sw?.stop();
  });

  it('the peer ends it after 16 of 180 announced bytes: a warning naming the connection and the bytes missing, not the bytes', async () => {
    const { socket, remote } = await open(sw.port);
    socket.write(Buffer.concat([headerOf(180), Buffer.from(pan, 'latin1')]));
    socket.end();
    const warning = await logged((line) => line.remote === remote && line.level === 40);
    expect(warning).toMatchObject({ msg: 'connection closed mid-frame: 16 of 180 announced bytes received', announced: 180, received: 16, missing: 164 });
    expect(warning.connection).toEqual(expect.any(Number));
    const everything = raw.join('');
    for (const form of [pan, Buffer.from(pan, 'latin1').toString('hex'), Buffer.from(pan, 'latin1').toString('base64'), pan.slice(6)]) expect(everything).not.toContain(form);
  });

  it('a reset after one byte of the length header: warned once, naming the header bytes received', async () => {
    const { socket, remote } = await open(sw.port);
    // Read by the switch before the reset, which may discard data not read yet.
    await echoThen(socket, Buffer.from([0x00]));
    socket.resetAndDestroy();
    await logged((line) => line.remote === remote && line.msg === 'disconnected');
    const warnings = lines.filter((line) => line.remote === remote && line.level === 40);
    expect(warnings.map((line) => line.msg)).toEqual(['connection closed mid-frame: 1 of the 2 bytes of the length header received']);
  });

  it('a close between frames, or a frame the switch itself times out, is no mid-frame warning', async () => {
    const clean = await open(sw.port);
    await echoThen(clean.socket, Buffer.alloc(0));
    clean.socket.end();
    await logged((line) => line.remote === clean.remote && line.msg === 'disconnected');
    const stalled = await open(sw.port);
    stalled.socket.write(Buffer.concat([headerOf(180), Buffer.alloc(10, 0x30)]));
    await logged((line) => line.remote === stalled.remote && line.msg === 'disconnected');
    expect(lines.filter((line) => line.remote === stalled.remote && line.level === 40).map((line) => line.msg)).toEqual(['frame not completed in time: connection closed']);
    expect(lines.filter((line) => [clean.remote, stalled.remote].includes(line.remote!) && line.msg.includes('mid-frame'))).toEqual([]);
  });

  it('the switch goes on serving: a terminal connected before and one connected after are answered', async () => {
    const before = await terminal(sw);
    const { socket, remote } = await open(sw.port);
    socket.write(Buffer.concat([headerOf(100), Buffer.alloc(40, 0x30)]));
    socket.end();
    await logged((line) => line.remote === remote && line.msg === 'connection closed mid-frame: 40 of 100 announced bytes received');
    const after = await terminal(sw, 'T0000002');
    expect((await before.send(sale(before))).getString('39')).toBe('00');
    expect((await after.send(sale(after))).getString('39')).toBe('00');
    await Promise.all([before.close(), after.close()]);
  });
});

describe('Deframer.partial: what the switch reports of a frame cut short', () => {
  it('each length header: nothing begun, a header begun, a body begun; counts only', () => {
    for (const [length, size] of [['binary2', 2], ['bcd2', 2], ['ascii4', 4]] as const) {
      const deframer = new Deframer({ length });
      const whole = frame(Buffer.alloc(180, 0x31), { length });
      expect(deframer.push(whole)).toHaveLength(1);
      expect(deframer.partial).toBeUndefined();
      deframer.push(whole.subarray(0, 1));
      expect(deframer.partial).toEqual({ announced: undefined, received: 1, headerSize: size });
      // A whole frame before the part: only the part is reported.
      expect(deframer.push(Buffer.concat([whole.subarray(1), whole.subarray(0, size + 12)]))).toHaveLength(1);
      expect(deframer.partial).toEqual({ announced: 180, received: 12, headerSize: size });
    }
  });

  it('no length header: each chunk is a message, nothing is ever partial', () => {
    const deframer = new Deframer({ length: 'none' });
    deframer.push(Buffer.alloc(5));
    expect(deframer.partial).toBeUndefined();
  });
});
