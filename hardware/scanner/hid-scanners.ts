/**
 * HID scanners over any HidTransport (node-hid on hardware, the in-process feed in tests and the
 * demo): the keyboard wedge (boot keyboard reports → text, Enter ends a scan) and HID-POS (Scanned
 * Data Reports laid out by the device's report descriptor).
 */
import { EventEmitter } from 'node:events';
import { DecodeError } from '../../protocols/errors.js';
import { BootKeyboardDecoder } from '../../protocols/scanner/keyboard.js';
import { HidPosDecoder, hidPosLayout, type HidPosLayout, type HidPosScan } from '../../protocols/scanner/hidpos.js';
import { DeviceLink, reportInputError } from '../device-link.js';
import type { HidTransport } from '../transport.js';
import { IdleFlush, ScanDecodeError, ScanIncompleteError, asScanError, textOf, toScan, type Scanner, type ScannerEvents, type UnterminatedOptions } from './scanner.js';

abstract class HidScanner extends EventEmitter<ScannerEvents> implements Scanner {
  readonly description: string;
  protected readonly idle: IdleFlush;
  private readonly link: DeviceLink;

  constructor(
    readonly transport: HidTransport,
    kind: string,
    options: UnterminatedOptions,
  ) {
    super();
    this.description = `${kind} scanner on ${transport.description}`;
    this.idle = new IdleFlush(options, () => this.flushIdle());
    this.link = new DeviceLink(this, transport, {
      report: (report) => this.report(report),
      reset: () => {
        this.idle.cancel();
        this.reset();
      },
    });
  }

  async start(): Promise<void> {
    await this.link.start();
    await this.ready();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  protected async ready(): Promise<void> {}
  protected abstract report(report: Buffer): void;
  protected abstract reset(): void;
  protected abstract flushIdle(): void;
}

export interface HidWedgeScannerOptions extends UnterminatedOptions {
  /** The report ID of the keyboard reports when the device numbers them (composite devices); stripped. */
  reportId?: number;
}

/** Keyboard-wedge scanner: boot keyboard reports, US layout, Enter ends a scan. */
export class HidWedgeScanner extends HidScanner {
  private readonly decoder = new BootKeyboardDecoder();

  constructor(
    transport: HidTransport,
    private readonly options: HidWedgeScannerOptions = {},
  ) {
    super(transport, 'HID keyboard-wedge', options);
  }

  protected report(report: Buffer): void {
    let keys = report;
    if (this.options.reportId !== undefined) {
      if (report[0] !== this.options.reportId) return;
      keys = report.subarray(1);
    }
    try {
      for (const text of this.decoder.push(keys)) if (text !== '') this.emit('scan', toScan(text));
    } catch (error) {
      this.decoder.reset();
      reportInputError(this, asScanError(error));
    }
    this.idle.touch(this.decoder.pending !== '');
  }

  protected reset(): void {
    this.decoder.reset();
  }

  protected flushIdle(): void {
    const text = this.decoder.flush();
    if (text === '') return;
    if (this.idle.deliver) this.emit('scan', toScan(text));
    else reportInputError(this, new ScanIncompleteError(text.length, this.idle.idleMs));
  }
}

export interface HidPosScannerOptions extends UnterminatedOptions {
  /** The layout to use when the platform cannot read the report descriptor. */
  layout?: HidPosLayout;
}

/** HID-POS scanner (usage page 0x8C): the fields are located from the report descriptor. */
export class HidPosScanner extends HidScanner {
  private decoder: HidPosDecoder | undefined;

  constructor(
    transport: HidTransport,
    private readonly options: HidPosScannerOptions = {},
  ) {
    super(transport, 'HID-POS', options);
  }

  get layout(): HidPosLayout | undefined {
    return this.decoder?.layout;
  }

  /** Reads the layout from the descriptor; rejects with ScanDecodeError if the device is no HID-POS scanner. */
  protected override async ready(): Promise<void> {
    const descriptor = await this.transport.reportDescriptor();
    let layout = this.options.layout;
    if (descriptor) {
      try {
        layout = hidPosLayout(descriptor);
      } catch (error) {
        await this.stop();
        throw asScanError(error);
      }
    }
    if (!layout) {
      await this.stop();
      throw new ScanDecodeError('the report descriptor is unavailable on this platform and no layout was given');
    }
    this.decoder = new HidPosDecoder(layout);
  }

  protected report(report: Buffer): void {
    const decoder = this.decoder;
    if (!decoder) return;
    try {
      const scan = decoder.push(report);
      if (scan) this.deliver(scan);
    } catch (error) {
      reportInputError(this, error instanceof DecodeError ? new ScanDecodeError(error) : asScanError(error));
    }
    this.idle.touch(decoder.pending);
  }

  protected reset(): void {
    this.decoder?.flush();
  }

  protected flushIdle(): void {
    if (!this.decoder?.pending) return;
    const scan = this.decoder.flush();
    if (this.idle.deliver) this.deliver(scan);
    else reportInputError(this, new ScanIncompleteError(scan.data.length, this.idle.idleMs));
  }

  private deliver(scan: HidPosScan): void {
    if (scan.data.length) this.emit('scan', toScan(textOf(scan.data), scan.symbology));
  }
}
