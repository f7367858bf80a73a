/**
 * The seam between drivers and the wires they speak over. Drivers know only these interfaces,
 * so the same PN532, MSR or scanner driver runs over a real serial port, a socat PTY with a
 * virtual device on the other end, or an in-process link in the demo.
 */
import type { EventEmitter } from 'node:events';

export interface TransportEvents {
  /** Bytes from the device, in whatever chunks the OS delivered them. */
  data: [chunk: Buffer];
  /** The link is usable (again). Emitted on first open and after each reconnect. */
  open: [];
  /** The device went away (unplugged, PTY closed). A reconnecting transport may emit `open` later. */
  gone: [reason: Error];
}

/** A byte stream to one device: serial port, PTY, or an in-process pair. */
export interface ByteTransport extends EventEmitter<TransportEvents> {
  /** For logs and device lists: "serial:/dev/ttyUSB0@115200", "inproc:virtual-pn532". */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface HidEvents {
  /** One input report, as node-hid delivers it (report ID first when the device numbers its reports). */
  report: [report: Buffer];
  open: [];
  gone: [reason: Error];
}

/** A HID device: node-hid on real hardware, an in-process feed of real report bytes in tests. */
export interface HidTransport extends EventEmitter<HidEvents> {
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  /** The raw report descriptor, when the platform exposes it (node-hid ≥ 3 does). */
  reportDescriptor(): Promise<Buffer | undefined>;
  close(): Promise<void>;
}
