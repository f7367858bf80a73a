// bench:versus: two switches at once (this checkout and another), their approvals and CPU per approval
// compared run by run. Here this checkout against itself, for one short run: what is checked is that
// both sides are measured and compared, and that it cleans up; no figure is judged (no bench is timed here).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from './run-bench.js';

const tmp = mkdtempSync(join(tmpdir(), 'bench-versus-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, TMPDIR: tmp };

const versus = (args: string[]) => runBench('versus', args, env, 40_000);

describe('bench:versus', () => {
  it('without --against, or with a directory that is not a checkout: one line, exit 2', async () => {
    const missing = await versus([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringContaining("bench:versus: --against: the other checkout's directory is required")]);
    const notCheckout = await versus(['--against', tmp]);
    expect(notCheckout.code).toBe(2);
    expect(notCheckout.stderr.trim().split('\n')).toEqual([expect.stringContaining('is not a checkout of this repository (no cli/pos.mjs)')]);
  });

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
