// The serial transport through the real serialport binding over a socat PTY pair.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../hardware/serial/index.js';
import { openPtyPair, type PtyPair } from '../support/pty.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function pair(dir?: string): Promise<PtyPair> {
  const pty = await openPtyPair(dir === undefined ? {} : { dir });
  cleanups.push(() => pty.close());
  return pty;
}

function transport(path: string, options: Partial<ConstructorParameters<typeof SerialTransport>[0]> = {}): SerialTransport {
  const t = new SerialTransport({ path, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, watchIntervalMs: 50, ...options });
  cleanups.push(() => t.close());
  return t;
}

/** Collects bytes until `length` arrived. */
function receive(t: SerialTransport, length: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= length) {
        t.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    t.on('data', onData);
  });
}

describe('SerialTransport over a socat PTY pair', () => {
  it('carries bytes both ways, including 00 and FF, in order', async () => {
    const pty = await pair();
    const device = transport(pty.a);
    const host = transport(pty.b);
    await device.open();
    await host.open();
    expect(host.isOpen).toBe(true);
    expect(host.description).toBe(`serial:${pty.b}@115200`);

    const bytes = Buffer.from(Array.from({ length: 600 }, (_, i) => i & 0xff));
    const arriving = receive(device, bytes.length);
    await host.write(bytes);
    expect(await arriving).toEqual(bytes);

    const back = receive(host, 3);
    await device.write(Buffer.from([0x00, 0x00, 0xff]));
    expect(await back).toEqual(Buffer.from([0x00, 0x00, 0xff]));
  });

  it('tolerates a PTY refusing the modem-line ioctls (DTR/RTS requested)', async () => {
    const pty = await pair();
    const host = transport(pty.b, { modemLines: { dtr: true, rts: false } });
    await host.open();
    expect(host.isOpen).toBe(true);
  });

  it('rejects open on a path that does not exist, and write when closed', async () => {
    const host = transport('/nonexistent/tty-nowhere', { reconnect: false });
    await expect(host.open()).rejects.toThrow();
    await expect(host.write(Buffer.from([1]))).rejects.toThrow(/not open/);
  });

  it('emits gone when the device disappears, then open when it returns on the same path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pty-replug-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const first = await pair(dir);
    const host = transport(first.b);
    await host.open();

    const gone = once(host, 'gone');
    await first.close(); // unplug
    const [reason] = (await gone) as [Error];
    expect(reason).toBeInstanceOf(Error);
    expect(host.isOpen).toBe(false);
    await expect(host.write(Buffer.from([1]))).rejects.toThrow(/not open/);

    const reopened = once(host, 'open');
    const second = await pair(dir); // plug back in
    await reopened;
    expect(host.isOpen).toBe(true);

    const device = transport(second.a);
    await device.open();
    const arriving = receive(device, 2);
    await host.write(Buffer.from([0x55, 0xaa]));
    expect(await arriving).toEqual(Buffer.from([0x55, 0xaa]));
  });

  it('does not reconnect after close()', async () => {
    const pty = await pair();
    const host = transport(pty.b);
    await host.open();
    let events = 0;
    host.on('gone', () => events++);
    host.on('open', () => events++);
    await host.close();
    await pty.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toBe(0);
    expect(host.isOpen).toBe(false);
  });
});
