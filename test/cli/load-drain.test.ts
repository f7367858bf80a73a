// pos load after --duration: no request starts once the duration is over, and each wait in the
// drain is cut to what is left of 2 × --timeout-ms. Before, a terminal reversing an unanswered sale
// past the end sent a new sale after it, whose reversal the drain's deadline then skipped
// (`unanswered 2 (reversed 0)`, the run 1.3 × longer than promised).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { capture } from '../support/cli.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

/**
 * A TCP proxy in front of a real switch that passes every request on but only the answers `passes`
 * lets through; it notes each request's MTI and when it came (ms since the proxy started).
 */
async function proxy(target: number, passes: (answerMti: string) => boolean, options: { neverCloses?: boolean; corruptMacOf?: string[] } = {}) {
  const requests: Array<{ mti: string; at: number }> = [];
  const sockets: net.Socket[] = [];
  const started = performance.now();
  // neverCloses: the proxy does not end its side when the terminal ends its own (a host slow to close).
  const server = net.createServer({ allowHalfOpen: options.neverCloses ?? false }, (client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.push(client, upstream);
    for (const s of [client, upstream]) s.on('error', () => {});
    const fromClient = new Deframer({ length: 'binary2' });
    const fromSwitch = new Deframer({ length: 'binary2' });
    client.on('data', (chunk) => {
      for (const body of fromClient.push(chunk)) {
        const mti = IsoMessage.unpack(specs.default, body).mti;
        requests.push({ mti, at: performance.now() - started });
        // corruptMacOf: these requests reach the switch with a bit of their MAC (the last byte) flipped: answered A0.
        if (options.corruptMacOf?.includes(mti)) body[body.length - 1]! ^= 0x01;
        upstream.write(frame(body, { length: 'binary2' }));
      }
    });
    upstream.on('data', (chunk) => {
      for (const body of fromSwitch.push(chunk)) if (passes(IsoMessage.unpack(specs.default, body).mti)) client.write(frame(body, { length: 'binary2' }));
    });
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((done) => server.close(done));
  });
  return { port: (server.address() as net.AddressInfo).port, requests };
}

async function startTestSwitch(): Promise<RunningSwitch> {
  const sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  stops.push(() => sw.stop());
  return sw;
}

describe('pos load at the end of --duration', () => {
  it('a host that answers only the sign-on: one sale, its reversal tried until the drain ends, nothing new after the end, exit 1', async () => {
    const sw = await startTestSwitch();
    const host = await proxy(sw.port, (mti) => mti === '0810');
    const io = capture();
    // 0.6 s run, 300 ms timeout: the sale's reversal (0400, then 0420s) runs past the end.
    expect(await main(['load', '--port', String(host.port), '--terminals', '1', '--rate', '4', '--duration', '0.6', '--timeout-ms', '300', '--json'], io)).toBe(1);
    const mtis = host.requests.map((r) => r.mti);
    expect(mtis.filter((m) => m === '0200')).toHaveLength(1);
    expect(mtis.slice(0, 3)).toEqual(['0800', '0200', '0400']);
    expect(mtis.slice(3).every((m) => m === '0420')).toBe(true);
    const summary = JSON.parse(io.stdout.join('')) as { sent: number; unanswered: number; unansweredReversed: number; elapsedMs: number; durationMs: number };
    expect(summary).toMatchObject({ sent: 1, unanswered: 1, unansweredReversed: 0, durationMs: 600 });
    // At most duration + 2 × timeout (with room for a slow machine's timers), not a further round.
    expect(summary.elapsedMs).toBeLessThan(600 + 2 * 300 + 100);
  }, 10_000);

  it("a host that drops reversals: the mix's reversals of approved sales left unanswered are counted (unreversed), exit 1", async () => {
    const sw = await startTestSwitch();
    const host = await proxy(sw.port, (mti) => mti !== '0410' && mti !== '0430');
    const io = capture();
    // Before, such a reversal was counted nowhere and the run exited 0 with its sale still charged.
    expect(await main(['load', '--port', String(host.port), '--terminals', '1', '--rate', '20', '--duration', '0.5', '--timeout-ms', '200', '--mix', 'sale=1,reversal=9', '--json'], io)).toBe(1);
    expect(host.requests.some((r) => r.mti === '0400')).toBe(true);
    const summary = JSON.parse(io.stdout.join('')) as { unanswered: number; unreversed: number };
    expect(summary).toMatchObject({ unanswered: 0 });
    expect(summary.unreversed).toBeGreaterThan(0);
    const text = capture();
    expect(await main(['load', '--port', String(host.port), '--terminals', '1', '--rate', '20', '--duration', '0.3', '--timeout-ms', '100', '--mix', 'sale=1,reversal=9'], text)).toBe(1);
    expect(text.stdout.join('')).toMatch(/reversals unanswered [1-9]/);
  }, 10_000);

  it('a host that answers only the sign-on and never closes its side: the run still ends by duration + 2 × timeout', async () => {
    const sw = await startTestSwitch();
    const host = await proxy(sw.port, (mti) => mti === '0810', { neverCloses: true });
    const io = capture();
    expect(await main(['load', '--port', String(host.port), '--terminals', '1', '--rate', '4', '--duration', '0.3', '--timeout-ms', '400', '--json'], io)).toBe(1);
    const summary = JSON.parse(io.stdout.join('')) as { elapsedMs: number };
    // Before: the first reversal (exactly a timeout left) waited for the sweep, up to 50 ms late, and the close up to 200 ms more.
    expect(summary.elapsedMs).toBeLessThan(300 + 2 * 400 + 40);
  }, 10_000);

  it('a host that refuses every reversal (A0): tried again after pauses that double, not in a tight loop; unreversed, exit 1', async () => {
    const sw = await startTestSwitch();
    const host = await proxy(sw.port, () => true, { corruptMacOf: ['0400', '0420'] });
    const io = capture();
    expect(await main(['load', '--port', String(host.port), '--terminals', '1', '--rate', '2', '--duration', '0.6', '--timeout-ms', '800', '--mix', 'sale=1,reversal=1000', '--json'], io)).toBe(1);
    const reversals = host.requests.filter((r) => r.mti === '0400' || r.mti === '0420');
    // The first sale is approved and then reversed from ~0 ms until the drain ends (2.2 s): pauses of 100, 200, 400, 800, 800 ms
    // allow at most 6 attempts. Before, each A0 was answered by the next attempt at once: hundreds.
    expect(reversals.length).toBeGreaterThanOrEqual(3);
    expect(reversals.length).toBeLessThanOrEqual(7);
    const summary = JSON.parse(io.stdout.join('')) as { unreversed: number; responseCodes: Record<string, number> };
    expect(summary.unreversed).toBe(1);
  }, 10_000);

  it('a host that drops sales but answers reversals: every unanswered sale is reversed, exit 0', async () => {
    const sw = await startTestSwitch();
    const host = await proxy(sw.port, (mti) => mti !== '0210');
    const io = capture();
    expect(await main(['load', '--port', String(host.port), '--terminals', '2', '--rate', '20', '--duration', '0.5', '--timeout-ms', '400', '--mix', 'sale=1', '--json'], io)).toBe(0);
    const summary = JSON.parse(io.stdout.join('')) as { sent: number; unanswered: number; unansweredReversed: number };
    expect(summary.unanswered).toBeGreaterThan(0);
    expect(summary.unansweredReversed).toBe(summary.unanswered);
  }, 10_000);
});
