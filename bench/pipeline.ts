// npm run bench:pipeline [-- --json] [--rounds N] [--requests N] [--batch N]
// The switch's own work per sale, without TCP or a load generator: sales of 64 signed-on terminals
// decoded, put through the pipeline's steps (MAC check, routing, card, risk, issuer, respond) and the
// SQLite journal (a file in a temp dir, as the switch keeps it, but its WAL sync stubbed: CPU only),
// then answered (packed, MAC'd), --batch at a time (about a group commit at 64 connections).
// In turn with it, round by round in the same run: the same with the journal in memory (no WAL: the
// steps' own share), and the codec floor, the same kind of sales unpacked, their MAC checked, and an
// answer with the same fields packed and MAC'd: what any switch does with these bytes. Measured as the
// event loop's busy time per sale (the checkpointer's thread apart), and as medians of each round's
// ratio to the codec floor's. This machine's speed drifts by up to 2× within a minute
// (docs/benchmarks.md, tenth session): the ratios moved about as much as the figures there, so compare
// a change in runs that alternate with the code before it.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pino from 'pino';
import { numberOption } from '../cli/io.js';
import { IsoMessage, specs } from '../protocols/iso8583/index.js';
import { testTmk } from '../switch/config.js';
import { createSimulatedHsm, type Hsm } from '../switch/hsm/index.js';
import { createParts } from '../switch/index.js';
import { cardAccount, issuerCards } from '../switch/issuer/cards.js';
import { decode, echoedFields, packAnswer, pipeline, run, type SwitchParts } from '../switch/pipeline.js';
import { GroupCommit } from '../switch/group-commit.js';
import { openSqliteStore } from '../switch/store/sqlite.js';
import type { Store } from '../switch/store/index.js';
import { benchOptions } from './support/options.js';
import { latencies } from './support/stats.js';

const options = benchOptions(
  'bench:pipeline',
  'npm run bench:pipeline [-- --json] [--rounds N] [--requests N] [--batch N]',
  { json: { type: 'boolean' }, rounds: { type: 'string' }, requests: { type: 'string' }, batch: { type: 'string' } },
  (values) => ({
    json: values.json === true,
    rounds: numberOption(values.rounds as string | undefined, 'rounds', { min: 1, max: 1000 }, 10),
    requests: numberOption(values.requests as string | undefined, 'requests', { min: 1, max: 1_000_000 }, 6400),
    batch: numberOption(values.batch as string | undefined, 'batch', { min: 1, max: 512 }, 32),
  }),
  '  Defaults: 10 rounds of each, 6,400 sales a round, 32 at a time, 64 terminals, 4 cards.',
);

const median = (samples: number[]) => latencies(samples).median;
const log = pino({ level: 'silent' });
const spec = specs.default;
const headerLength = spec.headerLength ?? 0;
const terminalIds = Array.from({ length: 64 }, (_, i) => `P${String(i + 1).padStart(7, '0')}`);
const pans = ['4111111111111111', '5555555555554444', '6212345678901232', '4242424242424242'];

/** Sales put through a request handler; the answer code comes back (anything but 00 ends the run). */
interface Path {
  hsm: Hsm;
  parts: SwitchParts;
  /** The next sale as pos load sends it (whole tens of cents: no forced outcome), MAC'd under its terminal's TAK. */
  sale(): Promise<Buffer>;
  /** What the switch does with a request's bytes until its answer's bytes. */
  handle(raw: Buffer): Promise<string | undefined>;
}

