// pos load --terminal-prefix. Every run's terminals were L0000001…: two loads at once against one
// switch, or against switch processes sharing one PostgreSQL journal, shared terminal IDs, STANs and
// request keys (a sign-on replacing the other run's keys, 94 for a reused key). Each run now takes a
// prefix of its own; a prefix that cannot make 8-character DE41s for --terminals N is refused.
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import type { JournalRow } from '../../switch/store/types.js';
import { testDatabases } from '../switch/databases.js';
import { capture, cleanupsAfterEach } from '../support/cli.js';

const cleanups = cleanupsAfterEach();
const postgres = testDatabases().find((d) => d.name === 'postgres')!;
afterAll(() => postgres.cleanup());

interface Summary {
  sent: number;
  approved: number;
  declined: number;
  unanswered: number;
  reconnects: number;
  neverSignedOn: number;
  responseCodes: Record<string, number>;
}

/** Three terminals, paced: about 30 requests a run, all of them answered well within the timeout. */
async function load(port: number, prefix: string, more: string[] = []): Promise<{ code: number; summary: Summary }> {
  const io = capture();
  const args = ['--port', String(port), '--terminals', '3', '--rate', '60', '--duration', '0.5', '--mix', 'sale=8,refund=1,reversal=1', '--terminal-prefix', prefix, '--json', ...more];
  const code = await main(['load', ...args], io);
  return { code, summary: JSON.parse(io.stdout.join('')) as Summary };
}

async function aSwitch(): Promise<RunningSwitch> {
  const sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  cleanups.push(() => sw.stop());
  return sw;
}

/** A run with all its requests approved, and its three terminals' journal rows: each request once. */
function expectOwnRows(run: { code: number; summary: Summary }, rows: JournalRow[], prefix: string) {
  expect(run.code).toBe(0);
  expect(run.summary).toMatchObject({ declined: 0, unanswered: 0, reconnects: 0, neverSignedOn: 0 });
  expect(run.summary.sent).toBeGreaterThan(0);
  expect(run.summary.approved).toBe(run.summary.sent);
  const own = rows.filter((row) => row.terminalId.startsWith(prefix));
  expect([...new Set(own.map((row) => row.terminalId))].sort()).toEqual([1, 2, 3].map((n) => `${prefix}${String(n).padStart(8 - prefix.length, '0')}`));
  // One row per request the run sent (a --mix reversal is a row of its own), none another run's.
  expect(own).toHaveLength(run.summary.sent);
  expect(own.every((row) => row.responseCode === '00')).toBe(true);
}

describe('pos load --terminal-prefix: concurrent loads', () => {
  it('two runs with different prefixes against one switch: both all approved, the requests of each journaled once under its own three terminals', async () => {
    const sw = await aSwitch();
    const [a, b] = await Promise.all([load(sw.port, 'LA'), load(sw.port, 'LB')]);
    const rows = await sw.store.search({ limit: 10_000 });
    expectOwnRows(a, rows, 'LA');
    expectOwnRows(b, rows, 'LB');
    expect(rows.every((row) => /^L[AB]00000[123]$/.test(row.terminalId))).toBe(true);
  });

  it('the same prefix twice collides: the runs share terminals, a sign-on of one replaces the other\'s keys (A0) or their request keys meet (94)', async () => {
    const sw = await aSwitch();
    const [a, b] = await Promise.all([load(sw.port, 'LA'), load(sw.port, 'LA')]);
    const codes = { ...a.summary.responseCodes, ...b.summary.responseCodes };
    expect(a.summary.approved + b.summary.approved, 'not every request approved').toBeLessThan(a.summary.sent + b.summary.sent);
    expect(Object.keys(codes).some((code) => code === 'A0' || code === '94'), JSON.stringify(codes)).toBe(true);
    const rows = await sw.store.search({ limit: 10_000 });
    expect(new Set(rows.map((row) => row.terminalId))).toEqual(new Set(['LA000001', 'LA000002', 'LA000003']));
  });

  // Two switches in this process stand for two processes: each has its own signed-on terminals and shares only the journal.
  const twoSwitchesOnePostgres = async () => {
    const db = postgres.url();
    return Promise.all([0, 1].map(async () => {
      const sw = await startSwitch({ port: 0, db, enrollUnknown: { tmk: testTmk } });
      cleanups.push(() => sw.stop());
      return sw;
    }));
  };

  it.skipIf(!postgres.available)('two switches sharing one PostgreSQL journal, a run against each: disjoint terminals, all approved', async () => {
    const [one, two] = await twoSwitchesOnePostgres();
    const [a, b] = await Promise.all([load(one!.port, 'PA'), load(two!.port, 'PB')]);
    const rows = await one!.store.search({ limit: 10_000 });
    expectOwnRows(a, rows, 'PA');
    expectOwnRows(b, rows, 'PB');
  });

  it.skipIf(!postgres.available)('the same prefix and first STAN on both: each switch signs its terminals on, but their request keys meet in the journal (94)', async () => {
    const [one, two] = await twoSwitchesOnePostgres();
    const [a, b] = await Promise.all([load(one!.port, 'PA', ['--first-stan', '1']), load(two!.port, 'PA', ['--first-stan', '1'])]);
    expect((a.summary.responseCodes['94'] ?? 0) + (b.summary.responseCodes['94'] ?? 0), JSON.stringify([a.summary.responseCodes, b.summary.responseCodes])).toBeGreaterThan(0);
    expect(a.summary.approved + b.summary.approved).toBeLessThan(a.summary.sent + b.summary.sent);
  });
});

describe('pos load --terminal-prefix: refused before connecting (port 1: nothing listens), one line, exit 2', () => {
  const refused = async (prefix: string, terminals = '16') => {
    const io = capture();
    const code = await main(['load', '--port', '1', '--terminals', terminals, '--terminal-prefix', prefix], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).not.toContain('\n');
    return { code, line: io.stderr[0] };
  };

  it('not 1 to 7 printable ASCII characters without a space', async () => {
    const shape = '--terminal-prefix: 1 to 7 printable ASCII characters, no space, got';
    expect(await refused('')).toEqual({ code: 2, line: `pos load: ${shape} ''` });
    expect(await refused('A B')).toEqual({ code: 2, line: `pos load: ${shape} 'A B'` });
    expect(await refused('TÉST')).toEqual({ code: 2, line: `pos load: ${shape} (4 characters, not shown)` });
    expect(await refused('ABCDEFGH')).toEqual({ code: 2, line: `pos load: ${shape} 'ABCDEFGH'` });
    // A PAN put in the wrong place is named by its length only.
    expect(await refused('4111111111111111')).toEqual({ code: 2, line: `pos load: ${shape} (16 characters, not shown)` });
  });

  it('a prefix that leaves too little room for --terminals N\'s numbers', async () => {
    expect(await refused('ABCDEFG')).toEqual({ code: 2, line: "pos load: --terminal-prefix: 16 terminals with the ID prefix 'ABCDEFG' need 9 characters: DE41 has 8" });
    expect(await refused('ABCDE', '1000')).toEqual({ code: 2, line: "pos load: --terminal-prefix: 1000 terminals with the ID prefix 'ABCDE' need 9 characters: DE41 has 8" });
    // Four digits may be a PIN: not echoed, the error still says what does not fit.
    expect(await refused('1234567')).toEqual({ code: 2, line: 'pos load: --terminal-prefix: 16 terminals with the ID prefix (7 characters, not shown) need 9 characters: DE41 has 8' });
  });
});
