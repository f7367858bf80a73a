// npm run bench:versus -- --against DIR|COMMIT [--runs N] [--seconds N] [--connections N] [--json]
// Two switches at the same time: this checkout's and DIR's (another checkout of this repository with its
// node_modules), or COMMIT's (a git worktree of it made in the temp dir for the run, with a link to this
// node_modules, and removed after), each on a durable SQLite journal of its own in a temp dir, each loaded
// by --connections terminals (sales only, one request in flight each) from this process, for --seconds,
// --runs times, the start order swapped each run. This machine's speed moves by up to 2x within a minute
// (docs/benchmarks.md), so runs taken one after the other compare the moments more than the code; two
// switches run at once share the moment, and the ratio of their approvals and of their CPU per approval is
// the code's. Both compete for the same 2 cores with the load, so the rates are far below bench:switch's:
// the ratios are the result. Prints each run and the median and range of the ratios.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError, numberOption, quoted } from '../cli/io.js';
import { testTmk } from '../switch/config.js';
import { benchOptions } from './support/options.js';
import { processCpuMs, type CpuMs } from './support/proc-cpu.js';
import { benchLoad, SignOnShortfall } from './support/sign-on.js';
import { latencies } from './support/stats.js';
import { startSwitchChild, SwitchStartFailure, type SwitchChild } from './support/switch-child.js';

const root = resolve(import.meta.dirname, '..');

/** The other side: a checkout's directory, or a commit to make one of for the run. */
type Against = { dir: string; label: string } | { commit: string; label: string };

/** The commit `ref` names in this repository, or undefined. */
function commitOf(ref: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const { values, seconds, runs, connections } = benchOptions(
  'bench:versus',
  'npm run bench:versus -- --against DIR|COMMIT [--runs N] [--seconds N] [--connections N] [--json]',
  { against: { type: 'string' }, runs: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' }, json: { type: 'boolean' } },
  (values) => {
    const against = values.against as string | undefined;
    if (against === undefined) throw new CliError('--against: the other checkout\'s directory, or a commit, is required');
    const dir = resolve(against);
    const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() === true;
    let commit: string | undefined;
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      if (!isFile(join(dir, 'cli/pos.mjs'))) throw new CliError(`--against: ${quoted(against)} is not a checkout of this repository (no cli/pos.mjs)`);
      if (!isFile(join(dir, 'node_modules/better-sqlite3/package.json'))) throw new CliError(`--against: ${quoted(against)} has no node_modules (run npm ci there, or link this one's)`);
    } else {
      commit = commitOf(against);
      if (!commit) throw new CliError(`--against: ${quoted(against)} is neither a directory nor a commit of this repository`);
    }
    return {
      values: { against: (commit ? { commit, label: against } : { dir, label: dir }) as Against, json: values.json === true },
      runs: numberOption(values.runs as string | undefined, 'runs', { min: 1, max: 100 }, 3),
      seconds: numberOption(values.seconds as string | undefined, 'seconds', { min: 1, max: 3600, decimals: true }, 8),
      connections: numberOption(values.connections as string | undefined, 'connections', { min: 1, max: 999 }, 32),
    };
  },
  `  Each run: both switches started (fresh journals), each signs on its --connections terminals (this: T…, against: A…)
  and takes sales for --seconds, both at once; then both stop. The start order is swapped each run.
  Per run: approvals/s, p99 and the switch process's CPU per approval of each, and this/against for both.
  Then the median and the range of the two ratios over the runs (a rate ratio above 1 and a CPU ratio below 1: this is faster).
  --against COMMIT: a git worktree of it in the run's temp dir, linked to this node_modules (a commit whose
  dependencies differ needs a checkout of its own: --against DIR), removed at the end.
  Defaults: --runs 3, --seconds 8, --connections 32. Exit 0; 1 when a switch does not start or a terminal never signs on; 2 for bad usage.`,
);

interface Side {
  approvalsPerSecond: number;
  p99: number;
  cpuUsPerApproval: number;
}
interface Run {
  this: Side;
  against: Side;
  rateRatio: number;
  cpuRatio: number;
}

const cpuMs = (child: SwitchChild): CpuMs => processCpuMs(child.process.pid!) ?? { user: NaN, system: NaN };
const total = (cpu: CpuMs) => cpu.user + cpu.system;
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** One side's sales (after its terminals signed on) and its switch's CPU over exactly those seconds. */
async function measure(child: SwitchChild, side: 'this' | 'against', prefix: string): Promise<Side> {
  let before: CpuMs | undefined;
  const result = await benchLoad(`${side}: ${connections} connections`, {
    port: child.port, terminals: connections, rate: 0, tmk: testTmk, mix: { sale: 1, refund: 0, reversal: 0 }, timeoutMs: 10_000,
    terminalPrefix: prefix, durationMs: seconds * 1000,
  }, () => (before = cpuMs(child)));
  const used = total(cpuMs(child)) - total(before!);
  return { approvalsPerSecond: result.approvalsPerSecond, p99: result.latencyMs.p99, cpuUsPerApproval: result.approved ? round((used * 1000) / result.approved, 1) : NaN };
}

/** The switches running now: stopped on Ctrl-C / SIGTERM too. */
const running = new Set<SwitchChild>();

async function run(index: number, dir: string, againstDir: string): Promise<Run> {
  const started: SwitchChild[] = [];
  try {
    // Swapped each run: neither side is always the one started first (its journal file made first, its process warmer).
    const order = index % 2 === 0 ? [root, againstDir] : [againstDir, root];
    for (const checkout of order) {
      await startSwitchChild(checkout, `sqlite:${join(dir, `run-${index}-${started.length}.db`)}`, (child) => {
        started.push(child);
        running.add(child);
      });
    }
    const [ours, theirs] = index % 2 === 0 ? started : [started[1]!, started[0]!];
    const [mine, other] = await Promise.all([measure(ours!, 'this', 'T'), measure(theirs!, 'against', 'A')]);
    return { this: mine, against: other, rateRatio: round(mine.approvalsPerSecond / other.approvalsPerSecond, 3), cpuRatio: round(mine.cpuUsPerApproval / other.cpuUsPerApproval, 3) };
  } finally {
    for (const child of started) {
      await child.stop();
      running.delete(child);
    }
  }
}

/** The median (nearest rank, as every bench's) and the range of the runs' ratios. */
const summary = (ratios: number[]) => ({ median: latencies(ratios).median, min: Math.min(...ratios), max: Math.max(...ratios) });

const dir = mkdtempSync(join(tmpdir(), 'bench-versus-'));
const against = values.against;
/** The other side's checkout: the directory given, or the commit's worktree made in the temp dir. */
const againstDir = 'dir' in against ? against.dir : join(dir, 'against');
/** Removes the commit's worktree (if one was made) and the temp dir. */
const removeAll = () => {
  if ('commit' in against) {
    // The link first, on its own (rmSync of a link removes the link): removing the worktree must never reach this checkout's node_modules.
    rmSync(join(againstDir, 'node_modules'), { force: true });
    try {
      execFileSync('git', ['worktree', 'remove', '--force', againstDir], { cwd: root, stdio: 'ignore' });
    } catch {
      // Never made (the run stopped before): nothing to remove.
    }
  }
  rmSync(dir, { recursive: true, force: true });
};
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const)
  process.once(signal, () =>
    void Promise.all([...running].map((child) => child.stop())).finally(() => {
      removeAll();
      process.exit(code);
    }),
  );
