// npm run bench:journal [-- --json] [--rows N] [--commits N] [--batch N] [--terminals N] [--cards N]
// What the switch's SQLite journal writes per durable approval, beside the durable floor's journal
// (bench/support/floor-journal.ts: a row under a unique key and a debit), in the same run:
//   - WAL pages per commit and per sale, and which b-trees (tables, indexes) they are: the WAL's frames
//     read back and their page numbers looked up in SQLite's `dbstat`. Every page a commit changes is
//     written whole to the WAL and synced before its answers go: the store's CPU in COMMIT and the
//     sync's length grow with them (docs/benchmarks.md, ninth session);
//   - CPU per sale of the commits (the store's commit() with its real statements; the WAL sync stubbed,
//     checkpoints off while measuring).
// Sales as bench:switch sends them: --terminals terminals taking turns, --cards cards (bench:switch's
// load uses 4; more, in a scattered order, for a journal of real card variety), --batch sales a commit
// (a group commit's size at 64 connections), after --rows sales already journaled.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { numberOption } from '../cli/io.js';
import { openSqliteStore } from '../switch/store/sqlite.js';
import type { JournalEntry } from '../switch/store/index.js';
import { openFloorJournal } from './support/floor-journal.js';
import { benchOptions } from './support/options.js';

const options = benchOptions(
  'bench:journal',
  'npm run bench:journal [-- --json] [--rows N] [--commits N] [--batch N] [--terminals N] [--cards N]',
  { json: { type: 'boolean' }, rows: { type: 'string' }, commits: { type: 'string' }, batch: { type: 'string' }, terminals: { type: 'string' }, cards: { type: 'string' } },
  (values) => ({
    json: values.json === true,
    rows: numberOption(values.rows as string | undefined, 'rows', { min: 0, max: 10_000_000 }, 100_000),
    commits: numberOption(values.commits as string | undefined, 'commits', { min: 1, max: 100_000 }, 300),
    batch: numberOption(values.batch as string | undefined, 'batch', { min: 1, max: 512 }, 30),
    terminals: numberOption(values.terminals as string | undefined, 'terminals', { min: 1, max: 9999 }, 64),
    cards: numberOption(values.cards as string | undefined, 'cards', { min: 1, max: 100_000 }, 4),
  }),
  `  Defaults: 100,000 sales journaled first, then 300 commits of 30 sales, 64 terminals, 4 cards.`,
);

