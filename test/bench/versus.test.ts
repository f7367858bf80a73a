// bench:versus: two switches at once (this checkout and another), their approvals and CPU per approval
// compared run by run. Here usage errors, and one short run against this checkout's own HEAD (a worktree)
// and against this directory: what is checked is that both sides are measured and compared, and that it
// cleans up; no figure is judged (no bench is timed here).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from './run-bench.js';

const root = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'bench-versus-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, TMPDIR: tmp };

const versus = (args: string[]) => runBench('versus', args, env, 40_000);

describe('bench:versus', () => {
  it('without --against, with a directory that is not a checkout, or with neither a directory nor a commit: one line, exit 2', async () => {
    const cases = [
      [[], "bench:versus: --against: the other checkout's directory, or a commit, is required"],
      [['--against', tmp], 'is not a checkout of this repository (no cli/pos.mjs)'],
      [['--against', 'no-such-ref-or-dir'], '--against: (18 characters, not shown) is neither a directory nor a commit of this repository'],
    ] as const;
    for (const [args, message] of cases) {
      const { code, stderr } = await versus([...args]);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
    }
  });

  it('against a commit: a worktree of it for the run, removed after, this checkout\'s node_modules untouched', async () => {
    const { code, stdout, stderr } = await versus(['--against', 'HEAD', '--runs', '1', '--seconds', '1', '--connections', '2', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { against: string; commit: string; runs: Array<{ against: { approvalsPerSecond: number } }> };
    expect(out.against).toBe('HEAD');
    expect(out.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim());
    expect(out.runs[0]!.against.approvalsPerSecond).toBeGreaterThan(0);
    expect(execFileSync('git', ['worktree', 'list'], { cwd: root, encoding: 'utf8' })).not.toContain(tmp);
    expect(existsSync(join(root, 'node_modules/better-sqlite3/package.json'))).toBe(true);
    expect(readdirSync(tmp).filter((name) => name.startsWith('bench-versus-'))).toEqual([]);
  }, 45_000);

  it('this checkout against itself: both switches approve, each side\'s CPU is read, the ratios are theirs, the temp dir is removed', async () => {
    const { code, stdout, stderr } = await versus(['--against', '.', '--runs', '1', '--seconds', '1', '--connections', '2', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    type Side = { approvalsPerSecond: number; cpuUsPerApproval: number };
    const out = JSON.parse(stdout) as { runs: Array<{ this: Side; against: Side; rateRatio: number; cpuRatio: number }>; rateRatio: { median: number } };
    expect(out.runs).toHaveLength(1);
    const [only] = out.runs;
    for (const side of [only!.this, only!.against]) {
      expect(side.approvalsPerSecond).toBeGreaterThan(0);
      expect(side.cpuUsPerApproval).toBeGreaterThan(0);
    }
    expect(only!.rateRatio).toBeCloseTo(only!.this.approvalsPerSecond / only!.against.approvalsPerSecond, 2);
    expect(only!.cpuRatio).toBeCloseTo(only!.this.cpuUsPerApproval / only!.against.cpuUsPerApproval, 2);
    expect(out.rateRatio.median).toBe(only!.rateRatio);
    expect(readdirSync(tmp).filter((name) => name.startsWith('bench-versus-'))).toEqual([]);
  }, 45_000);
});
