/**
 * Simulated UART line speed for virtual devices: bytes leave no faster than the wire would carry
 * them (10 bits per byte for 8N1). Outputs queued back to back are sent in one write when the last
 * of them would have finished on the wire, so a burst costs one timer, not one per frame.
 * Timers only ever fire late, never early: the last sub-millisecond is waited out with setImmediate,
 * so measured times are never below the line-speed bound.
 */
export const BITS_PER_BYTE = 10;

interface Segment {
  bytes: Buffer;
  /** When its last byte has arrived at the other end. */
  due: number;
  /** Starts the moment the previous segment ends (sent in the same write). */
  backToBack: boolean;
}

export class LineClock {
  /** When the transmit line is free again (performance.now() ms). */
  private txFreeAt = 0;
  /** When the receive line finished carrying the last byte from the host. */
  private rxFreeAt = 0;
  private queue: Segment[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    readonly baudRate: number,
    private readonly send: (bytes: Buffer) => void,
  ) {
    if (!(baudRate > 0)) throw new RangeError('baud rate must be positive');
  }

  /** Milliseconds the wire needs for `count` bytes. */
  byteTime(count: number): number {
    return (count * BITS_PER_BYTE * 1000) / this.baudRate;
  }

  /**
   * Records `count` bytes arriving from the host now and returns when the last of them would have
   * finished arriving (the host's write is instant on a PTY; the wire is not).
   */
  received(count: number): number {
    const now = performance.now();
    this.rxFreeAt = Math.max(this.rxFreeAt, now) + this.byteTime(count);
    return this.rxFreeAt;
  }

  /** Queues bytes to leave now (or when the line is free); resolves once they will have arrived. */
  async transmitted(bytes: Buffer): Promise<void> {
    const due = this.transmit(bytes);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(due - performance.now()) + 1)));
  }

  /** Queues bytes to leave once `notBefore` has passed and the line is free; returns when they will have arrived. */
  transmit(bytes: Buffer, notBefore = 0): number {
    if (this.closed) return this.txFreeAt;
    const lineFree = Math.max(this.txFreeAt, performance.now());
    const start = Math.max(lineFree, notBefore);
    const backToBack = this.queue.length > 0 && start <= lineFree;
    this.txFreeAt = start + this.byteTime(bytes.length);
    this.queue.push({ bytes, due: this.txFreeAt, backToBack });
    this.schedule();
    return this.txFreeAt;
  }

  /** Drops everything not yet sent (the device was reset or unplugged). */
  clear(): void {
    this.queue = [];
    this.cancel();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  /** How many leading segments go out in the next write. */
  private runLength(): number {
    let n = 1;
    while (n < this.queue.length && this.queue[n]!.backToBack) n++;
    return n;
  }

  private cancel(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private schedule(): void {
    this.cancel();
    if (this.closed || this.queue.length === 0) return;
    const due = this.queue[this.runLength() - 1]!.due;
    const wait = due - performance.now();
    if (wait <= 0) this.timer = setImmediate(() => this.flush());
    else if (wait < 1.5) this.timer = setImmediate(() => this.schedule());
    else this.timer = setTimeout(() => this.schedule(), Math.floor(wait - 1));
  }

  private flush(): void {
    this.timer = undefined;
    if (this.closed || this.queue.length === 0) return;
    const run = this.queue.splice(0, this.runLength());
    if (this.queue[0]) this.queue[0].backToBack = false;
    this.send(Buffer.concat(run.map((s) => s.bytes)));
    this.schedule();
  }
}
