/**
 * ByteTransport over a serial port (serialport 13). It opens by path and baud rate, reports a
 * device that goes away (USB unplug, socat PTY closed) with `gone`, and — unless told not to —
 * keeps trying to reopen the same path with exponential backoff, emitting `open` when the device
 * is back. It never touches the modem lines (DTR/RTS) unless asked to, and then tolerates the
 * "Inappropriate ioctl for device" a pseudo-terminal answers.
 */
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { Reconnect, type ReconnectOptions } from '../reconnect.js';
import type { ByteTransport, TransportEvents } from '../transport.js';

export interface SerialTransportOptions {
  path: string;
  /** Default 115200 (the PN532 HSU default). */
  baudRate?: number;
  /** Reopen after the device disappears. Default on; `false` makes `gone` final. */
  reconnect?: ReconnectOptions | false;
  /**
   * Modem lines to set after each open. Default: none, which is what PTYs and most USB-serial
   * PN532 boards want. Failures (a PTY refuses the ioctl) are ignored.
   */
  modemLines?: { dtr?: boolean; rts?: boolean };
  /**
   * How often to check that the device node still exists. Needed because when the far end of a
   * PTY closes, the serialport binding may read 0 bytes forever instead of reporting a disconnect.
   * Default 250 ms; 0 disables the check.
   */
  watchIntervalMs?: number;
}

export class SerialTransport extends EventEmitter<TransportEvents> implements ByteTransport {
  readonly description: string;
  private port: SerialPort | undefined;
  private wanted = false;
  /** The open in flight, shared by the owner's open() and a reconnect try: two opens of one path race for its lock. */
  private opening: Promise<void> | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private readonly baudRate: number;
  private readonly reconnect: Reconnect;

  constructor(private readonly options: SerialTransportOptions) {
    super();
    this.baudRate = options.baudRate ?? 115200;
    this.description = `serial:${options.path}@${this.baudRate}`;
    this.reconnect = new Reconnect(options.reconnect, () => this.wanted, () => this.openOnce());
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  /** Opens the port; rejects if the path cannot be opened now (later losses are handled by reconnect). */
  async open(): Promise<void> {
    this.wanted = true;
    if (this.opening || !this.isOpen) await this.openOnce();
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new Error(`${this.description} is not open`);
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await new Promise<void>((resolve, reject) => {
      port.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Closes for good: no reconnect, no events afterwards. */
  async close(): Promise<void> {
    this.wanted = false;
    this.reconnect.cancel();
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    const port = this.port;
    this.port = undefined;
    if (port) {
      port.removeAllListeners();
      port.on('error', () => {}); // a late error from a closing port is not news
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    // An open in flight sees `wanted` false and closes its own port: wait, so no port outlives close().
    await this.opening?.catch(() => {});
  }

  private openOnce(): Promise<void> {
    this.opening ??= this.openPort().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openPort(): Promise<void> {
    const port = this.createPort();
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    if (!this.wanted) {
      // close() was called while we were opening
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    this.port = port;
    this.reconnect.opened();
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    port.once('close', (error: Error | null) => this.lost(port, error ?? new Error(`${this.description} closed`)));
    port.once('end', () => this.lost(port, new Error(`${this.description} reached end of stream`)));
    port.on('error', (error: Error) => this.lost(port, error));
    await this.setModemLines(port);
    if (port !== this.port) {
      // closed or lost meanwhile; a lost port must fail this try so a reconnect sharing it tries again
      if (this.wanted) throw new Error(`${this.description} went away while opening`);
      return;
    }
    this.watch(port);
    this.emit('open');
  }

  private createPort(): SerialPort {
    return new SerialPort({ path: this.options.path, baudRate: this.baudRate, autoOpen: false });
  }

  private async setModemLines(port: SerialPort): Promise<void> {
    const lines = this.options.modemLines;
    if (!lines || (lines.dtr === undefined && lines.rts === undefined)) return;
    // PTYs answer "Inappropriate ioctl for device": the lines do not exist there, nothing to do.
    await new Promise<void>((resolve) => port.set(lines, () => resolve()));
  }

  /** Reports the device gone when its node disappears (USB unplug, PTY closed). */
  private watch(port: SerialPort): void {
    const every = this.options.watchIntervalMs ?? 250;
    if (every <= 0) return;
    clearInterval(this.watchTimer);
    this.watchTimer = setInterval(() => {
      stat(this.options.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') this.lost(port, new Error(`${this.options.path} disappeared`));
      });
    }, every);
  }

  private lost(port: SerialPort, reason: Error): void {
    if (port !== this.port) return;
    this.port = undefined;
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    port.removeAllListeners();
    port.on('error', () => {});
    if (port.isOpen) port.close(() => {});
    this.emit('gone', reason);
    this.reconnect.schedule();
  }
}
