/**
 * The sign-on phase of a load run (LoadOptions.signOnFirst): every terminal signs on in its turn,
 * at most `concurrency` at once, and the phase is over when each has had its turn. A host works
 * through sign-ons one after another (two working keys generated per terminal), so with all N at
 * once the last one waits behind N−1 others; in turns of `concurrency`, each sign-on waits behind
 * at most that many, and the answer timeout applies to its own round trip whatever N is.
 */
export class SignOnPhase {
  private free: number;
  private readonly queue: Array<() => void> = [];
  private left: number;
  /** Resolved when every terminal has had its turn (done() called once per terminal). */
  readonly over: Promise<void>;
  private finish!: () => void;

  constructor(terminals: number, concurrency: number) {
    this.free = concurrency;
    this.left = terminals;
    this.over = new Promise((resolve) => (this.finish = resolve));
    if (terminals === 0) this.finish();
  }

  /** Runs `signOn` once a turn is free (turns are taken in the order asked). */
  async turn<T>(signOn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await signOn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }

  /** One terminal is through the phase (signed on or not); call it once per terminal, also when it failed. */
  done(): void {
    if (--this.left === 0) this.finish();
  }
}
