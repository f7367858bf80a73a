/**
 * The floor under bench:switch: a server doing only what no durable approval can skip on this
 * stack. It reads length-framed requests from TCP and answers each with a canned frame of a sale
 * answer's size; with `sqlite` it first writes a journal row under a unique request key and debits
 * an account, group-committed and the WAL fdatasynced before answering, as the switch's journal is
 * (switch/store/sqlite.ts). No ISO 8583, no MAC, no pipeline, no logging: its CPU per answer is what
 * Node, the kernel (and SQLite) cost here, the least a switch written on this stack could spend.
 *
 * node --import tsx bench/support/floor-server.ts PORT ANSWER_BYTES tcp|sqlite [DB]
 * Prints the port it listens on (PORT 0: one the system chose) once listening.
 */
import { fdatasync, openSync } from 'node:fs';
import net from 'node:net';
import Database from 'better-sqlite3';
import { Deframer, frame } from '../../protocols/framing/index.js';

const [portText, answerBytes, mode, path] = process.argv.slice(2);
const answer = frame(Buffer.alloc(Number(answerBytes), 0x30), { length: 'binary2' });

/** Answers `socket`'s request once it is journaled and on disk (sqlite mode). */
function durableAnswers(path: string): (socket: net.Socket) => void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE journal (id INTEGER PRIMARY KEY, connection INTEGER NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL, UNIQUE (connection, seq))');
  db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  db.exec('INSERT INTO accounts VALUES (1, 1000000000000)');
  const insert = db.prepare('INSERT INTO journal (connection, seq, amount) VALUES (?, ?, 1000)');
  const debit = db.prepare('UPDATE accounts SET balance = balance - 1000 WHERE id = 1');
  const wal = openSync(`${path}-wal`, 'r+');
  const keys = new Map<net.Socket, { connection: number; seq: number }>();
  let pending: net.Socket[] = [];
  let writing = false;

  // Like the switch's group commit: one transaction and sync at a time; requests read meanwhile wait for the next.
  const commitSoon = () => {
    if (writing || pending.length === 0) return;
    writing = true;
    setImmediate(() => {
      const batch = pending;
      pending = [];
      db.exec('BEGIN IMMEDIATE');
      for (const socket of batch) {
        let key = keys.get(socket);
        if (!key) keys.set(socket, (key = { connection: keys.size, seq: 0 }));
        insert.run(key.connection, key.seq++);
        debit.run();
      }
      db.exec('COMMIT');
      fdatasync(wal, () => {
        for (const socket of batch) socket.write(answer);
        writing = false;
        commitSoon();
      });
    });
  };
  return (socket) => {
    pending.push(socket);
    commitSoon();
  };
}

const answerWhenDurable = mode === 'sqlite' ? durableAnswers(path!) : undefined;

const server = net.createServer({ noDelay: true }, (socket) => {
  const deframer = new Deframer({ length: 'binary2' });
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    for (const _request of deframer.push(chunk)) {
      if (answerWhenDurable) answerWhenDurable(socket);
      else socket.write(answer);
    }
  });
});
server.listen(Number(portText), '127.0.0.1', () => console.log((server.address() as net.AddressInfo).port));
process.on('SIGTERM', () => process.exit(0));
