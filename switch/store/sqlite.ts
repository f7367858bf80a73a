/**
 * The embedded journal: better-sqlite3 in WAL mode. Durable across a power cut, not only a process
 * crash: commit() resolves only after the WAL holding its transaction has been synced. SQLite runs
 * with synchronous=NORMAL, so COMMIT itself only writes the WAL frames (no sync on the event loop),
 * and this module fdatasyncs the WAL file through libuv's thread pool before resolving — the guarantee
 * synchronous=FULL gives (a committed transaction is in a synced WAL, or, after a checkpoint, which
 * NORMAL still syncs, in the synced database), without stalling every request behind each sync.
 * One sync covers every transaction committed before it started (group commit at the disk).
 * Reads may see a row whose sync is still running; nothing is answered from it before that sync.
 * Checkpoints (WAL into the database file, then its fsync) run in a worker thread: checkpointer.ts.
 * A failed sync, or a failed checkpoint, breaks the journal for good (JournalBroken, `onBroken`): see walSync.
 */
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as sql from './program.js';
import type { Program, QueryResult } from './program.js';
import { JournalBroken } from './errors.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import type { Store } from './types.js';

export interface SqliteOptions {
  /** At most this often (ms) the WAL is checkpointed (default 200): see checkpointer.ts and `durably`. */
  checkpointIntervalMs?: number;
  /** Syncs the WAL file (default fs.fdatasync); tests inject a failing one. */
  sync?: WalSyncFn;
  /** Called once, at the first failed WAL sync or checkpoint, before any commit waiting on it is rejected: the switch stops there. */
  onBroken?(error: JournalBroken): void;
}

type WalSyncFn = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

export function openSqliteStore(path: string, options: SqliteOptions = {}): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Checkpoints run in a worker (checkpointer.ts), never inside a COMMIT on the event loop.
  db.pragma('wal_autocheckpoint = 0');
  try {
    for (const statement of sql.schema('sqlite')) db.exec(statement);
  } catch (error) {
    // exec stops at the failing statement: a BEGIN before it in the same text (the settlements move)
    // would stay open, holding the file's write lock against every other process.
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    throw error;
  }
  /** Prepared once per SQL text. */
  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    const statement = db.prepare(text);
    statements.set(text, statement);
    return statement;
  };

  const exec = (query: sql.Query): QueryResult => {
    const statement = statements.get(query.sql) ?? prepare(query.sql);
    if (query.returnsId) {
      const { changes, lastInsertRowid } = statement.run(...query.params);
      return { rows: changes ? [{ id: lastInsertRowid }] : [], changes };
    }
    if (statement.reader) {
      const rows = statement.all(...query.params) as Array<Record<string, unknown>>;
      return { rows, changes: rows.length };
    }
    return { rows: [], changes: statement.run(...query.params).changes };
  };
  const file = db.memory || !path ? undefined : path;
  const wal = walSync(file && `${file}-wal`, options.sync ?? fdatasync, (error) => options.onBroken?.(error));
  const durable = wal.sync;
  const checkpointer: Checkpointer | undefined = file ? startCheckpointer(file, wal.fail) : undefined;
  const checkpointIntervalMs = options.checkpointIntervalMs ?? 200;
  let checkpointing: Promise<unknown> | undefined;
  let checkpointedAt = Date.now();
  /**
   * Nothing is written while the worker checkpoints: a checkpoint that races commits never copies the
   * last frame, and SQLite starts the WAL over only after one that did, so under steady load the WAL
   * grew without end. The pause holds the journal alone (for the checkpoint: 6–14 ms at 64 connections); requests go on
   * being processed meanwhile, and their entries make the next group commit larger.
   */
  const checkpointSoon = () => {
    if (!checkpointer || checkpointing || wal.broken || Date.now() - checkpointedAt < checkpointIntervalMs) return;
    checkpointing = checkpointer
      .run()
      .catch(() => {}) // the checkpointer broke the journal (wal.fail): the next commit throws JournalBroken
      .finally(() => {
        checkpointing = undefined;
        checkpointedAt = Date.now();
      });
  };
  const run = <T>(program: Program<T>): T => {
    let step = program.next();
    while (!step.done) step = program.next(exec(step.value));
    return step.value;
  };
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const transaction = <T>(program: Program<T>): T => {
    begin.run();
    try {
      const result = run(program);
      commit.run();
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };

  /** Commits (once a checkpoint in progress is done; then synchronously: later reads see it), resolves once it is on disk. */
  const durably = async <T>(program: Program<T>): Promise<T> => {
    while (checkpointing) await checkpointing;
    // Broken: nothing more is written (no money moves for a request that will get no answer).
    if (wal.broken) throw wal.broken;
    const result = transaction(program);
    await durable();
    checkpointSoon();
    return result;
  };

  return {
    kind: 'sqlite',
    commit: (entries) => durably(sql.commitEntries(entries, new Date().toISOString())),
    byKey: async (terminalId, stan, transmitted, mti) => run(sql.byKey(terminalId, stan, transmitted, mti)),
    byRrn: async (rrn) => run(sql.byRrn(rrn)),
    byStan: async (terminalId, stan, mmdd) => run(sql.byStan(terminalId, stan, mmdd)),
    balance: async (account) => run(sql.balance(account)),
    highestAtc: async (card) => run(sql.highestAtc(card)),
    highestKsnCounter: async (device) => run(sql.highestKsnCounter(device)),
    ensureAccounts: (accounts) => durably(sql.ensureAccounts(accounts)),
    setBalance: (account, balance) => durably(sql.setBalance(account, balance)),
    pinTries: async (account) => run(sql.pinTries(account)),
    resetPinTries: (account) => durably(sql.resetPinTries(account)),
    reserveRrns: (size) => durably(sql.reserveRrns(size)),
    search: async (filter) => run(sql.search(filter)),
    settlements: async (terminalId) => run(sql.settlements(terminalId)),
    ping: async () => run(sql.ping()),
    close: async () => {
      if (!wal.broken) await durable();
      await checkpointer?.close();
      wal.close();
      db.close();
    },
  };
}

