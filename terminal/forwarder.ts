/**
 * Store and forward: sends the journal's queued reversals (0400, then 0420 for every repeat) and
 * advices (0220) in order, one at a time, until the host acknowledges each. An entry keeps the
 * DE11/DE7 it was given when queued, so a repeat is the same request to the host; once
 * acknowledged it is marked done and never sent again. 0410 with 25 (original unknown) counts as
 * done, as does 0230 with 94 (already had it). An entry answered 91, 96 or A0 was not processed
 * (host trouble, keys out of step) and is sent again, as is one answered without DE39; any other
 * code is the host refusing it for good (the 0410/0430 or 0230 is still its receipt of the message):
 * it is finished as refused, never sent again. A refused advice's completion did not happen; a
 * refused reversal's transaction stands, charged (e.g. 12: its original was settled, which is final).
 * An entry that cannot be encoded is parked (kept, never sent) so that it does not hold up the ones behind it.
 */
import { EncodeError } from '../protocols/errors.js';
import type { HostLink } from './host-link.js';
import type { Journal, QueueEntry, TxnKind, TxnRow, TxnUpdate } from './journal.js';
import type { Logger } from './logger.js';
import { describeResponse } from './responses.js';

const acknowledged: Record<QueueEntry['kind'], string[]> = { reversal: ['00', '25'], advice: ['00', '94'] };
/** Answers that say the host did not get to process the message: sent again. */
const notProcessed = ['91', '96', 'A0'];

/** How a refused reversal's reason begins: its code follows (refusedReversalCode reads it back). */
const reversalRefusedPrefix = 'the host refused the reversal (';

/** What stands when the host refuses to reverse a transaction of this kind. */
const standing: Partial<Record<TxnKind, string>> = {
  refund: 'the refund stands, credited to the card',
  void: 'the void stands, its sale cancelled',
  preauth: 'the pre-authorization stands, its funds held until it is completed or expires',
};
const charged = 'the transaction stands, charged; refund it to give the money back';

/** What a refusal does to the entry's transaction (of kind `kind`). */
const refusal: Record<QueueEntry['kind'], (code: string, kind: TxnKind | undefined) => TxnUpdate> = {
  // An advice is a completion (interrupted, or stored offline): refused, the capture did not happen.
  advice: (code) => ({
    state: 'declined', responseCode: code, reasonCode: 'advice-declined',
    reason: `the host declined the completion advice (${code}: ${describeResponse(code).reason}): not captured`,
  }),
  // The host keeps the original as it has it: charged. Its own response code (none after no answer,
  // 00 after a rejected ARPC) stays; the reversal's is in the reason.
  reversal: (code, kind) => ({
    state: 'approved', reasonCode: 'reversal-refused',
    reason: `${reversalRefusedPrefix}${code}: ${describeResponse(code).reason}): ${(kind && standing[kind]) ?? charged}`,
  }),
};

/**
 * The code the host refused a transaction's reversal with (reason code `reversal-refused`), read back
 * from the reason written above: the row keeps its own response code, and the journal has no column
 * for its reversal's. Undefined for any other row.
 */
export function refusedReversalCode(row: { reasonCode?: string | null; reason?: string | null }): string | undefined {
  if (row.reasonCode !== 'reversal-refused' || !row.reason?.startsWith(reversalRefusedPrefix)) return undefined;
  return /^([ -~]{2}):/.exec(row.reason.slice(reversalRefusedPrefix.length))?.[1];
}

export interface ForwarderHooks {
  /** After the acknowledgement is journaled; `settled`: a reversal's transaction moved to `reversed`. */
  done(entry: QueueEntry, settled: boolean): void;
  /** The host refused an entry for good; the entry is finished and its transaction updated (`row`: an advice's declined, a reversal's approved). */
  refused(entry: QueueEntry, row: TxnRow): void;
  /** An entry that can never be encoded was set aside (it would block every later one). */
  parked(entry: QueueEntry, reason: string): void;
}

export class Forwarder {
  private running: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly link: HostLink,
    private readonly logger: Logger,
    /** Whether the link can carry MACed messages (signed on); a sign-on in progress is awaited (its keys replace those a request would otherwise be MAC'd under). */
    private readonly ready: () => Promise<boolean>,
    private readonly hooks: ForwarderHooks,
  ) {}

  start(retryMs: number): void {
    this.timer = setInterval(() => void this.flush(), retryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends what is queued; resolves true when the queue is empty. Concurrent calls share one run. */
  flush(): Promise<boolean> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<boolean> {
    for (const entry of this.journal.pendingQueue()) {
      if (!this.link.isConnected || !(await this.ready())) return false;
      if (!(await this.send(entry))) return false; // keep the order: stop at the first one not acknowledged
    }
    return this.journal.pendingQueue().length === 0;
  }

  private async send(entry: QueueEntry): Promise<boolean> {
    const attempt = this.journal.markAttempt(entry.id);
    const mti = entry.kind === 'advice' ? '0220' : attempt > 1 ? '0420' : '0400';
    const message = this.link.bareMessage(mti);
    for (const [path, value] of Object.entries(entry.fields)) message.set(path, value);
    try {
      const answer = await this.link.send(message);
      const code = answer.getString('39') ?? '';
      // An answer without DE39 says nothing about the entry: retried like 91/96, never taken for a refusal.
      if (code !== '' && !acknowledged[entry.kind].includes(code) && !notProcessed.includes(code)) {
        const kind = this.journal.get(entry.txnId)?.kind;
        const row = this.journal.refuse(entry, code, refusal[entry.kind](code, kind));
        const what = entry.kind === 'advice' ? 'completion advice declined by the host: not captured, left out of the batch' : `reversal refused by the host: ${(kind && standing[kind]) ?? 'the transaction stands, charged'}`;
        this.logger.error({ txnId: entry.txnId, mti, code }, `${what}, not sent again`);
        this.hooks.refused(entry, row);
        return true;
      }
      if (!acknowledged[entry.kind].includes(code)) {
        this.journal.markFailed(entry.id, `answered ${code}`);
        this.logger.warn({ txnId: entry.txnId, mti, code }, 'store-and-forward entry not acknowledged: will retry');
        return false;
      }
      const settled = this.journal.acknowledge(entry);
      this.logger.info({ txnId: entry.txnId, mti, code }, 'store-and-forward entry acknowledged');
      this.hooks.done(entry, settled);
      return true;
    } catch (error) {
      if (error instanceof EncodeError) {
        // Packing happens before any byte is written: this entry was not sent and never will be.
        this.journal.park(entry.id, error.message);
        this.logger.error({ txnId: entry.txnId, mti, err: error.message }, 'store-and-forward entry cannot be encoded: parked');
        this.hooks.parked(entry, error.message);
        return true;
      }
      this.journal.markFailed(entry.id, (error as Error).message);
      this.logger.warn({ txnId: entry.txnId, mti, err: (error as Error).message }, 'store-and-forward send failed: will retry');
      return false;
    }
  }
}

/** DE90 for a reversal or completion: original MTI, STAN, DE7, then acquirer and forwarder (zeros). */
export function originalDataElements(mti: string, stan: string, transmitted: string): string {
  return `${mti}${stan}${transmitted}${'0'.repeat(11)}${'0'.repeat(11)}`;
}

