// npm run bench:switch [-- --json] [--seconds N] [--connections 1,16,64,256] [--db postgres://…] [--floor]
// `pos load` against `pos switch` (a child process) with the journal durable: SQLite in WAL with
// its own fdatasync of the WAL before each answer (see switch/store/sqlite.ts) in a temp dir by default, or --db postgres://… (a fresh schema per point).
// Any other --db is refused (one line, exit 2); PostgreSQL it cannot reach, a switch that does not start or a
// terminal that never signs on is one line and exit 1. Ctrl-C / SIGTERM stops the switch and removes the temp dir and the schema.
// Each connection count runs against a switch of its own on a fresh journal (a new SQLite file, or a new schema), for --seconds after
// a one-second warm-up: the journal's size is the same at every point, and the load's four cards are funded through the admin API
// (the opening 1,000,000.00 each is spent after about 80,000 sales: a long point, or one switch for all points, declined the rest 51,
// which counted as no approvals). One terminal per connection (IDs B1000001… for the first point, B2000001… the second: DE41 is 8 characters),
// one request in flight each, sales only (every request a durable approval; a point with declines says so). Each load signs all its terminals on before its clock
// starts (32 at once, each sign-on with the 10 s answer timeout and one more try): the seconds measured are all sales, and a sign-on
// never has to fit in the warm-up's second behind the sales of the terminals signed on before it.
// Prints approvals/s and p50/p99/p99.9 latency per connection count. Goal: ≥ 10,000 approvals/s
// at 64 connections with p99 ≤ 20 ms on a 2-core machine, the generator included.
// --floor: at each point, the same connections and sale sizes against two floor servers (TCP only; TCP and a durable
// SQLite row and debit per request: bench/support/floor-server.ts), and the ratios of the switch's and the generator's
// CPU per approval to theirs: what this stack costs per approval on this machine, and what our code adds.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { CliError, numberOption, quoted } from '../cli/io.js';
import { terminalIdProblem } from '../cli/load/generator.js';
import { testTmk } from '../switch/config.js';
import { floorPoint, type FloorPoint } from './support/floor.js';
import { benchOptions } from './support/options.js';
import { processCpuMs } from './support/proc-cpu.js';
import { benchLoad, SignOnShortfall } from './support/sign-on.js';
import { startSwitchChild, SwitchStartFailure, type SwitchChild } from './support/switch-child.js';

/**
 * Each point's terminals get their own IDs: B1…, B2… (the point's place in --connections, as wide as the
 * last one's, so B01… and B10… cannot meet), then the terminal's number; its warm-up's are W1…, W2…. A load
 * starts its terminals' STANs at 000001 and DE7 counts whole seconds: the measured run's first requests,
 * sent within the second of the warm-up's first ones on the same terminals, repeated their request keys (94).
 */
const prefixOf = (point: number, points: number, letter = 'B') => `${letter}${String(point + 1).padStart(String(points).length, '0')}`;

