// `pos demo` as a user starts it (a real child process, its own data folder): JSON lines on stdout
// (QA 14), the switch on loopback only unless --host (QA 5), $POS_ADMIN_TOKEN honoured (QA 18), and
// the README's promise that the demo's switch takes your own terminals: a `pos sale` child process
// with its own terminal ID and the test TMK is approved against it (QA 4).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { testTmk } from '../../switch/config.js';
import { Journal } from '../../terminal/journal.js';
import { capture } from '../support/cli.js';
import { spawnJsonLines, type JsonLinesChild } from '../support/child-lines.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'pos-demo-cli-'));
const children: JsonLinesChild[] = [];
afterAll(async () => {
  for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  rmSync(dir, { recursive: true, force: true });
});

const pos = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const child = spawnJsonLines(process.execPath, ['cli/pos.mjs', ...args], { cwd: root, env: { ...process.env, ...env } });
  children.push(child);
  return child;
};

/** Whether a TCP connect to host:port is accepted. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, host, () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

/**
 * The local addresses listening on these TCP ports, from Linux's /proc/net/tcp and tcp6 (undefined
 * elsewhere): "127.0.0.1:PORT", "0.0.0.0:PORT", "[v6 hex]:PORT".
 */
function listeningAddresses(ports: number[]): string[] | undefined {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) return undefined;
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, portHex] = (local ?? '').split(':');
      const port = parseInt(portHex ?? '', 16);
      if (state !== '0A' || !ports.includes(port)) continue; // 0A: LISTEN
      // IPv4 in host byte order (little-endian here): 0100007F = 127.0.0.1.
      const ip = address!.length === 8 ? Buffer.from(address!, 'hex').reverse().join('.') : `[${address}]`;
      found.push(`${ip}:${port}`);
    }
  }
  return found.sort((a, b) => ports.indexOf(Number(a.split(':').at(-1))) - ports.indexOf(Number(b.split(':').at(-1))));
}

describe('pos demo (child process)', () => {
  it('prints JSON lines, listens on loopback, honours $POS_ADMIN_TOKEN, and approves a sale from your own terminal', async () => {
    const token = 'qa-admin-token-0123456789';
    const demo = pos(['demo', '--json', '--data', join(dir, 'data'), '--port', '0', '--switch-port', '0', '--admin-port', '0'], { POS_ADMIN_TOKEN: token });
    const ready = await demo.waitFor((line) => line.event === 'ready', 'the ready line');
    expect(ready).toMatchObject({ event: 'ready', host: '127.0.0.1', page: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(ready).not.toHaveProperty('adminToken'); // the user's own token is not echoed
    expect(demo.lines.filter((line) => 'text' in line)).toEqual([]); // before the fix: pretty-printed JSON over 8 lines

    // Loopback only: every listening socket of the demo (switch, admin API, page) is bound to
    // 127.0.0.1, read from the kernel's socket table; a connect to another address proved nothing on
    // a host without one (before: skipped silently).
    expect(await accepts('127.0.0.1', ready.switchPort)).toBe(true);
    const ports = [ready.switchPort, ready.adminPort, Number(new URL(ready.page).port)];
    const bound = listeningAddresses(ports);
    if (bound) expect(bound).toEqual(ports.map((port) => `127.0.0.1:${port}`));
    else {
      const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
      if (!external && process.env.CI === 'true') throw new Error('cannot check loopback-only listening: no /proc/net/tcp and no external IPv4 address');
      if (external) for (const port of ports) expect(await accepts(external.address, port)).toBe(false);
    }

    // Admin writes take $POS_ADMIN_TOKEN (before the fix the demo made its own and refused this one).
    const write = (authorization?: string) =>
      fetch(`http://127.0.0.1:${ready.adminPort}/faults/NOBODY01`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ delayMs: 1 }),
      });
    expect((await write(`Bearer ${token}`)).status).toBe(200);
    expect((await write('Bearer not-the-token')).status).toBeGreaterThanOrEqual(400);

    // Your own terminal, any ID, signs on with the test TMK (before the fix: sign-on 03, "refused sign-on").
    const sale = pos(['sale', '1.00', '--host', `127.0.0.1:${ready.switchPort}`, '--virtual-card', 'visa', '--terminal-id', 'MYTERM01', '--journal', join(dir, 'cli.db'), '--timeout-ms', '3000']);
    expect(await sale.exited).toBe(0);
    // `pos sale` prints its result as one (pretty-printed) JSON document.
    const result = JSON.parse(sale.lines.map((line) => ('text' in line ? line.text : JSON.stringify(line))).join('\n')) as Record<string, unknown>;
    expect(result).toMatchObject({ kind: 'sale', state: 'approved', responseCode: '00' });

    demo.child.kill('SIGTERM');
    expect(await demo.waitFor((line) => line.event === 'stopped', 'the stopped line')).toEqual({ event: 'stopped' });
    expect(await demo.exited).toBe(0);
  }, 30_000);

  it('a data folder whose terminal journal another pos process holds is one line and exit 2 (was the journal error, exit 1)', async () => {
    const folder = join(dir, 'held');
    mkdirSync(folder);
    const held = new Journal(join(folder, 'terminal.db'), Buffer.from(testTmk, 'hex'));
    try {
      const io = capture();
      expect(await main(['demo', '--data', folder, '--port', '0', '--switch-port', '0', '--admin-port', '0'], io)).toBe(2);
      expect(io.stderr.join('').trim()).toBe(`pos demo: --data ${folder}: its terminal journal ${join(folder, 'terminal.db')} is in use by another pos process (another pos demo on this folder?): stop it, or give this one another --data`);
    } finally {
      held.close();
    }
  });

  it('an address not of this machine for --host is one line and exit 2', async () => {
    const io = capture();
    expect(await main(['demo', '--host', '198.51.100.77', '--data', join(dir, 'bad-host'), '--port', '0', '--switch-port', '0', '--admin-port', '0'], io)).toBe(2);
    expect(io.stderr.join('').trim()).toBe("pos demo: --host: cannot listen on '198.51.100.77' (EADDRNOTAVAIL): an address of this machine, e.g. 127.0.0.1 or 0.0.0.0");
  });
});
