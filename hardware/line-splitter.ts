/**
 * A byte stream cut into lines at CR or LF (the serial MSR and serial scanner), with
 * @serialport/parser-delimiter. A line whose terminator never comes is dropped once it is longer
 * than `maxLength` rather than buffered forever.
 */
import { DelimiterParser } from '@serialport/parser-delimiter';

export interface LineSplitterOptions {
  /** Default CR; a CRLF device works with either, leaving the other half on a line's edge. */
  terminator?: 'CR' | 'LF' | undefined;
  maxLength: number;
  /** Each line, without the terminator. */
  onLine(bytes: Buffer): void;
  /** Called once the pending line has been dropped for passing maxLength. */
  onOverlong(maxLength: number): void;
}

export class LineSplitter {
  private readonly parser: DelimiterParser;

  constructor(private readonly options: LineSplitterOptions) {
    this.parser = new DelimiterParser({ delimiter: options.terminator === 'LF' ? '\n' : '\r' });
    this.parser.on('data', (line: Buffer) => options.onLine(line));
  }

  push(chunk: Buffer): void {
    this.parser.write(chunk);
    if (this.parser.buffer.length > this.options.maxLength) {
      this.clear();
      this.options.onOverlong(this.options.maxLength);
    }
  }

  /** The bytes received since the last terminator. */
  get pending(): Buffer {
    return this.parser.buffer;
  }

  /** Drops the pending bytes. */
  clear(): void {
    this.parser.buffer = Buffer.alloc(0);
  }
}
