// `pos demo` as a user starts it (a real child process, its own data folder): JSON lines on stdout
// (QA 14), the switch on loopback only unless --host (QA 5), $POS_ADMIN_TOKEN honoured (QA 18), and
// the README's promise that the demo's switch takes your own terminals: a `pos sale` child process
// with its own terminal ID and the test TMK is approved against it (QA 4).
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
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

describe('pos demo (child process)', () => {
  it('prints JSON lines, listens on loopback, honours $POS_ADMIN_TOKEN, and approves a sale from your own terminal', async () => {
    const token = 'qa-admin-token-0123456789';
    const demo = pos(['demo', '--json', '--data', join(dir, 'data'), '--port', '0', '--switch-port', '0', '--admin-port', '0'], { POS_ADMIN_TOKEN: token });
    const ready = await demo.waitFor((line) => line.event === 'ready', 'the ready line');
    expect(ready).toMatchObject({ event: 'ready', host: '127.0.0.1', page: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(ready).not.toHaveProperty('adminToken'); // the user's own token is not echoed
    expect(demo.lines.filter((line) => 'text' in line)).toEqual([]); // before the fix: pretty-printed JSON over 8 lines

    // Loopback only: the machine's other addresses refuse the switch's port.
    expect(await accepts('127.0.0.1', ready.switchPort)).toBe(true);
    const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) expect(await accepts(external.address, ready.switchPort)).toBe(false);

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

  it('an address not of this machine for --host is one line and exit 2', async () => {
    const io = capture();
    expect(await main(['demo', '--host', '198.51.100.77', '--data', join(dir, 'bad-host'), '--port', '0', '--switch-port', '0', '--admin-port', '0'], io)).toBe(2);
    expect(io.stderr.join('').trim()).toBe("pos demo: --host: cannot listen on '198.51.100.77' (EADDRNOTAVAIL): an address of this machine, e.g. 127.0.0.1 or 0.0.0.0");
  });
});
