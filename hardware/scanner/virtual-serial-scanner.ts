/**
 * A virtual serial scanner: for each code it writes [prefix][AIM identifier]data and the suffix
 * (CR by default; LF or CRLF as a scanner can be set), paced at the line speed (9600 baud 8N1 by
 * default, the usual RS-232 factory setting).
 */
import { isAimId } from '../../protocols/scanner/aim.js';
import { LineClock } from '../nfc/line-clock.js';

export interface VirtualSerialScannerOptions {
  baudRate?: number;
  suffix?: 'CR' | 'LF' | 'CRLF' | 'none';
  prefix?: string;
}

export class VirtualSerialScanner {
  readonly baudRate: number;
  scans = 0;
  private readonly clock: LineClock;

  constructor(
    link: { write(bytes: Uint8Array): Promise<void> },
    private readonly options: VirtualSerialScannerOptions = {},
  ) {
    this.baudRate = options.baudRate ?? 9600;
    this.clock = new LineClock(this.baudRate, (bytes) => void link.write(bytes).catch(() => {}));
  }

  /** The bytes one scan puts on the line. */
  scanBytes(text: string, symbology?: string): Buffer {
    if (symbology !== undefined && !isAimId(symbology)) throw new RangeError('symbology: an AIM identifier like ]Q1');
    const suffix = { CR: '\r', LF: '\n', CRLF: '\r\n', none: '' }[this.options.suffix ?? 'CR'];
    return Buffer.from(`${this.options.prefix ?? ''}${symbology ?? ''}${text}${suffix}`, 'utf8');
  }

  /** Scans a code; resolves when its last byte would have left the wire. */
  scan(text: string, symbology?: string): Promise<void> {
    const bytes = this.scanBytes(text, symbology);
    this.scans++;
    return this.clock.transmitted(bytes);
  }

  close(): void {
    this.clock.close();
  }
}
