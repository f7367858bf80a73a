/**
 * The durable floor's journal (bench:switch --floor's `sqlite` mode, and bench:journal's peer): the
 * least a durable approval writes on this stack, a row under a unique request key and a debit.
 */
import Database from 'better-sqlite3';

export interface FloorJournal {
  db: Database.Database;
  /** Journals one answer of `connection` (its next sequence number) and debits the account; inside a transaction the caller opens. */
  write(connection: number): void;
}

export function openFloorJournal(path: string): FloorJournal {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE journal (id INTEGER PRIMARY KEY, connection INTEGER NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL, UNIQUE (connection, seq))');
  db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  db.exec('INSERT INTO accounts VALUES (1, 1000000000000)');
  const insert = db.prepare('INSERT INTO journal (connection, seq, amount) VALUES (?, ?, 1000)');
  const debit = db.prepare('UPDATE accounts SET balance = balance - 1000 WHERE id = 1');
  const sequences: number[] = [];
  return {
    db,
    write: (connection) => {
      const seq = (sequences[connection] ?? 0) + 1;
      sequences[connection] = seq;
      insert.run(connection, seq);
      debit.run();
    },
  };
}
