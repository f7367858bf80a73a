/**
 * Journal failures after which the switch must not answer: a terminal takes 96 as a decline and does
 * not reverse, so 96 is only for a transaction known to be rolled back. With no answer the terminal
 * times out and reverses; the reversal finds the row (and undoes it) or answers 25.
 */

/** A COMMIT was sent and its reply lost (connection gone, timed out): the transaction may have committed. */
export class JournalOutcomeUnknown extends Error {
  override readonly name = 'JournalOutcomeUnknown';
  constructor(cause: unknown) {
    super(`journal: outcome of a commit unknown (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

/**
 * The journal can no longer promise durability (a failed WAL sync or checkpoint: Linux may drop the
 * failed pages and mark them clean, so a later successful sync proves nothing). Every later commit fails with it; the
 * process must stop so that SQLite recovers from what is on disk at the next start.
 */
export class JournalBroken extends Error {
  override readonly name = 'JournalBroken';
  constructor(cause: unknown) {
    super(`journal: sync failed, journal unusable until restart (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

/** Whether the switch must send no answer after this error (see above). */
export const unanswerable = (error: unknown): boolean => error instanceof JournalOutcomeUnknown || error instanceof JournalBroken;
