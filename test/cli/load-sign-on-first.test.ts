// The load generator's sign-on phase (LoadOptions.signOnFirst), which bench:switch's loads use. Before,
// each terminal signed on within the run's duration, which cut its wait to what was left: the bench's
// one-second warm-up at 256 connections left 61 terminals unanswered on a quiet machine ("sign-on
// unanswered (no answer to STAN 000001) (61)"), their sign-ons queued behind the sales of the
// terminals signed on first. A duration too short for any sign-on (1 ms) shows it without timing.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runLoad } from '../../cli/load/generator.js';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { testTmk } from '../../switch/config.js';
import { benchLoad, SignOnShortfall } from '../../bench/support/sign-on.js';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';
import { aSwitch, stops } from '../support/load-switch.js';

const sales = { sale: 1, refund: 0, reversal: 0 };

/** The switch's answers counted by MTI and DE39 (its metrics), e.g. answered(sw, '0810', '00'). */
const answered = (text: string, mti: string, code: string) => Number(text.match(new RegExp(`mti="${mti}",code="${code}"} (\\d+)`))?.[1] ?? 0);

/**
 * A TCP proxy in front of a switch that notes each sign-on (terminal, STAN, connection) and how many
 * were unanswered at once at most; `swallows` sign-ons it keeps from the switch (they go unanswered).
 */
async function signOnProxy(target: number, swallows: (terminal: string, nth: number) => boolean = () => false) {
  const signOns: Array<{ terminal: string; stan: string; connection: number }> = [];
  const state = { outstanding: 0, most: 0 };
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const connection = sockets.length;
    const upstream = net.connect(target, '127.0.0.1');
    sockets.push(client, upstream);
    for (const s of [client, upstream]) s.on('error', () => {});
    const fromClient = new Deframer({ length: 'binary2' });
    const fromSwitch = new Deframer({ length: 'binary2' });
    client.on('data', (chunk) => {
      for (const body of fromClient.push(chunk)) {
        const request = IsoMessage.unpack(specs.default, body);
        if (request.mti === '0800') {
          const terminal = request.getString('41')!;
          signOns.push({ terminal, stan: request.getString('11')!, connection });
          if (swallows(terminal, signOns.filter((s) => s.terminal === terminal).length)) continue;
          state.most = Math.max(state.most, ++state.outstanding);
        }
        upstream.write(frame(body, { length: 'binary2' }));
      }
    });
    upstream.on('data', (chunk) => {
      for (const body of fromSwitch.push(chunk)) {
        if (IsoMessage.unpack(specs.default, body).mti === '0810') state.outstanding--;
        client.write(frame(body, { length: 'binary2' }));
      }
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((done) => server.close(done));
  });
  return { port: (server.address() as net.AddressInfo).port, signOns, state };
}

describe('pos load generator: signing on before the duration', () => {
  it("bench:switch's load: 256 terminals all sign on before the duration starts, though it is too short for any sign-on", async () => {
    const sw = await aSwitch();
    let atStart = '';
    const result = await benchLoad('256 connections, warm-up', { port: sw.port, terminals: 256, terminalPrefix: 'B1', rate: 0, durationMs: 1, timeoutMs: 60_000, tmk: testTmk, mix: sales }, () => {
      atStart = sw.metrics.text();
    });
    expect(result.neverSignedOn).toBe(0);
    // When the duration started: every sign-on answered 00, no sale yet.
    expect(answered(atStart, '0810', '00')).toBe(256);
    expect(atStart).not.toContain('mti="0210"');
    // Without the phase, 1 ms leaves no time to sign on (the run ends at its duration): what the bench did within its warm-up.
    const within = await runLoad({ port: sw.port, terminals: 256, terminalPrefix: 'B2', rate: 0, durationMs: 1, timeoutMs: 60_000, tmk: testTmk, mix: sales });
    expect(within.signOnFailures).toEqual({ 'the duration ended before it could sign on': 256 });
  }, 60_000);

  it('at most `concurrency` sign-ons are unanswered at once', async () => {
    const sw = await aSwitch();
    const proxy = await signOnProxy(sw.port);
    const result = await runLoad({ port: proxy.port, terminals: 20, rate: 0, durationMs: 1, timeoutMs: 30_000, tmk: testTmk, mix: sales, signOnFirst: { concurrency: 4 } });
    expect(result.neverSignedOn).toBe(0);
    expect(proxy.signOns).toHaveLength(20);
    expect(proxy.state.most).toBeGreaterThanOrEqual(1);
    expect(proxy.state.most).toBeLessThanOrEqual(4);
  });

  it('an unanswered sign-on is tried once more, as a terminal would: a new connection and the next STAN (after 999999: 000001)', async () => {
    const sw = await aSwitch();
    // Each terminal's first sign-on never reaches the switch.
    const proxy = await signOnProxy(sw.port, (_terminal, nth) => nth === 1);
    let seenAtStart = 0;
    const result = await runLoad({
      port: proxy.port, terminals: 3, rate: 0, durationMs: 1, timeoutMs: 300, tmk: testTmk, mix: sales, firstStan: 999999,
      signOnFirst: { onDurationStart: () => void (seenAtStart = proxy.signOns.length) },
    });
    expect(result.neverSignedOn).toBe(0);
    expect(seenAtStart).toBe(6);
    for (const terminal of ['L0000001', 'L0000002', 'L0000003']) {
      const [first, second] = proxy.signOns.filter((s) => s.terminal === terminal);
      expect([first!.stan, second!.stan]).toEqual(['999999', '000001']);
      expect(second!.connection).not.toBe(first!.connection);
    }
  });

  it('terminals whose two tries both go unanswered fail the bench in one line saying what they were given and why', async () => {
    const sw = await aSwitch();
    const proxy = await signOnProxy(sw.port, () => true);
    const run = benchLoad('2 connections, warm-up', { port: proxy.port, terminals: 2, rate: 0, durationMs: 1, timeoutMs: 200, tmk: testTmk, mix: sales, firstStan: 1 });
    await expect(run).rejects.toThrow(SignOnShortfall);
    await expect(run).rejects.toThrow(
      /^2 connections, warm-up: 2 of 2 terminals never signed on \(two sign-on tries of up to 200 ms each before the clock started, more during the run\): sign-on unanswered \(no answer to STAN 000001\) \(2\)$/,
    );
    expect(proxy.signOns.map((s) => s.stan).sort()).toEqual(['000001', '000001', '000002', '000002']);
  });

  it('within the duration, a sign-on cut short by the end of the run (not its timeout) says so', async () => {
    const sw = await aSwitch();
    const proxy = await signOnProxy(sw.port, () => true);
    const result = await runLoad({ port: proxy.port, terminals: 1, rate: 0, durationMs: 300, timeoutMs: 60_000, tmk: testTmk, mix: sales, firstStan: 1 });
    expect(result.signOnFailures).toEqual({ 'sign-on unanswered in the time the run had left (no answer to STAN 000001)': 1 });
  });

  it('pos load --sign-on-first: the same phase from the command line; 64 terminals all signed on and a 0.1 s run of sales', async () => {
    const sw = await aSwitch();
    const io = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '64', '--terminal-prefix', 'C', '--duration', '0.1', '--sign-on-first', '--json'], io)).toBe(0);
    const report = JSON.parse(io.stdout.join('')) as { neverSignedOn: number; approved: number };
    expect(report.neverSignedOn).toBe(0);
    expect(report.approved).toBeGreaterThan(0);
  });
});
