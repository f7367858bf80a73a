/**
 * Serial (RS-232 or USB CDC-ACM) barcode/QR scanner: ASCII (or UTF-8) data, an optional
 * configured prefix, an optional AIM identifier, then a CR, LF or CRLF suffix. Lines are split
 * with @serialport/parser-delimiter; a stray CR/LF from a CRLF suffix is dropped.
 */
import { EventEmitter } from 'node:events';
import { DeviceLink, reportInputError } from '../device-link.js';
import { LineSplitter } from '../line-splitter.js';
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
  private readonly lines: LineSplitter;
  private readonly link: DeviceLink;
  private readonly idle: IdleFlush;

  constructor(
    readonly transport: ByteTransport,
    private readonly options: SerialScannerOptions = {},
  ) {
    super();
    this.description = `serial scanner on ${transport.description}`;
    this.idle = new IdleFlush(options, () => this.flushIdle());
    this.lines = new LineSplitter({
      terminator: options.suffix,
      maxLength: options.maxLength ?? 8192,
      onLine: (line) => this.line(line),
      onOverlong: (max) => reportInputError(this, new ScanDecodeError(`no suffix within ${max} bytes`)),
    });
    this.link = new DeviceLink(this, transport, {
      data: (chunk) => this.receive(chunk),
      reset: () => {
        this.lines.clear();
        this.idle.cancel();
      },
    });
  }

  start(): Promise<void> {
    return this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  private receive(chunk: Buffer): void {
    this.lines.push(chunk);
    this.idle.touch(this.pendingBytes().length > 0);
  }

  /** Buffered bytes of the next code, without a CR/LF left over from the last suffix. */
  private pendingBytes(): Buffer {
    let start = 0;
    const buffer = this.lines.pending;
    while (start < buffer.length && (buffer[start] === 0x0a || buffer[start] === 0x0d)) start++;
    return buffer.subarray(start);
  }

  private flushIdle(): void {
    const bytes = Buffer.from(this.pendingBytes());
    this.lines.clear();
    if (bytes.length === 0) return;
    if (this.idle.deliver) this.deliver(bytes);
    else reportInputError(this, new ScanIncompleteError(bytes.length, this.idle.idleMs));
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
