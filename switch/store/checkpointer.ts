/**
 * Checkpoints of the SQLite journal, off the event loop. SQLite's own (wal_autocheckpoint, each 1000
 * WAL pages) ran inside a COMMIT, on the event loop, and fsynced the database file there: at 64
 * connections one commit in about 16 took 10–12 ms, a tenth of the loop's time.
 * Here a worker thread (checkpoint-worker.mjs, its own connection) checkpoints and syncs.
 */
import { Worker } from 'node:worker_threads';

export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint ran, and how many of them it copied into the database file. */
  frames: number;
  copied: number;
}

export interface Checkpointer {
  /** One PASSIVE checkpoint; rejects when SQLite or the sync failed (the caller breaks the journal). */
  run(): Promise<CheckpointResult>;
  /** Waits for a checkpoint in progress, then closes the worker's connection. */
  close(): Promise<void>;
}

export function startCheckpointer(path: string, onFailure: (error: Error) => void): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { path } });
  // Idle, it holds no process open (one that exits without closing the store is not kept alive by it);
  // while the store waits on it (a checkpoint, the close), it does: else a process whose last socket had
  // closed exited in the middle of its shutdown (`pos demo` never printed its stopped line).
  worker.unref();
  let waiting: { resolve(result: CheckpointResult): void; reject(error: Error): void } | undefined;
  let running: Promise<CheckpointResult> | undefined;
  let closing = false;
  let failure: Error | undefined;
  const failed = (error: Error) => {
    worker.unref();
    waiting?.reject(error);
    waiting = undefined;
    if (failure) return;
    failure = error;
    onFailure(error);
  };
  // A worker gone before close() would leave a checkpoint waiting for ever, and the journal's writes behind it.
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!closing) failed(new Error(`WAL checkpointer exited (code ${code})`));
      resolve();
    }),
  );
  worker.on('message', (message: CheckpointResult | { error: { message: string; code?: string } }) => {
    if ('error' in message) return failed(Object.assign(new Error(`WAL checkpoint: ${message.error.message}`), { code: message.error.code }));
    worker.unref();
    waiting?.resolve(message);
    waiting = undefined;
  });
  worker.on('error', (error) => failed(new Error(`WAL checkpointer: ${error.message}`)));
  return {
    run: () => {
      running = new Promise<CheckpointResult>((resolve, reject) => {
        if (failure) return reject(failure);
        waiting = { resolve, reject };
        worker.ref();
        worker.postMessage('run');
      });
      return running;
    },
    close: async () => {
      await running?.catch(() => {});
      closing = true;
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
