/**
 * HidTransport over node-hid (HIDAsync): input reports as `report` events, `gone` when the device
 * errors out (unplugged), and — unless told not to — reopening the same path with backoff, emitting
 * `open` when it is back. The report descriptor comes from node-hid's getReportDescriptor when the
 * installed build has it (hidapi ≥ 0.14 exposes hid_get_report_descriptor), else on Linux from
 * sysfs (/sys/class/hidraw/hidrawN/device/report_descriptor, what the kernel parsed).
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Reconnect, type ReconnectOptions } from '../reconnect.js';
import type { HidEvents, HidTransport } from '../transport.js';
import { loadNodeHid } from './node-hid.js';

export interface NodeHidTransportOptions {
  /** The device path node-hid lists (/dev/hidraw3 on Linux with the hidraw backend). */
  path: string;
  /** Open without exclusive access (macOS); default false. */
  nonExclusive?: boolean;
  /** Reopen after the device disappears; default on (50 ms doubling to 2 s). `false` makes `gone` final. */
  reconnect?: ReconnectOptions | false;
}

interface OpenDevice extends EventEmitter {
  close(): Promise<void>;
  getReportDescriptor?(): Promise<Buffer | number[]>;
}

/** Where Linux exposes the report descriptor of a hidraw node. */
export function sysfsReportDescriptorPath(devicePath: string): string | undefined {
  const name = basename(devicePath);
  return /^hidraw\d+$/.test(name) ? `/sys/class/hidraw/${name}/device/report_descriptor` : undefined;
}

export class NodeHidTransport extends EventEmitter<HidEvents> implements HidTransport {
  readonly description: string;
  private device: OpenDevice | undefined;
  private wanted = false;
  /** The open in flight, shared by the owner's open() and a reconnect try: with nonExclusive both would succeed, leaving a second handle. */
  private opening: Promise<void> | undefined;
  private readonly reconnect: Reconnect;

  constructor(private readonly options: NodeHidTransportOptions) {
    super();
    this.description = `hid:${options.path}`;
    this.reconnect = new Reconnect(options.reconnect, () => this.wanted, () => this.openOnce());
  }

  get isOpen(): boolean {
    return this.device !== undefined;
  }

  /** Rejects with HidUnavailableError without node-hid, or node-hid's error if the path cannot be opened. */
  async open(): Promise<void> {
    this.wanted = true;
    if (this.opening || !this.device) await this.openOnce();
  }

  async reportDescriptor(): Promise<Buffer | undefined> {
    const device = this.device;
    if (typeof device?.getReportDescriptor === 'function') return Buffer.from(await device.getReportDescriptor());
    const sysfs = sysfsReportDescriptorPath(this.options.path);
    if (!sysfs) return undefined;
    return readFile(sysfs).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.wanted = false;
    this.reconnect.cancel();
    const device = this.device;
    this.device = undefined;
    if (device) {
      device.removeAllListeners();
      device.on('error', () => {});
      await device.close().catch(() => {});
    }
    // An open in flight sees `wanted` false and closes its own handle: wait, so no handle outlives close().
    await this.opening?.catch(() => {});
  }

  private openOnce(): Promise<void> {
    this.opening ??= this.openDevice().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openDevice(): Promise<void> {
    const hid = await loadNodeHid();
    const device = (await hid.HIDAsync.open(this.options.path, { nonExclusive: this.options.nonExclusive ?? false })) as unknown as OpenDevice;
    if (!this.wanted) {
      await device.close().catch(() => {});
      return;
    }
    this.device = device;
    this.reconnect.opened();
    device.on('data', (report: Buffer) => this.emit('report', Buffer.from(report)));
    device.on('error', (error: Error) => this.lost(device, error));
    this.emit('open');
  }

  private lost(device: OpenDevice, reason: Error): void {
    if (device !== this.device) return;
    this.device = undefined;
    device.removeAllListeners();
    device.on('error', () => {});
    device.close().catch(() => {});
    this.emit('gone', reason);
    this.reconnect.schedule();
  }
}
