// The virtual PN532 on an in-memory link: frame-level behaviour, checked frame by frame.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { ACK_FRAME, ERROR_FRAME, FrameParser, NACK_FRAME, encodeCommand, type Pn532Frame } from '../../protocols/pn532/index.js';
import { LineClock } from '../../hardware/nfc/line-clock.js';
import { VirtualPn532 } from '../../hardware/nfc/virtual-pn532.js';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { echoCard } from './harness.js';

class MemoryLink extends EventEmitter<{ data: [Buffer] }> {
  readonly parser = new FrameParser();
  readonly frames: Pn532Frame[] = [];
  readonly writes: Buffer[] = [];
  private waiters: Array<() => void> = [];
  async write(bytes: Uint8Array): Promise<void> {
    this.writes.push(Buffer.from(bytes));
    for (const r of this.parser.push(bytes)) if (r.type === 'frame') this.frames.push(r.frame);
    for (const w of this.waiters.splice(0)) w();
  }
  /** Host → device. */
  send(bytes: Buffer): void {
    this.emit('data', bytes);
  }
  async frameCount(n: number, timeoutMs = 2000): Promise<Pn532Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.frames.length} of ${n} frames`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return this.frames;
  }
}

const devices: VirtualPn532[] = [];
afterEach(() => devices.splice(0).forEach((d) => d.close()));

function awake(options: ConstructorParameters<typeof VirtualPn532>[1] = {}) {
  const link = new MemoryLink();
  const device = new VirtualPn532(link, { startAsleep: false, baudRate: 1_000_000, ...options });
  devices.push(device);
  return { link, device };
}
const info = (data: string) => ({ kind: 'info', tfi: 0xd5, data: fromHex(data), extended: false });

describe('VirtualPn532 frames', () => {
  it('sleeps until a wake-up byte, then needs SAMConfiguration before InListPassiveTarget', async () => {
    const { link } = awake({ startAsleep: true });
    link.send(encodeCommand(0x02));
    await new Promise((r) => setTimeout(r, 30));
    expect(link.frames).toEqual([]); // asleep: nothing
    link.send(Buffer.concat([fromHex('55 55 00 00 00'), encodeCommand(0x4a, fromHex('01 00'))]));
    link.send(encodeCommand(0x14, fromHex('01')));
    link.send(encodeCommand(0x02));
    expect(await link.frameCount(6)).toEqual([{ kind: 'ack' }, { kind: 'error' }, { kind: 'ack' }, info('15'), { kind: 'ack' }, info('03 32 01 06 07')]);
  });

  it('answers an unknown command with the application error frame, and ignores a frame with a bad checksum', async () => {
    const { link, device } = awake();
    link.send(encodeCommand(0x14, fromHex('01')));
    const corrupt = encodeCommand(0x02);
    corrupt[corrupt.length - 2] = corrupt[corrupt.length - 2]! ^ 0x01;
    link.send(corrupt);
    link.send(encodeCommand(0x06, fromHex('63 05'))); // ReadRegister: not simulated
    expect(await link.frameCount(4)).toEqual([{ kind: 'ack' }, info('15'), { kind: 'ack' }, { kind: 'error' }]);
    expect(device.stats.badFrames).toBe(1);
    expect(link.writes.some((w) => w.includes(ERROR_FRAME))).toBe(true);
  });

  it('retransmits its last response on a NACK', async () => {
    const { link, device } = awake();
    link.send(encodeCommand(0x14, fromHex('01')));
    link.send(encodeCommand(0x02));
    await link.frameCount(4);
    link.send(NACK_FRAME);
    expect((await link.frameCount(5))[4]).toEqual(info('03 32 01 06 07'));
    expect(device.stats.nacksReceived).toBe(1);
  });

  it('lists one or two targets with ATS, and releases them', async () => {
    const { link, device } = awake();
    device.tap(createVirtualCard('visa'));
    device.tap(echoCard('second', fromHex('08 00 00 01')));
    link.send(encodeCommand(0x14, fromHex('01')));
    link.send(encodeCommand(0x4a, fromHex('01 00')));
    link.send(encodeCommand(0x4a, fromHex('02 00')));
    link.send(encodeCommand(0x52, fromHex('01')));
    link.send(encodeCommand(0x52, fromHex('01')));
    const frames = await link.frameCount(10);
    expect(frames[3]).toEqual(info('4B 01 01 00 04 20 04 08 A1 B2 C3 05 78 80 70 02'));
    expect(frames[5]).toEqual(info('4B 02 01 00 04 20 04 08 A1 B2 C3 05 78 80 70 02 02 00 04 20 04 08 00 00 01 05 78 80 70 02'));
    expect(frames[7]).toEqual(info('53 00'));
    expect(frames[9]).toEqual(info('53 27')); // already released
  });

  it('an ACK from the host abandons a slow card’s pending answer', async () => {
    const { link, device } = awake();
    const card = createVirtualCard('visa');
    card.faults.delayMs = 80;
    device.tap(card);
    link.send(encodeCommand(0x14, fromHex('01')));
    link.send(encodeCommand(0x4a, fromHex('01 00')));
    await link.frameCount(4);
    link.send(encodeCommand(0x40, fromHex('01 00A404000E325041592E5359532E444446303100')));
    await link.frameCount(5); // the ACK
    link.send(ACK_FRAME); // abort
    await new Promise((r) => setTimeout(r, 150));
    expect(link.frames).toHaveLength(5);
  });

  it('InDataExchange to an unknown target answers status 27; after removal, status 01', async () => {
    const { link, device } = awake();
    const card = echoCard();
    device.tap(card);
    link.send(encodeCommand(0x14, fromHex('01')));
    link.send(encodeCommand(0x4a, fromHex('01 00')));
    link.send(encodeCommand(0x40, fromHex('02 00B2000100')));
    await link.frameCount(6);
    device.remove(card);
    link.send(encodeCommand(0x40, fromHex('01 00B2000100')));
    const frames = await link.frameCount(8);
    expect(frames[5]).toEqual(info('41 27'));
    expect(frames[7]).toEqual(info('41 01'));
  });
});

describe('LineClock', () => {
  it('never delivers bytes before the wire could carry them, and sends a back-to-back burst in one write', async () => {
    const writes: Array<{ at: number; bytes: Buffer }> = [];
    const clock = new LineClock(115200, (bytes) => writes.push({ at: performance.now(), bytes }));
    const start = performance.now();
    clock.transmit(Buffer.alloc(6));
    clock.transmit(Buffer.alloc(570));
    await new Promise((r) => setTimeout(r, 120));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.bytes.length).toBe(576);
    // 576 bytes × 10 bits / 115200 baud = 50 ms: a lower bound, so it cannot be flaky
    expect(writes[0]!.at - start).toBeGreaterThanOrEqual(clock.byteTime(576));
    clock.close();
  });

  it('keeps separate writes when the second output starts after a gap', async () => {
    const writes: Buffer[] = [];
    const clock = new LineClock(1_000_000, (bytes) => writes.push(bytes));
    clock.transmit(Buffer.alloc(6));
    clock.transmit(Buffer.alloc(10), performance.now() + 30);
    await new Promise((r) => setTimeout(r, 80));
    expect(writes.map((w) => w.length)).toEqual([6, 10]);
    clock.close();
  });
});