/**
 * Syncs the WAL off the event loop with fdatasync (what SQLite itself uses on Linux: the data and
 * the metadata needed to read it back, such as a grown size). A caller waits for a sync that started
 * after it asked, so every transaction committed before the call is on disk when it resolves. Up to
 * `parallel` syncs run at once (the disk merges overlapping flushes); callers beyond that share the
 * next one. The WAL's directory is synced once, the first time (its entry must last too).
 *
 * A failed sync is final (what PostgreSQL does, data_sync_retry = off): Linux may drop the pages that
 * failed to write and mark them clean, so a later sync succeeds without them, and WAL recovery stops
 * at the first bad frame, losing every later commit too. So every commit not yet resolved, and every
 * later one, fails with JournalBroken, even when its own sync succeeds.
 */
function walSync(
  path: string | undefined,
  syncFile: WalSyncFn,
  onBroken: (error: JournalBroken) => void,
  parallel = 3,
): { sync(): Promise<void>; close(): void; fail(error: unknown): void; readonly broken: JournalBroken | undefined } {
  if (!path) return { sync: () => Promise.resolve(), close: () => {}, fail: () => {}, broken: undefined };
  type Waiter = { resolve(): void; reject(error: unknown): void };
  let broken: JournalBroken | undefined;
  /** Every caller not yet resolved, whether its sync runs or waits: a failure rejects them all. */
  const unresolved = new Set<Waiter>();
  let fd: number | undefined;
  let running = 0;
  let waiting: Waiter[] = [];
  const fail = (error: unknown) => {
    if (broken) return;
    broken = new JournalBroken(error);
    onBroken(broken);
    for (const waiter of unresolved) waiter.reject(broken);
    unresolved.clear();
    waiting = [];
  };
  const start = () => {
    const batch = waiting;
    waiting = [];
    try {
      if (fd === undefined) {
        fd = openSync(path, 'r+');
        const dir = openSync(dirname(path), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
      }
    } catch (error) {
      return fail(error);
    }
    running++;
    syncFile(fd, (error) => {
      running--;
      if (error) fail(error);
      for (const waiter of batch) if (unresolved.delete(waiter)) waiter.resolve();
      if (waiting.length && running < parallel) start();
    });
  };
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        if (broken) return reject(broken);
        const waiter: Waiter = { resolve, reject };
        unresolved.add(waiter);
        waiting.push(waiter);
        if (running < parallel) start();
      }),
    get broken() {
      return broken;
    },
    fail,
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