const results: Run[] = [];
try {
  if ('commit' in against) {
    execFileSync('git', ['worktree', 'add', '--detach', '--quiet', againstDir, against.commit], { cwd: root, stdio: 'ignore' });
    symlinkSync(join(root, 'node_modules'), join(againstDir, 'node_modules'));
  }
  for (let index = 0; index < runs; index++) {
    const result = await run(index, dir, againstDir);
    results.push(result);
    if (!values.json) {
      const side = (s: Side) => `${String(s.approvalsPerSecond).padStart(6)} approvals/s  p99 ${s.p99} ms  ${s.cpuUsPerApproval} µs/approval`;
      console.log(`run ${index + 1}: this ${side(result.this)}   against ${side(result.against)}   this/against: rate ${result.rateRatio}, CPU ${result.cpuRatio}`);
    }
  }
} catch (error) {
  if (!(error instanceof SwitchStartFailure || error instanceof SignOnShortfall)) throw error;
  console.error(`bench:versus: ${error.message}`);
  process.exitCode = 1;
} finally {
  removeAll();
}
if (process.exitCode) process.exit();
const rate = summary(results.map((r) => r.rateRatio));
const cpu = summary(results.map((r) => r.cpuRatio));
const machine = { cores: cpus().length, node: process.version, seconds, connections, runs };
if (values.json) console.log(JSON.stringify({ machine, against: against.label, ...('commit' in against ? { commit: against.commit } : {}), runs: results, rateRatio: rate, cpuRatio: cpu }));
else
  console.log(
    `this/against over ${runs} run${runs === 1 ? '' : 's'}: approvals/s ${rate.median} (${rate.min}–${rate.max}), CPU per approval ${cpu.median} (${cpu.min}–${cpu.max})\n` +
      `machine: ${machine.cores} cores, Node ${machine.node}, ${connections} connections a side, ${seconds} s per run, against ${against.label}${'commit' in against ? ` (${against.commit.slice(0, 12)})` : ''}`,
  );
