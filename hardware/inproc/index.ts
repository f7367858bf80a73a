/**
 * In-process links with the same interfaces as the real ones, so the demo can connect virtual
 * devices (PN532, MSR, scanners) to the real drivers without PTYs, and HID drivers can be tested
 * with the report bytes real devices send (CI containers have no /dev/uhid).
 *
 * `inprocPair()` is a serial line: two ByteTransports back to back. Bytes are delivered on a later
 * turn of the event loop (as from a port), and bytes written while the other end is not open are
 * lost, as on a wire with nothing at the far end. Closing one end is an unplug for the other: it
 * emits `gone`, and `open` again when the first end is reopened (as SerialTransport's reconnect).
 */
import { EventEmitter } from 'node:events';
import type { ByteTransport, HidEvents, HidTransport, TransportEvents } from '../transport.js';

class InprocEnd extends EventEmitter<TransportEvents> implements ByteTransport {
  peer!: InprocEnd;
  /** open() was called and close() not since. */
  private wanted = false;
  /** Usable: wanted, and the peer did not go away since. */
  private linked = false;

  constructor(readonly description: string) {
    super();
  }

  get isOpen(): boolean {
    return this.linked;
  }

  async open(): Promise<void> {
    if (this.wanted) return;
    this.wanted = true;
    this.linked = true;
    this.emit('open');
    this.peer.peerOpened();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.linked) throw new Error(`${this.description} is not open`);
    const copy = Buffer.from(bytes); // the caller may reuse its buffer
    setImmediate(() => this.peer.deliver(copy));
  }

  async close(): Promise<void> {
    if (!this.wanted) return;
    this.wanted = false;
    this.linked = false;
    this.peer.peerClosed();
  }

  private deliver(chunk: Buffer): void {
    if (this.linked && chunk.length) this.emit('data', chunk);
  }

  private peerOpened(): void {
    if (this.wanted && !this.linked) {
      this.linked = true;
      this.emit('open');
    }
  }

  private peerClosed(): void {
    if (!this.linked) return;
    this.linked = false;
    this.emit('gone', new Error(`${this.peer.description} closed`));
  }
}

/** Two ByteTransports wired back to back: what one writes, the other receives. */
export function inprocPair(name = 'inproc'): [ByteTransport, ByteTransport] {
  const a = new InprocEnd(`inproc:${name}:a`);
  const b = new InprocEnd(`inproc:${name}:b`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** The device side of an in-process HID link: what a virtual HID device drives. */
export interface InprocHidDevice {
  /** Sends one input report, exactly as the device puts it on the wire (report ID first if numbered). */
  sendReport(report: Uint8Array): void;
  /** The transport reports the device gone (USB unplug), after the reports already sent. */
  unplug(): void;
  /** Plugs the device back in: an open transport emits `open` again. */
  plug(): void;
  readonly plugged: boolean;
}

export interface InprocHidOptions {
  /** The report descriptor the transport hands to drivers (HID-POS drivers read their layout from it). */
  reportDescriptor?: Uint8Array;
  name?: string;
}

class InprocHidTransport extends EventEmitter<HidEvents> implements HidTransport {
  private wanted = false;
  plugged = true;

  constructor(
    readonly description: string,
    private readonly descriptor: Buffer | undefined,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.wanted && this.plugged;
  }

  async open(): Promise<void> {
    if (!this.plugged) throw new Error(`${this.description}: no such device`);
    if (this.wanted) return;
    this.wanted = true;
    this.emit('open');
  }

  async reportDescriptor(): Promise<Buffer | undefined> {
    return this.descriptor && Buffer.from(this.descriptor);
  }

  async close(): Promise<void> {
    this.wanted = false;
  }

  deliver(report: Buffer): void {
    if (this.isOpen) this.emit('report', report);
  }

  unplug(): void {
    if (!this.plugged) return;
    const wasOpen = this.isOpen;
    this.plugged = false;
    if (wasOpen) this.emit('gone', new Error(`${this.description} unplugged`));
  }

  plug(): void {
    if (this.plugged) return;
    this.plugged = true;
    if (this.wanted) this.emit('open');
  }
}

/** An in-process HidTransport and the device side that feeds it reports. */
export function inprocHid(options: InprocHidOptions = {}): { transport: HidTransport; device: InprocHidDevice } {
  const transport = new InprocHidTransport(
    `inproc-hid:${options.name ?? 'device'}`,
    options.reportDescriptor ? Buffer.from(options.reportDescriptor) : undefined,
  );
  const device: InprocHidDevice = {
    sendReport: (report) => {
      const copy = Buffer.from(report);
      setImmediate(() => transport.deliver(copy));
    },
    // Deferred like reports, so a report sent before an unplug still arrives before it.
    unplug: () => void setImmediate(() => transport.unplug()),
    plug: () => void setImmediate(() => transport.plug()),
    get plugged() {
      return transport.plugged;
    },
  };
  return { transport, device };
}
