// `pos terminal` as the long-running process an integrator starts: a real child process with a
// virtual card on an in-process virtual PN532 (--virtual-card), against the real switch in this
// process; one sale driven over its stdin, its JSON lines asserted. Bad input: one line, exit 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { spawnJsonLines, type JsonLinesChild } from '../support/child-lines.js';
import { Journal } from '../../terminal/journal.js';

const root = resolve(import.meta.dirname, '../..');
let sw: RunningSwitch;
let dir: string;
let child: JsonLinesChild | undefined;

beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  dir = mkdtempSync(join(tmpdir(), 'pos-terminal-'));
});
afterAll(async () => {
  if (child && child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await child?.exited;
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pos = (args: string[]) => spawnJsonLines(process.execPath, ['cli/pos.mjs', ...args], { cwd: root });

describe('pos terminal (child process)', () => {
  it('signs on, runs a sale typed on stdin with a virtual card, answers history, quits with 0', async () => {
    child = pos(['terminal', '--host', `127.0.0.1:${sw.port}`, '--virtual-card', 'mastercard', '--journal', join(dir, 't.db'), '--terminal-id', 'CLIPROC1', '--timeout-ms', '2000']);
    expect(await child.waitFor((l) => l.ready === true, 'ready')).toEqual({ ready: true, signedOn: true });

    child.send('sale 12 foo'); // an unknown tender is refused, not dropped (the sale would run on a card)
    expect(await child.waitFor((l) => 'error' in l, 'the tender refusal')).toEqual({ error: "sale: unknown tender 'foo' (card or code)" });
    child.send('sale 12.3.4');
    expect(await child.waitFor((l) => l.error?.startsWith('amount:'), 'the refusal')).toEqual({ error: 'amount: digits with at most two decimals, like 12.34' });
    child.send('sale 0');
    expect(await child.waitFor((l) => l.error === 'amount: must be more than zero', 'the zero refusal')).toBeDefined();

    child.send('sale 12.34');
    const result = await child.waitFor((l) => typeof l.state === 'string', 'the result');
    expect(result).toMatchObject({ kind: 'sale', state: 'approved', responseCode: '00', amount: 1234, maskedPan: '541333******1513', scheme: 'Mastercard', entryMode: '071' });
    expect(result.authCode).toMatch(/^\w{6}$/);
    const steps = child.lines.filter((l) => l.status).map((l) => l.status as string);
    expect(steps).toEqual(expect.arrayContaining(['present-card', 'processing', 'approved']));
    expect(steps.indexOf('present-card')).toBeLessThan(steps.indexOf('approved'));
    expect(JSON.stringify(child.lines)).not.toContain('5413339000001513'); // the PAN only masked

    const [row] = await sw.store.search({ terminalId: 'CLIPROC1' });
    expect(row).toMatchObject({ kind: 'sale', amount: 1234, responseCode: '00', rrn: result.rrn });

    child.send('history');
    const history = await child.waitFor((l) => Array.isArray(l), 'the history');
    expect(history).toEqual([expect.objectContaining({ id: result.id, state: 'approved' })]);

    child.send('quit');
    expect(await child.exited).toBe(0);
  });

  it('a journal held by a running pos terminal: a one-shot on it exits 2 with one line at once; killed, the journal opens again', async () => {
    const journal = join(dir, 'held.db');
    child = pos(['terminal', '--host', `127.0.0.1:${sw.port}`, '--virtual-card', 'mastercard', '--journal', journal, '--terminal-id', 'CLIPROC2', '--timeout-ms', '2000']);
    expect(await child.waitFor((l) => l.ready === true, 'ready')).toEqual({ ready: true, signedOn: true });
    const second = pos(['balance', '--host', `127.0.0.1:${sw.port}`, '--virtual-card', 'visa', '--journal', journal, '--terminal-id', 'CLIPROC2']);
    expect(await second.exited).toBe(2);
    expect(second.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^pos balance: --journal .*held\.db: in use by another pos process \(the demo\? pos terminal\?\)/)]);
    expect(second.lines).toEqual([]);
    child.child.kill('SIGKILL'); // the OS drops the lock with the process
    await child.exited;
    new Journal(journal, Buffer.from(testTmk, 'hex'), 'CLIPROC2').close();
  });

  it('a bad option: one line on stderr, exit 2, nothing on stdout', async () => {
    const bad = pos(['terminal', '--host', 'nohost', '--virtual-card', 'mastercard']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr().trim().split('\n')).toEqual(["pos terminal: --host: expected HOST:PORT with a port from 1 to 65535, got 'nohost'"]);
    expect(bad.lines).toEqual([]);
  });
});
