// The SQLite journal's checkpointer, a worker thread with its own connection to the journal file
// (switch/store/checkpointer.ts starts it). Plain JavaScript: a worker does not inherit the tsx loader.
// Each message asks for one PASSIVE checkpoint: the WAL's frames copied into the database file, which
// is then fsynced (synchronous=NORMAL), here, so the switch's event loop never waits for that sync.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ frames: result.log, copied: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: { message: error.message, code: error.code } });
  }
});
