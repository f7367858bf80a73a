/**
 * A virtual PN532 on one end of a socat PTY pair and the real driver on the other, both through
 * the real serialport binding — the same bytes as a USB-serial PN532 board.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pn532Reader, type Pn532ReaderOptions } from '../../hardware/nfc/pn532-reader.js';
import { VirtualPn532, type VirtualPn532Options } from '../../hardware/nfc/virtual-pn532.js';
import type { ContactlessCard } from '../../hardware/nfc/virtual-cards/contactless-card.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { openPtyPair, type PtyPair } from '../support/pty.js';

export interface Bench {
  dir: string;
  pty: PtyPair;
  device: VirtualPn532;
  deviceTransport: SerialTransport;
  host: SerialTransport;
  reader: Pn532Reader;
  /** Kills socat (unplug). */
  unplug(): Promise<void>;
  /** Starts a new socat on the same paths with a fresh (asleep) virtual PN532 (plug back in). */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function startBench(
  options: { reader?: Pn532ReaderOptions; device?: VirtualPn532Options; start?: boolean } = {},
): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'nfc-'));
  const bench = {} as Bench;
  const plugDevice = async () => {
    bench.pty = await openPtyPair({ dir });
    bench.deviceTransport = new SerialTransport({ path: bench.pty.a, reconnect: false });
    await bench.deviceTransport.open();
    const cards = bench.device ? fieldOf(bench.device) : [];
    bench.device = new VirtualPn532(bench.deviceTransport, options.device);
    for (const card of cards) bench.device.tap(card);
  };
  await plugDevice();
  bench.dir = dir;
  bench.host = new SerialTransport({ path: bench.pty.b, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, watchIntervalMs: 50 });
  bench.reader = new Pn532Reader(bench.host, { ackTimeoutMs: 200, responseTimeoutMs: 1000, ...options.reader });
  bench.unplug = async () => {
    bench.device.close();
    await bench.deviceTransport.close();
    await bench.pty.close();
  };
  bench.replug = plugDevice;
  bench.close = async () => {
    await bench.reader.stop().catch(() => {});
    await bench.host.close();
    await bench.unplug();
    rmSync(dir, { recursive: true, force: true });
  };
  if (options.start !== false) await bench.reader.start();
  return bench;
}

const fields = new WeakMap<VirtualPn532, ContactlessCard[]>();
/** Cards tapped through tapCard, so a replugged device gets the same field. */
function fieldOf(device: VirtualPn532): ContactlessCard[] {
  return fields.get(device) ?? [];
}
export function tapCard(bench: Bench, card: ContactlessCard, options: { removeAfterApdus?: number } = {}): void {
  bench.device.tap(card, options);
  fields.set(bench.device, [...fieldOf(bench.device), card]);
}

/** A minimal ISO-DEP card: answers `data || 9000` where data is `length` bytes given by P1P2. */
export function echoCard(label = 'echo', uid: Buffer = Buffer.from([0x08, 0x12, 0x34, 0x56])): ContactlessCard & { received: Buffer[] } {
  const received: Buffer[] = [];
  return {
    label,
    uid,
    atqa: Buffer.from([0x00, 0x04]),
    sak: 0x20,
    ats: Buffer.from([0x05, 0x78, 0x80, 0x70, 0x02]),
    received,
    activate() {},
    transmit(apdu) {
      received.push(apdu);
      const length = apdu.length >= 4 ? apdu.readUInt16BE(2) : 0;
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i++) data[i] = i & 0xff;
      return { response: Buffer.concat([data, Buffer.from([0x90, 0x00])]), delayMs: 0 };
    },
  };
}