const { values, seconds, counts } = benchOptions(
  'bench:switch',
  'npm run bench:switch [-- --json] [--seconds N] [--connections 1,16,64,256] [--db postgres://…] [--floor]',
  { json: { type: 'boolean' }, seconds: { type: 'string' }, connections: { type: 'string' }, db: { type: 'string' }, floor: { type: 'boolean' } },
  (values) => {
    const db = values.db as string | undefined;
    // The default journal is SQLite already (a fresh file in a temp dir); a URL of another kind would be taken for PostgreSQL.
    if (db !== undefined && !/^postgres(ql)?:\/\//.test(db)) throw new CliError(`--db: a postgres:// or postgresql:// URL (SQLite is the default), got ${quoted(db)}`);
    const list = (values.connections as string | undefined) ?? '1,16,64,256';
    const counts = list.split(',').map((count) => numberOption(count, 'connections', { min: 1, max: 9999 }, 0));
    counts.forEach((count, point) => {
      const problem = terminalIdProblem(prefixOf(point, list.split(',').length), count);
      if (problem) throw new CliError(`--connections: ${problem}`);
    });
    return {
      values: { json: values.json === true, db, floor: values.floor === true },
      seconds: numberOption(values.seconds as string | undefined, 'seconds', { min: 1, max: 3600, decimals: true }, 5),
      counts,
    };
  },
  `  Each connection count, on a switch and journal of its own: a 1 s warm-up (terminals W1…), then --seconds of sales
  (terminals B1…; one terminal per connection, one request in flight each; a point with declined sales says so);
  before each, the terminals all sign on (32 at once, up to 10 s and two tries each): the seconds are of sales alone.
  Defaults: --seconds 5, --connections 1,16,64,256, the journal a durable SQLite file in a temp dir (--db: a fresh schema).
  Exit 0; 1 when PostgreSQL cannot be reached, the switch does not start, a terminal never signs on or a sale goes
  unanswered (the switch died or stalled: its figures would not be of a working switch); 2 for bad usage;
  130 / 143 on Ctrl-C / SIGTERM (the switch stopped, the temp dir and schema removed).`,
);

/** One floor point's line, with the switch's and the generator's CPU per approval as multiples of the floor's. */
function describeFloor(point: FloorPoint, switchCpu: number | undefined, generatorCpu: number): string {
  const server = point.serverCpuUs.user + point.serverCpuUs.system;
  const times = (ours: number, floor: number) => `${(ours / floor).toFixed(1)}×`;
  return (
    `      floor, ${point.mode === 'tcp' ? 'TCP only:        ' : 'TCP + SQLite row:'} ${String(point.answersPerSecond).padStart(6)} answers/s     p50 ${point.latencyMs.p50} ms  p99 ${point.latencyMs.p99} ms` +
    `   server CPU ${server} µs/answer (${point.serverCpuUs.system} system)   load CPU ${point.clientCpuUs} µs/answer` +
    `   switch/floor ${switchCpu !== undefined ? times(switchCpu, server) : '?'}, generator/floor ${times(generatorCpu, point.clientCpuUs)}`
  );
}

/** A run that cannot go on: one line on stderr, exit 1. */
class BenchFailure extends Error {}

const root = resolve(import.meta.dirname, '..');
/** Each point's switch journals in a schema of its own (PostgreSQL), dropped when the point ends. */
const schemaOf = (point: number) => `bench_${process.pid}_${point}`;
let dir: string | undefined;
let child: SwitchChild | undefined;
/** The schema of the switch running now, if any (PostgreSQL). */
let schema: string | undefined;

/** Runs `query` on the --db server; a server it cannot reach is a BenchFailure naming it. */
async function onPostgres(url: string, query: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(query);
  } catch (error) {
    throw new BenchFailure(`--db: PostgreSQL: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Stops the point's switch and drops its schema (PostgreSQL). */
async function stopSwitch(): Promise<void> {
  await child?.stop();
  child = undefined;
  const dropped = schema;
  schema = undefined;
  if (values.db && dropped) await onPostgres(values.db, `DROP SCHEMA IF EXISTS ${dropped} CASCADE`).catch((error: Error) => console.error(`bench:switch: schema ${dropped} not dropped: ${error.message}`));
}

let cleaning: Promise<void> | undefined;
/** Stops the switch, then removes the temp dir and the schema: once, at the end or on a signal, whichever comes first. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopSwitch();
    if (dir) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => void cleanup().finally(() => process.exit(code)));

/** Starts the switch of point `point` on a fresh journal: journal-N.db in the run's temp dir, or schema bench_PID_N; the load's cards funded. */
async function startSwitch(point: number): Promise<number> {
  // Reachable first: the switch's own failure would be a stack trace, and nothing is left to clean up.
  if (values.db && point === 0) await onPostgres(values.db, 'SELECT 1');
  dir ??= mkdtempSync(join(tmpdir(), 'bench-switch-'));
  if (values.db) schema = schemaOf(point);
  const db = values.db ? `${values.db}${values.db.includes('?') ? '&' : '?'}schema=${schema}` : `sqlite:${join(dir, `journal-${point}.db`)}`;
  return (await startSwitchChild(root, db, (started) => (child = started))).port;
}

/**
 * CPU time the switch has used, ms: the process's says what one approval costs even on a busy
 * machine; its main thread's (the event loop, which does nearly all the work but the WAL syncs and checkpoints) says
 * how close the switch is to its limit: one core.
 */
const switchCpuMs = () => processCpuMs(child!.process.pid!);
const eventLoopCpuMs = () => processCpuMs(child!.process.pid!, child!.process.pid!);
const total = (cpu: { user: number; system: number }) => cpu.user + cpu.system;
const readings = () => ({ cpuBefore: switchCpuMs(), loopBefore: eventLoopCpuMs(), generatorBefore: process.cpuUsage(), started: performance.now() });

const rows: Array<{
  connections: number; approvalsPerSecond: number; p50: number; p99: number; p999: number; approved: number; declined: number; unanswered: number;
  switchCpuUsPerApproval?: number; switchSystemCpuUsPerApproval?: number; generatorCpuUsPerApproval: number; eventLoopBusyPercent?: number;
  floor?: FloorPoint[];
}> = [];
try {
  for (const [point, connections] of counts.entries()) {
    const port = await startSwitch(point);
    const common = { port, terminals: connections, rate: 0, tmk: testTmk, mix: { sale: 1, refund: 0, reversal: 0 }, timeoutMs: 10_000, terminalPrefix: prefixOf(point, counts.length) };
    await benchLoad(`${connections} connections, warm-up`, { ...common, terminalPrefix: prefixOf(point, counts.length, 'W'), durationMs: 1000 });
    // Read when the duration starts, after the sign-ons: the figures are of sales alone.
    let before: ReturnType<typeof readings> | undefined;
    const result = await benchLoad(`${connections} connections, measured run`, { ...common, durationMs: seconds * 1000 }, () => (before = readings()));
    // Set: a load returns only once its duration has run (the bench never stops one early).
    const { cpuBefore, loopBefore, generatorBefore, started } = before!;
    const elapsedMs = performance.now() - started;
    const generatorUsed = process.cpuUsage(generatorBefore);
    const cpuAfter = switchCpuMs();
    const loopAfter = eventLoopCpuMs();
    const loopBusy = loopBefore && loopAfter ? Math.round(((total(loopAfter) - total(loopBefore)) * 100) / elapsedMs) : undefined;
    const measured = cpuBefore && cpuAfter && result.approved > 0;
    const cpu = measured ? Math.round(((total(cpuAfter) - total(cpuBefore)) * 1000) / result.approved) : undefined;
    const systemCpu = measured ? Math.round(((cpuAfter.system - cpuBefore.system) * 1000) / result.approved) : undefined;
    // The generator runs in this process: its CPU per approval says what the load itself costs the shared cores.
    const generatorCpu = result.approved ? Math.round((generatorUsed.user + generatorUsed.system) / result.approved) : 0;
    if (result.unanswered > 0) {
      const exited = child!.process.exitCode ?? child!.process.signalCode;
      throw new BenchFailure(`${connections} connections: ${result.unanswered} of ${result.sent} sales unanswered within 10 s${exited !== null ? ` (the switch exited: ${exited})` : ''}: no figures for a switch that stopped answering`);
    }
    await stopSwitch();
    rows.push({
      connections, approvalsPerSecond: result.approvalsPerSecond, p50: result.latencyMs.p50, p99: result.latencyMs.p99, p999: result.latencyMs.p999,
      approved: result.approved, declined: result.declined, unanswered: result.unanswered,
      ...(cpu !== undefined ? { switchCpuUsPerApproval: cpu, switchSystemCpuUsPerApproval: systemCpu } : {}), generatorCpuUsPerApproval: generatorCpu,
      ...(loopBusy !== undefined ? { eventLoopBusyPercent: loopBusy } : {}),
    });
    if (!values.json)
      console.log(
        `${String(connections).padStart(4)} connections: ${String(result.approvalsPerSecond).padStart(6)} approvals/s   p50 ${result.latencyMs.p50} ms  p99 ${result.latencyMs.p99} ms  p99.9 ${result.latencyMs.p999} ms` +
          (cpu !== undefined ? `   switch CPU ${cpu} µs/approval (${systemCpu} system)` : '') + (loopBusy !== undefined ? ` (event loop ${loopBusy}% busy)` : '') +
          `   generator CPU ${generatorCpu} µs/approval`,
      );
    // Every sale should be approved: a decline (a spent card: 51) makes the rate one of answers, not of approvals.
    const declines = Object.entries(result.responseCodes).filter(([code]) => code !== '00');
    if (!values.json && declines.length)
      console.log(`      ${result.declined} sales declined (${declines.map(([code, n]) => `${code}×${n}`).join(', ')}): approvals/s counts approvals only`);
    if (values.floor) {
      const floor = [await floorPoint('tcp', connections, seconds, dir!), await floorPoint('sqlite', connections, seconds, dir!)];
      rows.at(-1)!.floor = floor;
      if (!values.json) for (const point of floor) console.log(describeFloor(point, cpu, generatorCpu));
    }
  }
} catch (error) {
  if (!(error instanceof BenchFailure || error instanceof SignOnShortfall || error instanceof SwitchStartFailure)) throw error;
  console.error(`bench:switch: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
if (process.exitCode) process.exit();
const machine = { cores: cpus().length, node: process.version, loadAverage: loadavg().map((n) => Math.round(n * 10) / 10), journal: values.db ? 'postgres' : 'sqlite (WAL, synchronous=NORMAL + WAL fdatasync before every answer)', seconds };
if (values.json) console.log(JSON.stringify({ machine, results: rows }));
else console.log(`machine: ${machine.cores} cores, load average ${machine.loadAverage.join(' ')}, Node ${machine.node}, journal ${machine.journal}, ${seconds} s per point`);
