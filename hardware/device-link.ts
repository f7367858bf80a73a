/**
 * How an event-driven device driver (serial MSR, serial scanner, HID scanners) is attached to its
 * transport: it listens only between start() and stop(), relays the transport's `open` and `gone`
 * as its own, drops whatever was half-received on `gone` and on stop(), and reports bad input as
 * an `error` event that cannot crash the process.
 */
import type { ByteTransport, HidTransport } from './transport.js';

/** The lifecycle events every such driver emits besides its own (`swipe`, `scan`). */
export interface Driver {
  emit(event: 'open'): boolean;
  emit(event: 'gone' | 'error', reason: Error): boolean;
  listenerCount(event: 'error'): number;
}

interface LinkHooks {
  /** The device went away or the driver stopped: drop what was half-received. Runs before `gone` is relayed. */
  reset?(): void;
}

/** What DeviceLink needs of either transport. */
interface Linkable {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  open(): Promise<void>;
  close(): Promise<void>;
}

export class DeviceLink {
  private readonly transport: Linkable;
  private readonly inputEvent: 'data' | 'report';
  private readonly onInput: (bytes: Buffer) => void;
  private readonly onOpen = () => this.driver.emit('open');
  private readonly onGone = (reason: Error) => {
    this.hooks.reset?.();
    this.driver.emit('gone', reason);
  };

  constructor(driver: Driver, transport: ByteTransport, hooks: LinkHooks & { data(chunk: Buffer): void });
  constructor(driver: Driver, transport: HidTransport, hooks: LinkHooks & { report(report: Buffer): void });
  constructor(
    private readonly driver: Driver,
    transport: ByteTransport | HidTransport,
    private readonly hooks: LinkHooks & ({ data(chunk: Buffer): void } | { report(report: Buffer): void }),
  ) {
    this.transport = transport;
    if ('data' in hooks) {
      this.inputEvent = 'data';
      this.onInput = (chunk) => hooks.data(chunk);
    } else {
      this.inputEvent = 'report';
      this.onInput = (report) => hooks.report(report);
    }
  }

  /** Starts listening, then opens the transport. */
  async start(): Promise<void> {
    this.transport.on(this.inputEvent, this.onInput);
    this.transport.on('open', this.onOpen);
    this.transport.on('gone', this.onGone);
    await this.transport.open();
  }

  /** Stops listening and drops a half-received line or scan (it would be glued to the next one after a restart), then closes the transport. */
  async stop(): Promise<void> {
    this.transport.off(this.inputEvent, this.onInput);
    this.transport.off('open', this.onOpen);
    this.transport.off('gone', this.onGone);
    this.hooks.reset?.();
    await this.transport.close();
  }
}

/** Reports bad input as an `error` event; with nobody listening it is dropped rather than thrown (bad input must not crash the process). */
export function reportInputError(driver: Driver, error: Error): void {
  if (driver.listenerCount('error') > 0) driver.emit('error', error);
}
