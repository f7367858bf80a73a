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
import { Deframer, frame } from '../../protocols/framing/index.js';
import { openFloorJournal } from './floor-journal.js';

const [portText, answerBytes, mode, path] = process.argv.slice(2);
const answer = frame(Buffer.alloc(Number(answerBytes), 0x30), { length: 'binary2' });

/** Answers `socket`'s request once it is journaled and on disk (sqlite mode). */
function durableAnswers(path: string): (socket: net.Socket) => void {
  const { db, write } = openFloorJournal(path);
  const wal = openSync(`${path}-wal`, 'r+');
  const connections = new Map<net.Socket, number>();
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
        let connection = connections.get(socket);
        if (connection === undefined) connections.set(socket, (connection = connections.size));
        write(connection);
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
