/**
 * Reopening a device that went away (SerialTransport, NodeHidTransport): the first try after
 * `initialDelayMs`, each failed one doubling the wait up to `maxDelayMs`, back to the initial delay
 * once the device is open again. Nothing is tried while the owner no longer wants the device.
 */

export interface ReconnectOptions {
  /** First delay after the device went away. Default 50 ms. */
  initialDelayMs?: number;
  /** Backoff ceiling. Default 2000 ms. */
  maxDelayMs?: number;
  /** A pending try does not keep the process alive (the host link: none of its timers do). Default false: a device's owner waits for it. */
  unref?: boolean;
}

export class Reconnect {
  private readonly limits: Required<Omit<ReconnectOptions, 'unref'>> | undefined;
  private readonly unref: boolean;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;

  /**
   * `options` false: never reopen (`gone` is final). `wanted` says whether the device is still
   * wanted (open() called, close() not since); `reopen` rejects when the device is not back yet.
   */
  constructor(
    options: ReconnectOptions | false | undefined,
    private readonly wanted: () => boolean,
    private readonly reopen: () => Promise<void>,
  ) {
    this.limits = options === false ? undefined : { initialDelayMs: options?.initialDelayMs ?? 50, maxDelayMs: options?.maxDelayMs ?? 2000 };
    this.delayMs = this.limits?.initialDelayMs ?? 0;
    this.unref = options !== false && options?.unref === true;
  }

  /** The device is open: a pending try is dropped (the owner's open() beat it), the next loss starts again at the initial delay. */
  opened(): void {
    this.cancel();
    this.delayMs = this.limits?.initialDelayMs ?? 0;
  }

  /**
   * The device went away (or a reopen failed): try again after the current delay. A loss reported
   * again while a try is pending (a lost port and its failed open both report) changes nothing:
   * one pending try at most, and the backoff doubles once per failed try, not per report.
   */
  schedule(): void {
    if (!this.limits || !this.wanted() || this.timer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.limits.maxDelayMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.wanted()) this.reopen().catch(() => this.schedule());
    }, delay);
    if (this.unref) this.timer.unref();
  }

  /** Drops a pending try (the owner closed the device). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
