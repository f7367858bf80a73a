// pos load always ends at --duration: terminals that cannot connect or sign on are counted with
// their reason, and when none can, one line names the host:port and the reason (exit 1). Each case
// here ran until the test's timeout before (the generator retried until 30 s past the duration).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { capture } from '../support/cli.js';
import { stops } from '../support/load-switch.js';


/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** A host that accepts connections and never answers; closed after the test. `connections.count`: how many it accepted. */
async function silentHost(): Promise<{ port: number; connections: { count: number } }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => void sockets.push(socket));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  stops.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
  });
  return { port: (server.address() as net.AddressInfo).port, connections: { get count() { return sockets.length; } } };
}

describe('pos load against a host it cannot use', () => {
  it('nothing listening: one line naming host:port and the connect error, exit 1; --json: the error as a JSON object on stdout', async () => {
    const port = await closedPort();
    const io = capture();
    expect(await main(['load', '--port', String(port), '--terminals', '2', '--rate', '10', '--duration', '0.5', '--json'], io)).toBe(1);
    const error = `no terminal could sign on to 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (2 terminals)`;
    expect(JSON.parse(io.stdout.join(''))).toEqual({ error, neverSignedOn: 2, signOnFailures: { [`connect ECONNREFUSED 127.0.0.1:${port}`]: 2 } });
    expect(io.stderr.at(-1)).toBe(`pos load: ${error}`);
  }, 10_000);

  it('a host name that does not resolve: its first reason is kept, not a connect cut to 1 ms by the deadline', async () => {
    const io = capture();
    expect(await main(['load', '--host', 'nosuch.invalid', '--terminals', '2', '--rate', '10', '--duration', '0.5'], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    // ENOTFOUND where DNS answers; a resolver that never answers gives a timeout of the whole 0.5 s.
    expect(io.stderr.at(-1)).toMatch(/^pos load: no terminal could sign on to nosuch\.invalid:8583: (getaddrinfo \w+ nosuch\.invalid|connect timed out) \(2 terminals\)$/);
  }, 10_000);

  it('a host that accepts and never answers: the sign-on is reported unanswered once the duration is over', async () => {
    const { port } = await silentHost();
    const io = capture();
    expect(await main(['load', '--port', String(port), '--terminals', '1', '--duration', '0.5', '--timeout-ms', '200'], io)).toBe(1);
    expect(io.stderr.at(-1)).toMatch(new RegExp(`^pos load: no terminal could sign on to 127\\.0\\.0\\.1:${port}: sign-on unanswered \\(no answer to STAN \\d{6}\\)$`));
  }, 10_000);

  it('a rate so low that the next request is due after the duration: the run still ends at the duration', async () => {
    const sw: RunningSwitch = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
    stops.push(() => sw.stop());
    const io = capture();
    // One request per 100 s per terminal: the second is due long after the 0.5 s run.
    expect(await main(['load', '--port', String(sw.port), '--terminals', '1', '--rate', '0.01', '--duration', '0.5', '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({ sent: 1, approved: 1 });
  }, 10_000);

  it('--timeout-ms under 50: sign-on attempts start (before, none did: an attempt needed 50 ms left, more than the timeout allows)', async () => {
    // A host that never answers: whether a 10 ms wait is met depends on the machine's load (a loaded one
    // missed every sign-on to a real switch in 0.5 s, and a long stall may still end a run before its
    // first sign-on is sent); that a connect starts does not.
    const { port, connections } = await silentHost();
    const io = capture();
    expect(await main(['load', '--port', String(port), '--terminals', '1', '--rate', '20', '--duration', '0.5', '--timeout-ms', '10'], io)).toBe(1);
    expect(connections.count).toBeGreaterThan(0);
  }, 10_000);

  it('a switch that knows only one of two terminals: the summary counts the other and its sign-on answer, exit 1', async () => {
    const sw: RunningSwitch = await startSwitch({ port: 0, db: ':memory:', terminals: [{ id: 'L0000001', merchantId: 'M00000000000001', tmk: testTmk }] });
    stops.push(() => sw.stop());
    const io = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '2', '--rate', '20', '--duration', '0.5', '--json'], io)).toBe(1);
    const summary = JSON.parse(io.stdout.join('')) as { approved: number; neverSignedOn: number; signOnFailures: Record<string, number> };
    expect(summary.approved).toBeGreaterThan(0);
    expect(summary.neverSignedOn).toBe(1);
    expect(summary.signOnFailures).toEqual({ 'sign-on answered 03': 1 });
    const text = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '2', '--rate', '20', '--duration', '0.3'], text)).toBe(1);
    expect(text.stdout.join('')).toContain('never signed on: 1 of 2 terminals: sign-on answered 03');
  }, 10_000);
});
