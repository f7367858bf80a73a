/**
 * The embedded journal: better-sqlite3 in WAL mode with synchronous=FULL, so every COMMIT fsyncs
 * the WAL before it returns (durable across a power cut, not only a process crash — NORMAL would
 * only survive the latter). The switch answers after commit(), and commit() batches whatever the
 * event loop gathered into one transaction, so one fsync covers many answers (group commit).
 * Queries run synchronously on the one connection, so a read never sees an uncommitted row.
 */
import Database from 'better-sqlite3';
import * as sql from './program.js';
import type { Program, QueryResult } from './program.js';
import type { Store } from './types.js';

export function openSqliteStore(path: string): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
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

  return {
    kind: 'sqlite',
    commit: async (entries) => transaction(sql.commitEntries(entries, new Date().toISOString())),
    byKey: async (terminalId, stan, transmitted, mti) => run(sql.byKey(terminalId, stan, transmitted, mti)),
    byRrn: async (rrn) => run(sql.byRrn(rrn)),
    byStan: async (terminalId, stan, mmdd) => run(sql.byStan(terminalId, stan, mmdd)),
    balance: async (account) => run(sql.balance(account)),
    ensureAccounts: async (accounts) => transaction(sql.ensureAccounts(accounts)),
    setBalance: async (account, balance) => transaction(sql.setBalance(account, balance)),
    reserveRrns: async (size) => transaction(sql.reserveRrns(size)),
    unsettledTotals: async (terminalId) => run(sql.unsettledTotals(terminalId)),
    search: async (filter) => run(sql.search(filter)),
    settlements: async (terminalId) => run(sql.settlements(terminalId)),
    close: async () => {
      db.close();
    },
  };
}
