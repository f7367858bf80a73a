// bench:switch's --db, its terminal IDs and how it ends. Before: `--db sqlite:/tmp/x.db` made a file
// named `x.db?schema=bench_N` and crashed with a pg stack trace; PostgreSQL it could not reach was a
// stack trace too and leaked its temp dir; Ctrl-C left the schema and the temp dir; 1000 connections
// built 9-character terminal IDs (B1000 + 0001) whose sign-ons failed while the bench exited 0.
// No bench is timed here: each case refuses, fails or is stopped at once.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoad, terminalIdProblem } from '../../cli/load/generator.js';
import { startSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { signOnShortfall } from '../../bench/support/sign-on.js';
import { runBench } from './run-bench.js';

const root = resolve(import.meta.dirname, '../..');
const pgUrl = process.env.POS_TEST_PG_URL;
if (!pgUrl && process.env.CI === 'true') throw new Error('POS_TEST_PG_URL is required under CI=true (bench:switch on PostgreSQL)');

/** A TMPDIR of the test's own, to see what the bench leaves in it (tsx keeps its cache there too). */
const tmp = mkdtempSync(join(tmpdir(), 'bench-switch-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const benchDirs = () => readdirSync(tmp).filter((name) => name.startsWith('bench-switch-'));
const env = { ...process.env, TMPDIR: tmp };

const bench = (args: string[]) => runBench('switch', args, env, 20_000);

describe('bench:switch --db', () => {
  it('anything but a postgres:// URL: one line, exit 2, no file made', async () => {
    const file = join(tmp, 'x.db');
    const { code, stdout, stderr } = await bench(['--db', `sqlite:${file}`]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`bench:switch: --db: a postgres:// or postgresql:// URL (SQLite is the default), got (${'sqlite:'.length + file.length} characters, not shown)`)]);
    expect(readdirSync(tmp).filter((name) => name.startsWith('x.db'))).toEqual([]);
  });

  it('PostgreSQL it cannot reach: one line naming it, exit 1, no stack, no temp dir left', async () => {
    const { code, stdout, stderr } = await bench(['--db', 'postgres://pos:pos@127.0.0.1:1/pos_test']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual(['bench:switch: --db: PostgreSQL: connect ECONNREFUSED 127.0.0.1:1']);
    expect(benchDirs()).toEqual([]);
  });

  it.skipIf(!pgUrl)('SIGTERM during a run: the switch stops, its schema and the temp dir are gone, exit 143', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/switch.ts', '--db', pgUrl!, '--connections', '2', '--seconds', '60'], { cwd: root, env, stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      // The first point's switch journals in bench_PID_0 (each point has a fresh one).
      const schema = `bench_${child.pid}_0`;
      const tables = async () => (await client.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [schema])).rows[0].n as number;
      // Running: the switch made its journal in the schema.
      for (let i = 0; i < 200 && (await tables()) === 0; i++) await new Promise((done) => setTimeout(done, 50));
      expect(await tables()).toBeGreaterThan(0);
      expect(benchDirs()).toHaveLength(1);
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect((await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rowCount).toBe(0);
      expect(benchDirs()).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await client.end();
    }
  }, 20_000);
});

describe('bench:switch points', () => {
  // Before, one switch served every point: past ~80,000 sales the test cards were spent and the later
  // points' sales declined 51, and a measured run begun within a second of its warm-up's start on the
  // same terminals repeated request keys (94): both counted as no approvals, and neither was shown.
  it('each point on a switch and journal of its own, warmed up on other terminals: every sale approved, the temp dir removed', async () => {
    const { code, stdout } = await bench(['--connections', '2,2', '--seconds', '1', '--json']);
    expect(code).toBe(0);
    const { results } = JSON.parse(stdout) as { results: Array<{ connections: number; approved: number; declined: number; unanswered: number }> };
    expect(results).toHaveLength(2);
    for (const point of results) {
      expect(point.approved).toBeGreaterThan(0);
      expect(point.declined).toBe(0);
      expect(point.unanswered).toBe(0);
    }
    expect(benchDirs()).toEqual([]);
  }, 30_000);
});

describe('bench:switch terminal IDs and sign-ons', () => {
  it('IDs are DE41\'s 8 characters: the generator refuses a prefix and count that cannot fit, before connecting', async () => {
    expect(terminalIdProblem('B1', 9999)).toBeUndefined();
    expect(terminalIdProblem('B1000', 1000)).toBe("1000 terminals with the ID prefix 'B1000' need 9 characters: DE41 has 8");
    // Port 1: nothing is ever tried.
    await expect(runLoad({ port: 1, terminals: 1000, terminalPrefix: 'B1000', rate: 0, durationMs: 100, tmk: testTmk })).rejects.toThrow('DE41 has 8');
  });

  it('a --connections list whose point cannot fit its IDs: one line, exit 2', async () => {
    // The 1000th point's prefix is B1000: with 1000 connections, 9 characters.
    const list = [...Array<string>(999).fill('1'), '1000'].join(',');
    const { code, stderr } = await bench(['--connections', list]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain("bench:switch: --connections: 1000 terminals with the ID prefix 'B1000' need 9 characters: DE41 has 8");
  });

  it('a point whose terminals did not all sign on fails the run with one line naming how many and why', async () => {
    const sw = await startSwitch({ port: 0, db: ':memory:', terminals: [{ id: 'B1000001', merchantId: 'M00000000000001', tmk: testTmk }] });
    try {
      const result = await runLoad({ port: sw.port, terminals: 2, terminalPrefix: 'B1', rate: 20, durationMs: 300, tmk: testTmk, mix: { sale: 1, refund: 0, reversal: 0 } });
      expect(signOnShortfall('2 connections, warm-up', 2, result, 5000)).toMatch(
        /^2 connections, warm-up: 1 of 2 terminals never signed on \(two sign-on tries of up to 5000 ms each before the clock started, more during the run\): sign-on answered \d\d \(1\)$/,
      );
      expect(signOnShortfall('2 connections, warm-up', 2, { neverSignedOn: 0, signOnFailures: {} }, 5000)).toBeUndefined();
    } finally {
      await sw.stop();
    }
  });

  // Review of session 13: a switch killed in the middle of a point still got that point's figures printed
  // (its approvals/s counted over a dead switch, its CPU column silently gone), exit 0.
  it('a switch that dies in the measured run fails the bench with one line naming the unanswered sales, exit 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/switch.ts', '--connections', '2', '--seconds', '4'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      // The bench's children: esbuild's service (tsx) and the switch.
      const switchPid = () =>
        execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)]).toString().split('\n').find((line) => line.includes('pos.mjs switch'))?.trim().split(/\s+/)[0];
      let pid: string | undefined;
      for (let i = 0; i < 200 && !pid; i++) {
        await new Promise((done) => setTimeout(done, 50));
        try {
          pid = switchPid();
        } catch {
          // ps exits 1 while the bench has no child yet.
        }
      }
      expect(pid).toBeDefined();
      // Past the 1 s warm-up and the sign-ons, inside the 4 s measured run.
      await new Promise((done) => setTimeout(done, 3000));
      process.kill(Number(pid), 'SIGKILL');
      expect(await exited).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bench:switch: 2 connections: \d+ of \d+ sales unanswered within 10 s \(the switch exited: SIGKILL\): no figures for a switch that stopped answering$/)]);
      expect(benchDirs()).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
