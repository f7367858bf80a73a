/**
 * Serial (RS-232 or USB CDC-ACM) barcode/QR scanner: ASCII (or UTF-8) data, an optional
 * configured prefix, an optional AIM identifier, then a CR, LF or CRLF suffix. Lines are split
 * with @serialport/parser-delimiter; a stray CR/LF from a CRLF suffix is dropped.
 */
import { EventEmitter } from 'node:events';
import { DelimiterParser } from '@serialport/parser-delimiter';
import type { ByteTransport } from '../transport.js';
import { IdleFlush, ScanDecodeError, ScanIncompleteError, textOf, toScan, type Scanner, type ScannerEvents, type UnterminatedOptions } from './scanner.js';

export interface SerialScannerOptions extends UnterminatedOptions {
  /** The suffix the scanner is set to send. Default CR; CRLF works with either CR or LF. */
  suffix?: 'CR' | 'LF';
  /** A prefix the scanner is set to send before each code (stripped when present). */
  prefix?: string;
  /** Longest code accepted. Default 8192 bytes (a QR code holds at most 7089 digits). */
  maxLength?: number;
}

export class SerialScanner extends EventEmitter<ScannerEvents> implements Scanner {
  readonly description: string;
  private readonly parser: DelimiterParser;
  private readonly idle: IdleFlush;
  private readonly maxLength: number;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onOpen = () => this.emit('open');
  private readonly onGone = (reason: Error) => {
    this.parser.buffer = Buffer.alloc(0);
    this.idle.cancel();
    this.emit('gone', reason);
  };

  constructor(
    readonly transport: ByteTransport,
    private readonly options: SerialScannerOptions = {},
  ) {
    super();
    this.description = `serial scanner on ${transport.description}`;
    this.maxLength = options.maxLength ?? 8192;
    this.parser = new DelimiterParser({ delimiter: options.suffix === 'LF' ? '\n' : '\r' });
    this.parser.on('data', (line: Buffer) => this.line(line));
    this.idle = new IdleFlush(options, () => this.flushIdle());
  }

  async start(): Promise<void> {
    this.transport.on('data', this.onData);
    this.transport.on('open', this.onOpen);
    this.transport.on('gone', this.onGone);
    await this.transport.open();
  }

  async stop(): Promise<void> {
    this.idle.cancel();
    this.transport.off('data', this.onData);
    this.transport.off('open', this.onOpen);
    this.transport.off('gone', this.onGone);
    await this.transport.close();
  }

  /** Reports bad input as an `error` event; with nobody listening it is dropped rather than thrown (a bad scan must not crash the process). */
  protected fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private receive(chunk: Buffer): void {
    this.parser.write(chunk);
    if (this.parser.buffer.length > this.maxLength) {
      this.parser.buffer = Buffer.alloc(0);
      this.fail(new ScanDecodeError(`no suffix within ${this.maxLength} bytes`));
    }
    this.idle.touch(this.pendingBytes().length > 0);
  }

  /** Buffered bytes of the next code, without a CR/LF left over from the last suffix. */
  private pendingBytes(): Buffer {
    let start = 0;
    const buffer = this.parser.buffer;
    while (start < buffer.length && (buffer[start] === 0x0a || buffer[start] === 0x0d)) start++;
    return buffer.subarray(start);
  }

  private flushIdle(): void {
    const bytes = Buffer.from(this.pendingBytes());
    this.parser.buffer = Buffer.alloc(0);
    if (bytes.length === 0) return;
    if (this.idle.deliver) this.deliver(bytes);
    else this.fail(new ScanIncompleteError(bytes.length, this.idle.idleMs));
  }

  private line(bytes: Buffer): void {
    let start = 0;
    let end = bytes.length;
    while (start < end && (bytes[start] === 0x0a || bytes[start] === 0x0d)) start++;
    while (end > start && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
    if (end > start) this.deliver(bytes.subarray(start, end));
  }

  private deliver(bytes: Buffer): void {
    let text = textOf(bytes);
    const prefix = this.options.prefix;
    if (prefix && text.startsWith(prefix)) text = text.slice(prefix.length);
    if (text === '') return;
    this.emit('scan', toScan(text));
  }
}
