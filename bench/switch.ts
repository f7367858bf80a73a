// npm run bench:switch [-- --json] [--seconds N] [--connections 1,16,64,256] [--db URL]
// `pos load` against `pos switch` (a child process) with the journal durable: SQLite in WAL with
// its own fdatasync of the WAL before each answer (see switch/store/sqlite.ts) in a temp dir by default, or --db postgres://… (a fresh schema per run).
// Each connection count runs for --seconds after a one-second warm-up; one terminal per connection,
// one request in flight each, sales only (every request a durable approval).
// Prints approvals/s and p50/p99/p99.9 latency per connection count. Goal: ≥ 10,000 approvals/s
// at 64 connections with p99 ≤ 20 ms on a 2-core machine, the generator included.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { numberOption } from '../cli/io.js';
import { runLoad } from '../cli/load/generator.js';
import { testTmk } from '../switch/config.js';
import { benchOptions } from './support/options.js';

const { values, seconds, counts } = benchOptions(
  'bench:switch',
  'npm run bench:switch [-- --json] [--seconds N] [--connections 1,16,64,256] [--db URL]',
  { json: { type: 'boolean' }, seconds: { type: 'string' }, connections: { type: 'string' }, db: { type: 'string' } },
  (values) => {
    const list = (values.connections as string | undefined) ?? '1,16,64,256';
    return {
      values: { json: values.json === true, db: values.db as string | undefined },
      seconds: numberOption(values.seconds as string | undefined, 'seconds', { min: 1, max: 3600, decimals: true }, 5),
      counts: list.split(',').map((count) => numberOption(count, 'connections', { min: 1, max: 9999 }, 0)),
    };
  },
);
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bench-switch-'));
const db = values.db
  ? `${values.db}${values.db.includes('?') ? '&' : '?'}schema=bench_${process.pid}`
  : `sqlite:${join(dir, 'journal.db')}`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const port = await freePort();
const child: ChildProcess = spawn(process.execPath, ['cli/pos.mjs', 'switch', '--port', String(port), '--admin-port', '0', '--db', db, '--log-level', 'warn', '--host', '127.0.0.1'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((ready, fail) => {
  child.stdout!.once('data', () => ready());
  child.once('exit', (code) => fail(new Error(`pos switch exited ${code}`)));
});

/**
 * CPU time (user + system) the switch has used, ms; Linux /proc. The process's says what one approval
 * costs even on a busy machine; its main thread's (the event loop, which does nearly all the work but
 * the WAL syncs) says how close the switch is to its limit: one core.
 */
function switchCpuMs(stat = `/proc/${child.pid}/stat`): number | undefined {
  try {
    const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
const eventLoopCpuMs = () => switchCpuMs(`/proc/${child.pid}/task/${child.pid}/stat`);

const rows: Array<{
  connections: number; approvalsPerSecond: number; p50: number; p99: number; p999: number; approved: number; unanswered: number;
  switchCpuUsPerApproval?: number; generatorCpuUsPerApproval: number; eventLoopBusyPercent?: number;
}> = [];
try {
  for (const connections of counts) {
    const common = { port, terminals: connections, rate: 0, tmk: testTmk, mix: { sale: 1, refund: 0, reversal: 0 }, timeoutMs: 10_000, terminalPrefix: `B${connections}` };
    await runLoad({ ...common, durationMs: 1000 });
    const cpuBefore = switchCpuMs();
    const loopBefore = eventLoopCpuMs();
    const generatorBefore = process.cpuUsage();
    const started = performance.now();
    const result = await runLoad({ ...common, durationMs: seconds * 1000 });
    const elapsedMs = performance.now() - started;
    const generatorUsed = process.cpuUsage(generatorBefore);
    const cpuAfter = switchCpuMs();
    const loopAfter = eventLoopCpuMs();
    const loopBusy = loopBefore !== undefined && loopAfter !== undefined ? Math.round(((loopAfter - loopBefore) * 100) / elapsedMs) : undefined;
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined && result.approved ? Math.round(((cpuAfter - cpuBefore) * 1000) / result.approved) : undefined;
    // The generator runs in this process: its CPU per approval says what the load itself costs the shared cores.
    const generatorCpu = result.approved ? Math.round((generatorUsed.user + generatorUsed.system) / result.approved) : 0;
    rows.push({
      connections, approvalsPerSecond: result.approvalsPerSecond, p50: result.latencyMs.p50, p99: result.latencyMs.p99, p999: result.latencyMs.p999,
      approved: result.approved, unanswered: result.unanswered, ...(cpu !== undefined ? { switchCpuUsPerApproval: cpu } : {}), generatorCpuUsPerApproval: generatorCpu,
      ...(loopBusy !== undefined ? { eventLoopBusyPercent: loopBusy } : {}),
    });
    if (!values.json)
      console.log(
        `${String(connections).padStart(4)} connections: ${String(result.approvalsPerSecond).padStart(6)} approvals/s   p50 ${result.latencyMs.p50} ms  p99 ${result.latencyMs.p99} ms  p99.9 ${result.latencyMs.p999} ms` +
          (cpu !== undefined ? `   switch CPU ${cpu} µs/approval` : '') + (loopBusy !== undefined ? ` (event loop ${loopBusy}% busy)` : '') +
          `   generator CPU ${generatorCpu} µs/approval`,
      );
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((done) => child.once('exit', done));
  rmSync(dir, { recursive: true, force: true });
  if (values.db) {
    const client = new pg.Client({ connectionString: values.db });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS bench_${process.pid} CASCADE`);
    await client.end();
  }
}
const machine = { cores: cpus().length, node: process.version, loadAverage: loadavg().map((n) => Math.round(n * 10) / 10), journal: values.db ? 'postgres' : 'sqlite (WAL, synchronous=NORMAL + WAL fdatasync before every answer)', seconds };
if (values.json) console.log(JSON.stringify({ machine, results: rows }));
else console.log(`machine: ${machine.cores} cores, load average ${machine.loadAverage.join(' ')}, Node ${machine.node}, journal ${machine.journal}, ${seconds} s per point`);