/** The switch's parts and steps over `store`, its 64 terminals signed on through them. */
async function switchPath(store: Store): Promise<Path> {
  const hsm = createSimulatedHsm({ lmk: Buffer.alloc(32, 0x5a), logger: log });
  const { parts } = await createParts({ enrollUnknown: { tmk: testTmk } }, store, hsm, log);
  // Balances no run spends: a 51 would end it.
  for (const card of issuerCards) await store.setBalance(cardAccount(card.pan), 1e15);
  const commits = new GroupCommit(store, 1);
  const steps = pipeline((entry) => commits.submit(entry));
  const handle = async (raw: Buffer): Promise<string | undefined> => {
    const ctx = decode(parts, raw, log);
    try {
      await run(ctx, steps);
      await packAnswer(ctx);
      return ctx.answer['39'];
    } finally {
      parts.release(ctx.terminal, ctx.keyGeneration);
    }
  };
  const stans = new Map(terminalIds.map((id) => [id, 0]));
  const message = (terminalId: string, mti: string, fields: Record<string, string | number | Buffer>): IsoMessage => {
    const stan = (stans.get(terminalId)! % 999_999) + 1;
    stans.set(terminalId, stan);
    const m = new IsoMessage(spec, mti).set('7', '1128120000').set('11', String(stan).padStart(6, '0')).set('41', terminalId);
    if (mti !== '0800') m.set('42', 'M00000000000001');
    for (const [path, value] of Object.entries(fields)) m.set(path, value);
    return m;
  };
  for (const id of terminalIds) {
    const code = await handle(message(id, '0800', { '70': '001' }).pack());
    if (code !== '00') throw new Error(`bench:pipeline: terminal ${id} sign-on answered ${code}`);
  }
  let sales = 0;
  const sale = async (): Promise<Buffer> => {
    const n = sales++;
    const terminalId = terminalIds[n % terminalIds.length]!;
    const amount = (10 + ((n * 37) % 990)) * 10;
    const fields = { '2': pans[n % pans.length]!, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156', '64': Buffer.alloc(8) };
    const bytes = message(terminalId, '0200', fields).pack();
    (await hsm.generateMac(await takOf(parts, terminalId), bytes.subarray(headerLength, bytes.length - 8))).copy(bytes, bytes.length - 8);
    return bytes;
  };
  return { hsm, parts, sale, handle };
}

async function takOf(parts: SwitchParts, terminalId: string): Promise<string> {
  const terminal = await parts.terminal(terminalId);
  parts.release(terminal, undefined);
  return terminal!.takId!;
}

/** The floor over a switch path's terminals: the request unpacked and its MAC checked, an approval with the pipeline's answer fields packed and MAC'd. */
function codecPath({ hsm, parts, sale }: Path): Path {
  const handle = async (raw: Buffer): Promise<string> => {
    const request = IsoMessage.unpack(spec, raw);
    const takId = await takOf(parts, request.getString('41')!);
    if (!(await hsm.verifyMac(takId, raw.subarray(headerLength, raw.length - 8), raw.subarray(raw.length - 8)))) return 'A0';
    const answer = new IsoMessage(spec, '0210').copyFields(request, echoedFields).set('37', '000000000001').set('38', '123456').set('39', '00').set('64', Buffer.alloc(8));
    const bytes = answer.pack();
    (await hsm.generateMac(takId, bytes.subarray(headerLength, bytes.length - 8))).copy(bytes, bytes.length - 8);
    return '00';
  };
  return { hsm, parts, sale, handle };
}

/** One round: its sales made first (not measured), then handled --batch at a time; the event loop's busy µs per sale. */
async function round(path: Path): Promise<number> {
  const batches: Buffer[][] = [];
  for (let made = 0; made < options.requests; made += options.batch)
    batches.push(await Promise.all(Array.from({ length: Math.min(options.batch, options.requests - made) }, path.sale)));
  const before = performance.eventLoopUtilization();
  for (const batch of batches) {
    for (const code of await Promise.all(batch.map(path.handle))) if (code !== '00') throw new Error(`bench:pipeline: a sale was answered ${code}`);
  }
  return (performance.eventLoopUtilization(before).active * 1000) / options.requests;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const journalPath = join(dir, 'journal.db');
const store = openSqliteStore(journalPath, { sync: (_fd, done) => done(null) });
const memory = openSqliteStore(':memory:');
try {
  const onFile = await switchPath(store);
  const paths = { pipeline: onFile, 'in memory': await switchPath(memory), codec: codecPath(onFile) };
  const samples = { pipeline: [] as number[], 'in memory': [] as number[], codec: [] as number[] };
  const names = Object.keys(paths) as Array<keyof typeof paths>;
  // One round of each first, not counted: the code is compiled by then.
  for (const name of names) await round(paths[name]);
  for (let i = 0; i < options.rounds; i++) for (const name of names) samples[name].push(await round(paths[name]));
  // Read back from the file: the approved sales the journal holds (every round's, the uncounted first one's too).
  const reader = new Database(journalPath, { readonly: true });
  const { journaled } = reader.prepare("SELECT count(*) AS journaled FROM transactions WHERE mti = '0200' AND response_code = '00'").get() as { journaled: number };
  reader.close();
  const summary = (us: number[]) => ({ usPerSale: Math.round(median(us) * 10) / 10, min: Math.round(Math.min(...us) * 10) / 10, max: Math.round(Math.max(...us) * 10) / 10 });
  const result = {
    machine: { cores: cpus().length, node: process.version, loadAverage: loadavg().map((n) => Math.round(n * 10) / 10) },
    options: { rounds: options.rounds, requests: options.requests, batch: options.batch },
    journaled,
    pipeline: summary(samples.pipeline),
    inMemory: summary(samples['in memory']),
    codec: summary(samples.codec),
    // Round by round (each ran right after the other), then the median.
    ratio: Math.round(median(samples.pipeline.map((us, i) => us / samples.codec[i]!)) * 100) / 100,
    inMemoryRatio: Math.round(median(samples['in memory'].map((us, i) => us / samples.codec[i]!)) * 100) / 100,
  };
  if (options.json) console.log(JSON.stringify(result));
  else {
    for (const [name, r] of [['pipeline', result.pipeline], ['in memory', result.inMemory], ['codec', result.codec]] as const)
      console.log(`${name.padEnd(9)} ${String(r.usPerSale).padStart(6)} µs/sale of event-loop time (median of ${options.rounds} rounds; ${r.min}–${r.max})`);
    console.log(`pipeline/codec: ${result.ratio}×, in memory/codec: ${result.inMemoryRatio}× (medians of the rounds' ratios)`);
    console.log(`machine: ${result.machine.cores} cores, load average ${result.machine.loadAverage.join(' ')}, Node ${result.machine.node}; ${options.requests} sales a round, ${options.batch} at a time, 64 terminals`);
  }
} finally {
  await store.close();
  await memory.close();
  rmSync(dir, { recursive: true, force: true });
}
