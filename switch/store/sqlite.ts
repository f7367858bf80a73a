/**
 * The embedded journal: better-sqlite3 in WAL mode. Durable across a power cut, not only a process
 * crash: commit() resolves only after the WAL holding its transaction has been fsynced. SQLite runs
 * with synchronous=NORMAL, so COMMIT itself only writes the WAL frames (no fsync on the event loop),
 * and this module fsyncs the WAL file through libuv's thread pool before resolving — the guarantee
 * synchronous=FULL gives (a committed transaction is in a synced WAL, or, after a checkpoint, which
 * NORMAL still syncs, in the synced database), without stalling every request behind each fsync.
 * One fsync covers every transaction committed before it started (group commit at the disk).
 * Reads may see a row whose fsync is still running; nothing is answered from it before that fsync.
 */
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as sql from './program.js';
import type { Program, QueryResult } from './program.js';
import type { Store } from './types.js';

export function openSqliteStore(path: string): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  for (const statement of sql.schema('sqlite')) db.exec(statement);
  const statements = new Map<string, Database.Statement>();

  const exec = (query: sql.Query): QueryResult => {
    let statement = statements.get(query.sql);
    if (!statement) statements.set(query.sql, (statement = db.prepare(query.sql)));
    if (statement.reader) {
      const rows = statement.all(...query.params) as Array<Record<string, unknown>>;
      return { rows, changes: rows.length };
    }
    return { rows: [], changes: statement.run(...query.params).changes };
  };
  const wal = walSync(db.memory || !path ? undefined : `${path}-wal`);
  const durable = wal.sync;
  const run = <T>(program: Program<T>): T => {
    let step = program.next();
    while (!step.done) step = program.next(exec(step.value));
    return step.value;
  };
  const transaction = <T>(program: Program<T>): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = run(program);
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };

  /** Commits now (synchronously: later reads see it), resolves once it is on disk. */
  const durably = async <T>(program: Program<T>): Promise<T> => {
    const result = transaction(program);
    await durable();
    return result;
  };

  return {
    kind: 'sqlite',
    commit: (entries) => durably(sql.commitEntries(entries, new Date().toISOString())),
    byKey: async (terminalId, stan, transmitted, mti) => run(sql.byKey(terminalId, stan, transmitted, mti)),
    byRrn: async (rrn) => run(sql.byRrn(rrn)),
    byStan: async (terminalId, stan, mmdd) => run(sql.byStan(terminalId, stan, mmdd)),
    balance: async (account) => run(sql.balance(account)),
    ensureAccounts: (accounts) => durably(sql.ensureAccounts(accounts)),
    setBalance: (account, balance) => durably(sql.setBalance(account, balance)),
    reserveRrns: (size) => durably(sql.reserveRrns(size)),
    unsettledTotals: async (terminalId) => run(sql.unsettledTotals(terminalId)),
    search: async (filter) => run(sql.search(filter)),
    settlements: async (terminalId) => run(sql.settlements(terminalId)),
    close: async () => {
      await durable();
      wal.close();
      db.close();
    },
  };
}

/**
 * fsyncs the WAL off the event loop. A caller waits for an fsync that started after it asked, so
 * every transaction committed before the call is on disk when it resolves; callers that ask while
 * one runs share the next. The WAL's directory is synced once, the first time (its entry must last too).
 */
function walSync(path: string | undefined): { sync(): Promise<void>; close(): void } {
  if (!path) return { sync: () => Promise.resolve(), close: () => {} };
  let fd: number | undefined;
  let running = false;
  let waiting: Array<{ resolve(): void; reject(error: unknown): void }> = [];
  const start = () => {
    const batch = waiting;
    waiting = [];
    running = true;
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
      running = false;
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    fsync(fd, (error) => {
      running = false;
      for (const waiter of batch) if (error) waiter.reject(error);
      else waiter.resolve();
      if (waiting.length) start();
    });
  };
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!running) start();
      }),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