/** Pages of the WAL by the b-tree they belong to, read from its frames (32-byte header, then 24-byte frame headers, each before its page). */
function walPagesByTree(path: string): { frames: number; byTree: Map<string, number> } {
  const wal = readFileSync(`${path}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const db = new Database(path, { readonly: true });
  const owner = new Map<number, string>();
  for (const { name, pageno } of db.prepare('SELECT name, pageno FROM dbstat').all() as Array<{ name: string; pageno: number }>) owner.set(pageno, name);
  db.close();
  const byTree = new Map<string, number>();
  let frames = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const page = wal.readUInt32BE(at);
    // Page 1 is sqlite_schema's (it also holds the file header, whose page count a growing file changes).
    const tree = owner.get(page) ?? 'page not in a b-tree (free)';
    byTree.set(tree, (byTree.get(tree) ?? 0) + 1);
    frames++;
  }
  return { frames, byTree };
}

/** Empties the WAL (its frames copied into the database file), so that what follows is all it holds. */
function emptyWal(path: string): void {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const pans = Array.from({ length: options.cards }, (_, i) => `62123456${String(i).padStart(8, '0')}`);
let sales = 0;
/** The next sale's journal entry, as the pipeline makes it for a table card (switch/pipeline.ts requestRow). */
function sale(): JournalEntry {
  const n = sales++;
  // Cards in a fixed scattered order (Knuth's multiplicative hash of the sale's number): consecutive sales are not of neighbouring cards.
  const pan = pans[(Math.imul(n, 2654435761) >>> 0) % pans.length]!;
  const maskedPan = `${pan.slice(0, 6)}******${pan.slice(-4)}`;
  const account = `card:${pan}`;
  const rrn = String(n + 1).padStart(12, '0');
  const at = new Date(Date.UTC(2026, 10, 28, 12) + n * 0.1);
  const transmitted = at.toISOString().replace(/\D/g, '').slice(4, 14);
  return {
    row: {
      terminalId: `B${String(n % options.terminals).padStart(7, '0')}`, merchantId: 'M00000000000001', stan: String((Math.floor(n / options.terminals) % 999_999) + 1).padStart(6, '0'),
      transmitted, mti: '0200', kind: 'sale', processingCode: '000000', amount: 1000, currency: '156', maskedPan, wallet: null, entryMode: '011',
      issuer: 'unionpay', account, responseCode: '00', authCode: '123456', rrn, debit: 1000, originalId: null,
      answer: { '39': '00', '37': rrn, '38': '123456' }, fingerprint: `02:000000:1000:${maskedPan}::::`,
    },
    effects: [{ type: 'debit', account, amount: 1000, check: true }],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-journal-'));
try {
  // Ours: the store as the switch opens it, but no sync (CPU only) and no checkpoint (the WAL keeps every frame written).
  const ours = join(dir, 'journal.db');
  const store = openSqliteStore(ours, { sync: (_fd, done) => done(null), checkpointIntervalMs: Infinity });
  await store.ensureAccounts(pans.map((pan) => ({ id: `card:${pan}`, balance: 1e15 })));
  const batch = () => Array.from({ length: options.batch }, sale);
  for (let written = 0; written < options.rows; written += options.batch) await store.commit(batch());
  emptyWal(ours);
  const before = process.cpuUsage();
  for (let i = 0; i < options.commits; i++) await store.commit(batch());
  const used = process.cpuUsage(before);
  const oursPages = walPagesByTree(ours);
  await store.close();

  // The floor: the same commits of its minimal row and debit, the same terminals (its connections) taking turns.
  const floorPath = join(dir, 'floor.db');
  const floor = openFloorJournal(floorPath);
  floor.db.pragma('wal_autocheckpoint = 0');
  let floorSales = 0;
  const floorBatch = () => {
    floor.db.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < options.batch; i++) floor.write(floorSales++ % options.terminals);
    floor.db.exec('COMMIT');
  };
  for (let written = 0; written < options.rows; written += options.batch) floorBatch();
  emptyWal(floorPath);
  const floorBefore = process.cpuUsage();
  for (let i = 0; i < options.commits; i++) floorBatch();
  const floorUsed = process.cpuUsage(floorBefore);
  const floorPages = walPagesByTree(floorPath);
  floor.db.close();

  const perSale = options.commits * options.batch;
  const report = (pages: ReturnType<typeof walPagesByTree>, cpu: NodeJS.CpuUsage) => ({
    walPagesPerCommit: Math.round((pages.frames / options.commits) * 10) / 10,
    walPagesPerSale: Math.round((pages.frames / perSale) * 100) / 100,
    cpuUsPerSale: Math.round(((cpu.user + cpu.system) / perSale) * 10) / 10,
    byTree: Object.fromEntries([...pages.byTree].sort((a, b) => b[1] - a[1]).map(([tree, n]) => [tree, Math.round((n / options.commits) * 10) / 10])),
  });
  const result = { machine: { cores: cpus().length, node: process.version, loadAverage: loadavg().map((n) => Math.round(n * 10) / 10) }, options, journal: report(oursPages, used), floor: report(floorPages, floorUsed) };
  if (options.json) console.log(JSON.stringify(result));
  else {
    for (const [name, r] of [['journal', result.journal], ['floor', result.floor]] as const) {
      console.log(`${name.padEnd(8)} ${String(r.walPagesPerCommit).padStart(6)} WAL pages/commit  ${String(r.walPagesPerSale).padStart(5)} per sale  ${String(r.cpuUsPerSale).padStart(6)} µs CPU/sale`);
      for (const [tree, n] of Object.entries(r.byTree)) console.log(`         ${String(n).padStart(6)}  ${tree}`);
    }
    console.log(`journal/floor: ${(result.journal.walPagesPerSale / result.floor.walPagesPerSale).toFixed(1)}× the WAL pages, ${(result.journal.cpuUsPerSale / result.floor.cpuUsPerSale).toFixed(1)}× the CPU per sale`);
    console.log(`machine: ${result.machine.cores} cores, load average ${result.machine.loadAverage.join(' ')}, Node ${result.machine.node}; ${options.rows} sales first, ${options.commits} commits of ${options.batch}, ${options.terminals} terminals, ${options.cards} cards`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
