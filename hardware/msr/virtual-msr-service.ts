/**
 * A virtual serial MSR on a real pseudo-terminal with an HTTP control API: what `pos virtual msr`
 * runs. Any program that reads a serial MSR opens the PTY path as it would /dev/ttyUSB0.
 *
 * Control API (JSON over HTTP on 127.0.0.1):
 *   GET  /status                                   cards, counters
 *   POST /swipe {card, tracks?: [1,2], unreadable?: [1|2]}   swipe a test card
 *   POST /raw   {hex}                              send raw bytes (garbage, a line with no terminator)
 * Answers never carry track data or a clear PAN.
 */
import { maskPan } from '../../protocols/mask.js';
import { magstripeTestCardIds, magstripeTestCards, type MagstripeTestCardId } from '../../protocols/testcards.js';
import { ControlError, VirtualDeviceService, asObject, openDevicePty, type DevicePty } from '../virtual-service.js';
import { VirtualMsr, type SwipeOptions } from './virtual-msr.js';

export interface VirtualMsrServiceOptions {
  pty: string;
  baudRate?: number;
  terminator?: 'CR' | 'CRLF';
  controlPort?: number;
}

export class VirtualMsrService extends VirtualDeviceService<VirtualMsr> {
  private constructor(path: string, device: VirtualMsr, line: DevicePty) {
    super(path, device, line);
  }

  static async start(options: VirtualMsrServiceOptions): Promise<VirtualMsrService> {
    const baudRate = options.baudRate ?? 9600;
    const line = await openDevicePty(options.pty, baudRate);
    const service = new VirtualMsrService(options.pty, new VirtualMsr(line.transport, { baudRate, terminator: options.terminator ?? 'CR' }), line);
    await service.listen(options.controlPort);
    return service;
  }

  /** Validates a swipe request (the control API's JSON shape) and swipes. */
  async swipe(body: unknown): Promise<void> {
    const { card, tracks, unreadable } = asObject(body, 'body', ['card', 'tracks', 'unreadable']);
    if (typeof card !== 'string' || !magstripeTestCardIds.includes(card as MagstripeTestCardId))
      throw new ControlError(`card: one of ${magstripeTestCardIds.join(', ')}`);
    const options: SwipeOptions = {};
    if (tracks !== undefined) options.tracks = trackList(tracks, 'tracks');
    if (unreadable !== undefined) options.unreadable = trackList(unreadable, 'unreadable');
    await this.device.swipe(card as MagstripeTestCardId, options);
  }

  status(): Record<string, unknown> {
    return {
      pty: this.path,
      baudRate: this.device.baudRate,
      control: this.controlUrl ?? null,
      swipes: this.device.swipes,
      cards: magstripeTestCardIds.map((id) => ({ card: id, pan: maskPan(magstripeTestCards[id].pan), serviceCode: magstripeTestCards[id].serviceCode })),
    };
  }

  protected async handle(route: string, body: unknown): Promise<unknown> {
    switch (route) {
      case 'GET /status':
        return this.status();
      case 'POST /swipe':
        await this.swipe(body);
        return this.status();
      case 'POST /raw': {
        const { hex } = asObject(body, 'body', ['hex']);
        if (typeof hex !== 'string' || !/^([0-9A-Fa-f]{2}){1,1024}$/.test(hex)) throw new ControlError('hex: 1..1024 bytes of hex');
        await this.device.sendRaw(Buffer.from(hex, 'hex'));
        return this.status();
      }
      default:
        return undefined;
    }
  }
}

function trackList(value: unknown, name: string): Array<1 | 2> {
  if (!Array.isArray(value) || value.length > 2 || !value.every((t) => t === 1 || t === 2)) throw new ControlError(`${name}: a list of track numbers 1 and/or 2`);
  return value as Array<1 | 2>;
}
