// `pos virtual msr` and `pos virtual scanner`: the services on real PTYs, their HTTP control APIs
// through the CLI, the real drivers reading them, and one subprocess run of the bin.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { SerialMsr, VirtualMsrService, type Swipe } from '../../hardware/msr/index.js';
import { SerialScanner, VirtualScannerService, type Scan } from '../../hardware/scanner/index.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { capture, cleanupsAfterEach, startPos, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

const nextOf = <T>(emitter: { once(event: string, listener: (value: T) => void): unknown }, event: string) =>
  new Promise<T>((done) => emitter.once(event, done));

describe('pos virtual msr', () => {
  it('swipes through the control API and the driver reads it; status masks PANs', async () => {
    const dir = tempDir(cleanups);
    const service = await VirtualMsrService.start({ pty: join(dir, 'msr'), controlPort: 0, baudRate: 115200 });
    cleanups.push(() => service.stop());
    const port = new URL(service.controlUrl!).port;
    const msr = new SerialMsr(new SerialTransport({ path: join(dir, 'msr'), reconnect: false }));
    await msr.start();
    cleanups.push(() => msr.stop());

    const swiped = nextOf<Swipe>(msr, 'swipe');
    const io = capture();
    expect(await main(['virtual', 'msr', 'swipe', 'magstripe', '--control-port', port, '--track', '2'], io)).toBe(0);
    expect(await swiped).toEqual({ track2: ';4111111111111111=30121010000010100000?' });
    const status = JSON.parse(io.stdout[0]!);
    expect(status.swipes).toBe(1);
    expect(status.cards).toContainEqual({ card: 'magstripe', pan: '411111******1111', serviceCode: '101' });
    expect(io.stdout[0]).not.toMatch(/4111111111111111/);

    const failed = nextOf<Error>(msr, 'error');
    expect(await main(['virtual', 'msr', 'swipe', 'visa', '--control-port', port, '--unreadable', '1', '--unreadable', '2'], capture())).toBe(0);
    expect((await failed).name).toBe('SwipeUnreadableError');
  });

  it('bad input: one line naming it, exit 2', async () => {
    const dir = tempDir(cleanups);
    const service = await VirtualMsrService.start({ pty: join(dir, 'msr'), controlPort: 0 });
    cleanups.push(() => service.stop());
    const port = new URL(service.controlUrl!).port;
    const cases: Array<[string[], RegExp]> = [
      [['swipe', 'amex', '--control-port', port], /card: one of visa, mastercard, unionpay, magstripe/],
      [['swipe', 'visa', '--control-port', port, '--track', '3'], /--track: 1 or 2/],
      [['raw', 'XYZ', '--control-port', port], /hex: 1\.\.1024 bytes of hex/],
      [['dance', '--control-port', port], /unknown ACTION \(one of: status, swipe/],
      [['status'], /--control-port is required/],
      [['--baud', '9600'], /--pty PATH is required/],
      [['--pty', join(dir, 'x'), '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      expect(await main(['virtual', 'msr', ...args], io)).toBe(2);
      expect(io.stderr).toEqual([expect.stringMatching(message)]);
    }
    const help = capture();
    expect(await main(['virtual', 'msr', '--help'], help)).toBe(0);
    expect(help.stdout[0]).toMatch(/example:/);
  });
});

describe('pos virtual scanner', () => {
  it('scans through the control API and the serial driver reads it with its symbology', async () => {
    const dir = tempDir(cleanups);
    const service = await VirtualScannerService.start({ pty: join(dir, 'scanner'), controlPort: 0, baudRate: 115200, suffix: 'CRLF' });
    cleanups.push(() => service.stop());
    const port = new URL(service.controlUrl!).port;
    const scanner = new SerialScanner(new SerialTransport({ path: join(dir, 'scanner'), reconnect: false }));
    await scanner.start();
    cleanups.push(() => scanner.stop());
    const scanned = nextOf<Scan>(scanner, 'scan');
    const io = capture();
    expect(await main(['virtual', 'scanner', 'scan', '134567890123456789', '--symbology', ']Q1', '--control-port', port], io)).toBe(0);
    expect(await scanned).toEqual({ text: '134567890123456789', symbology: ']Q1' });
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ kind: 'serial', suffix: 'CRLF', scans: 1 });
    expect(io.stdout[0]).not.toMatch(/134567890123456789/);

    for (const [args, message] of [
      [['scan', 'x', '--symbology', 'Q1', '--control-port', port], /symbology: an AIM identifier like \]Q1/],
      [['scan', '--control-port', port], /missing TEXT/],
      [['--pty', join(dir, 'y'), '--kind', 'hid-pos'], /HID scanners cannot sit on a PTY/],
      [['--pty', join(dir, 'y'), '--suffix', 'tab'], /--suffix: cr, lf, crlf or none/],
    ] as Array<[string[], RegExp]>) {
      const bad = capture();
      expect(await main(['virtual', 'scanner', ...args], bad)).toBe(2);
      expect(bad.stderr).toEqual([expect.stringMatching(message)]);
    }
    const gone = capture();
    expect(await main(['virtual', 'scanner', 'status', '--control-port', '1'], gone)).toBe(1);
    expect(gone.stderr[0]).toMatch(/no virtual scanner answers on 127\.0\.0\.1:1/);
  });

  it('serves on a PTY as a subprocess until SIGTERM, then removes it', async () => {
    const dir = tempDir(cleanups);
    const path = join(dir, 'scanner');
    const { child, started, exited } = await startPos(['virtual', 'scanner', '--pty', path, '--control-port', '0'], cleanups);
    expect(started).toMatchObject({ pty: path, kind: 'serial', baudRate: 9600 });
    const scanner = new SerialScanner(new SerialTransport({ path, reconnect: false, baudRate: 9600 }));
    await scanner.start();
    const scanned = nextOf<Scan>(scanner, 'scan');
    await fetch(`${started.control}/scan`, { method: 'POST', body: JSON.stringify({ text: '6212345678901234567' }) });
    expect(await scanned).toEqual({ text: '6212345678901234567' });
    await scanner.stop();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});
