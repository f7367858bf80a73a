/**
 * A virtual serial scanner on a real pseudo-terminal with an HTTP control API: what
 * `pos virtual scanner --pty PATH` runs. (HID scanners cannot be put on a PTY, and /dev/uhid needs
 * privileges: the HID twins are in-process, hardware/scanner/virtual-hid-scanners.ts.)
 *
 * Control API (JSON over HTTP on 127.0.0.1):
 *   GET  /status                        settings, counters
 *   POST /scan {text, symbology?}       scan a code (symbology: an AIM identifier like ]Q1, sent as a prefix)
 * Answers never echo the scanned text.
 */
import { isAimId } from '../../protocols/scanner/aim.js';
import { ControlError, VirtualDeviceService, asObject, openDevicePty, type DevicePty } from '../virtual-service.js';
import { VirtualSerialScanner, type VirtualSerialScannerOptions } from './virtual-serial-scanner.js';

export interface VirtualScannerServiceOptions extends VirtualSerialScannerOptions {
  pty: string;
  controlPort?: number;
}

export class VirtualScannerService extends VirtualDeviceService<VirtualSerialScanner> {
  private constructor(
    path: string,
    device: VirtualSerialScanner,
    line: DevicePty,
    private readonly settings: VirtualSerialScannerOptions,
  ) {
    super(path, device, line);
  }

  static async start(options: VirtualScannerServiceOptions): Promise<VirtualScannerService> {
    const { pty, controlPort, ...settings } = options;
    const baudRate = settings.baudRate ?? 9600;
    const line = await openDevicePty(pty, baudRate);
    const service = new VirtualScannerService(pty, new VirtualSerialScanner(line.transport, { ...settings, baudRate }), line, { ...settings, baudRate });
    await service.listen(controlPort);
    return service;
  }

  /** Validates a scan request (the control API's JSON shape) and scans. */
  async scan(body: unknown): Promise<void> {
    const { text, symbology } = asObject(body, 'body', ['text', 'symbology']);
    if (typeof text !== 'string' || text.length === 0 || text.length > 7089) throw new ControlError('text: a string of 1..7089 characters');
    if (/[\r\n]/.test(text)) throw new ControlError('text: may not hold CR or LF (they end a scan)');
    if (symbology !== undefined && (typeof symbology !== 'string' || !isAimId(symbology))) throw new ControlError('symbology: an AIM identifier like ]Q1');
    await this.device.scan(text, symbology as string | undefined);
  }

  status(): Record<string, unknown> {
    return {
      pty: this.path,
      kind: 'serial',
      baudRate: this.device.baudRate,
      suffix: this.settings.suffix ?? 'CR',
      prefix: this.settings.prefix ?? null,
      control: this.controlUrl ?? null,
      scans: this.device.scans,
    };
  }

  protected async handle(route: string, body: unknown): Promise<unknown> {
    if (route === 'GET /status') return this.status();
    if (route === 'POST /scan') {
      await this.scan(body);
      return this.status();
    }
    return undefined;
  }
}
