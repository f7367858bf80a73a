// How pos load ends when it is not the duration that ends it. A terminal's unexpected error (DE42 of
// 30 characters: the encoder threw in each terminal) rejected the run but left every connection open:
// the process printed the error and never exited. Ctrl-C exited 130 at once, with no summary and no
// reversal: a sale whose answer was still owed stayed charged on the switch.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { runLoad } from '../../cli/load/generator.js';
import { main } from '../../cli/main.js';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { testTmk } from '../../switch/config.js';
import { capture } from '../support/cli.js';
import { aSwitch, stops } from '../support/load-switch.js';

const root = resolve(import.meta.dirname, '../..');

/** A TCP proxy in front of the switch that passes requests on and drops the answers to sales (0210): the sale is approved, its answer never heard. */
async function salesAnswerLost(target: number): Promise<{ port: number; mtis: string[] }> {
  const mtis: string[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.push(client, upstream);
    for (const s of [client, upstream]) s.on('error', () => {});
    const up = new Deframer({ length: 'binary2' });
    const down = new Deframer({ length: 'binary2' });
    client.on('data', (chunk) => {
      for (const body of up.push(chunk)) {
        mtis.push(IsoMessage.unpack(specs.default, body).mti);
        upstream.write(frame(body, { length: 'binary2' }));
      }
    });
    upstream.on('data', (chunk) => {
      for (const body of down.push(chunk)) if (IsoMessage.unpack(specs.default, body).mti !== '0210') client.write(frame(body, { length: 'binary2' }));
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((done) => server.close(done));
  });
  return { port: (server.address() as net.AddressInfo).port, mtis };
}

/** `pos load` as a process; resolves with it once its first progress line is on stderr (a second into the run). */
function spawnLoad(args: string[]) {
  const child = spawn(process.execPath, ['cli/pos.mjs', 'load', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  stops.push(async () => void child.kill('SIGKILL'));
  let stdout = '';
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const progress = new Promise<void>((done) => createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line) === 1 && done()));
  return { child, exited, progress, stdout: () => stdout, stderr };
}

describe('pos load: an unexpected error in a terminal', () => {
  it('--merchant longer than DE42: one line naming the option, exit 2, no connection made', async () => {
    const sw = await aSwitch();
    const io = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '1', '--duration', '1', '--merchant', '123456789012345678901234567890'], io)).toBe(2);
    expect(io.stderr).toEqual(['pos load: --merchant: 15 printable ASCII characters (DE42), got (30 characters, not shown)']);
    expect(sw.metrics.connectionsTotal).toBe(0);
  });

  it('ends the run at once for every terminal and closes every connection, then throws it', async () => {
    const sw = await aSwitch();
    const run = runLoad({ port: sw.port, terminals: 2, rate: 0, durationMs: 60_000, tmk: testTmk, merchantId: 'X'.repeat(30) });
    await expect(run).rejects.toThrow(/field 42: length 30 exceeds the maximum 15/);
    // The switch sees both connections closed (before: both stayed open for the whole minute).
    for (let i = 0; i < 40 && sw.metrics.connections > 0; i++) await new Promise((done) => setTimeout(done, 25));
    expect(sw.metrics.connectionsTotal).toBe(2);
    expect(sw.metrics.connections).toBe(0);
  });
});

describe('pos load: Ctrl-C', () => {
  it('the first SIGINT ends the run as --duration would: the sale in flight reversed, the summary, exit 130', async () => {
    const sw = await aSwitch();
    const host = await salesAnswerLost(sw.port);
    // One terminal, a 60 s run: its first sale's answer is lost, and the 2 s timeout is still running at the Ctrl-C.
    const load = spawnLoad(['--port', String(host.port), '--terminals', '1', '--rate', '1', '--duration', '60', '--timeout-ms', '2000', '--json']);
    await load.progress;
    load.child.kill('SIGINT');
    expect(await load.exited).toBe(130);
    const summary = JSON.parse(load.stdout()) as { sent: number; unanswered: number; unansweredReversed: number; interrupted: boolean; elapsedMs: number };
    expect(summary).toMatchObject({ sent: 1, unanswered: 1, unansweredReversed: 1, interrupted: true });
    expect(summary.elapsedMs).toBeLessThan(10_000);
    expect(host.mtis).toEqual(['0800', '0200', '0400']);
    const sales = (await sw.store.search({ limit: 10, terminalId: 'L0000001' })).filter((row) => row.mti === '0200');
    expect(sales.map((row) => [row.responseCode, row.closed])).toEqual([['00', 'reversed']]);
    expect(load.stderr).toContain('interrupted: ending the run (reversing what is unanswered); Ctrl-C again to quit at once');
  }, 20_000);

  it('a second SIGINT quits at once: exit 130 without waiting for the answer owed, no summary', async () => {
    const sw = await aSwitch();
    const host = await salesAnswerLost(sw.port);
    // A 60 s answer timeout: only the second Ctrl-C can end this run within the test's time.
    const load = spawnLoad(['--port', String(host.port), '--terminals', '1', '--rate', '1', '--duration', '60', '--timeout-ms', '60000', '--json']);
    await load.progress;
    load.child.kill('SIGINT');
    await new Promise((done) => setTimeout(done, 200));
    load.child.kill('SIGINT');
    expect(await load.exited).toBe(130);
    expect(load.stdout()).toBe('');
  }, 20_000);

  // Review of session 13: a Ctrl-C before any terminal had signed on was reported as the host's failure
  // ("no terminal could sign on", exit 1), without the summary.
  it('a SIGINT before any terminal signed on: the summary ("interrupted": true) and exit 130, not the host blamed', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => void accepted.push(socket.on('error', () => undefined)));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    stops.push(() => new Promise((done) => (accepted.forEach((socket) => socket.destroy()), silent.close(() => done()))));
    const port = (silent.address() as net.AddressInfo).port;
    const load = spawnLoad(['--port', String(port), '--terminals', '2', '--duration', '30', '--timeout-ms', '5000', '--json']);
    await load.progress;
    load.child.kill('SIGINT');
    expect(await load.exited).toBe(130);
    expect(JSON.parse(load.stdout())).toMatchObject({ sent: 0, neverSignedOn: 2, interrupted: true });
    expect(load.stderr.some((line) => line.includes('no terminal could sign on'))).toBe(false);
  }, 20_000);
});
