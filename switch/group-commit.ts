/**
 * Group commit: entries handed in while a transaction is being written wait and go together in
 * the next one, so one fsync (SQLite) or one COMMIT round trip (PostgreSQL) covers a whole burst of
 * answers. Every promise resolves only after its transaction is durable. A batch that fails is
 * committed again entry by entry, so a failure answers 96 only to the request that caused it.
 * A batch whose COMMIT outcome is unknown is committed again the same way, each entry alone, and
 * that learns what happened: an entry already committed comes back as a duplicate with its stored
 * row (nothing applied twice: effects apply to new rows only), one that was not is committed now.
 * An entry whose outcome stays unknown, or any after a broken journal, is rejected with the error
 * that says so, and the switch does not answer it.
 */
import { JournalBroken, JournalOutcomeUnknown, unanswerable, type CommitResult, type JournalEntry, type Store } from './store/index.js';

interface Waiting {
  entry: JournalEntry;
  resolve(result: CommitResult): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  private queue: Waiting[] = [];
  private running = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    /** Transactions in flight at once: 1 for SQLite (one writer); more let PostgreSQL overlap round trips. */
    private readonly concurrency = 1,
    private readonly maxBatch = 512,
  ) {}

  submit(entry: JournalEntry): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or being written. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate: let the requests already read from sockets in this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.running++;
    try {
      const results = await this.store.commit(batch.map((waiting) => waiting.entry));
      batch.forEach((waiting, i) => waiting.resolve(results[i]!));
    } catch (error) {
      // Rolled back (the store already retried what is worth retrying): one bad entry must not fail
      // the others, so each goes again alone and only the bad one fails. Outcome unknown: each goes
      // again alone to learn it, and one that fails again stays unknown whatever the new error says.
      const unknown = error instanceof JournalOutcomeUnknown;
      if (error instanceof JournalBroken || (batch.length === 1 && !unknown)) for (const waiting of batch) waiting.reject(error);
      else
        for (const waiting of batch)
          await this.store.commit([waiting.entry]).then(
            (results) => waiting.resolve(results[0]!),
            (again: unknown) => waiting.reject(unknown && !unanswerable(again) ? error : again),
          );
    } finally {
      this.running--;
      if (this.queue.length) this.schedule();
      else if (this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
