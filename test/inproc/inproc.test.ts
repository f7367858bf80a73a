// The in-process links: same events as SerialTransport (open/data/gone) and an HID report feed.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { inprocHid, inprocPair } from '../../hardware/inproc/index.js';

describe('inprocPair', () => {
  it('carries bytes both ways, in order, copied from the writer’s buffer', async () => {
    const [host, device] = inprocPair('t');
    await device.open();
    await host.open();
    expect(host.isOpen && device.isOpen).toBe(true);
    expect(host.description).toBe('inproc:t:a');
    const received: Buffer[] = [];
    device.on('data', (chunk) => received.push(chunk));
    const buffer = Buffer.from([0x00, 0xff, 0x55]);
    await host.write(buffer);
    buffer[0] = 0x99;
    await host.write(Buffer.from([0x01]));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(received)).toEqual(Buffer.from([0x00, 0xff, 0x55, 0x01]));
    const back = once(host, 'data');
    await device.write(Buffer.from('ok'));
    expect((await back)[0]).toEqual(Buffer.from('ok'));
  });

  it('rejects writes when closed; closing one end is an unplug for the other, reopening a replug', async () => {
    const [host, device] = inprocPair();
    await expect(host.write(Buffer.from([1]))).rejects.toThrow(/not open/);
    await host.open();
    await device.open();
    const gone = once(host, 'gone');
    await device.close();
    expect(((await gone)[0] as Error).message).toMatch(/closed/);
    expect(host.isOpen).toBe(false);
    await expect(host.write(Buffer.from([1]))).rejects.toThrow(/not open/);
    const back = once(host, 'open');
    await device.open();
    await back;
    expect(host.isOpen).toBe(true);
  });

  it('loses bytes written while the far end is not open, as a wire would', async () => {
    const [host, device] = inprocPair();
    await host.open();
    await host.write(Buffer.from('lost'));
    await new Promise((r) => setImmediate(r));
    const got: Buffer[] = [];
    device.on('data', (c) => got.push(c));
    await device.open();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
  });
});

describe('inprocHid', () => {
  it('delivers reports while open, hands out the descriptor, and reports unplug and replug in order', async () => {
    const { transport, device } = inprocHid({ reportDescriptor: Buffer.from('05010906', 'hex'), name: 'kbd' });
    expect(await transport.reportDescriptor()).toEqual(Buffer.from('05010906', 'hex'));
    await expect(inprocHid().transport.reportDescriptor()).resolves.toBeUndefined();
    const reports: string[] = [];
    const events: string[] = [];
    transport.on('report', (r) => reports.push(r.toString('hex')));
    transport.on('gone', () => events.push('gone'));
    transport.on('open', () => events.push('open'));
    device.sendReport(Buffer.from('00000b0000000000', 'hex')); // before open: dropped
    await new Promise((r) => setImmediate(r));
    await transport.open();
    device.sendReport(Buffer.from('0000040000000000', 'hex'));
    device.unplug();
    device.sendReport(Buffer.from('0000050000000000', 'hex')); // unplugged: dropped
    device.plug();
    await once(transport, 'open');
    expect(reports).toEqual(['0000040000000000']);
    expect(events).toEqual(['open', 'gone', 'open']);
    await transport.close();
    expect(transport.isOpen).toBe(false);
  });

  it('refuses to open an unplugged device', async () => {
    const { transport, device } = inprocHid();
    device.unplug();
    await new Promise((r) => setImmediate(r));
    await expect(transport.open()).rejects.toThrow(/no such device/);
  });
});

describe('virtual devices over inprocPair (how the demo connects them)', () => {
  it('the MSR and serial scanner drivers read their virtual twins without a PTY', async () => {
    const { SerialMsr, VirtualMsr } = await import('../../hardware/msr/index.js');
    const { SerialScanner, VirtualSerialScanner } = await import('../../hardware/scanner/index.js');
    const [msrHost, msrDevice] = inprocPair('msr');
    const [scanHost, scanDevice] = inprocPair('scanner');
    await msrDevice.open();
    await scanDevice.open();
    const msr = new SerialMsr(msrHost);
    const scanner = new SerialScanner(scanHost);
    await msr.start();
    await scanner.start();
    const swiped = once(msr, 'swipe');
    const scanned = once(scanner, 'scan');
    void new VirtualMsr(msrDevice, { baudRate: 115200 }).swipe('magstripe', { tracks: [2] });
    void new VirtualSerialScanner(scanDevice, { baudRate: 115200 }).scan('280012345678901234', ']Q1');
    expect((await swiped)[0]).toEqual({ track2: ';4111111111111111=30121010000010100000?' });
    expect((await scanned)[0]).toEqual({ text: '280012345678901234', symbology: ']Q1' });
    await msr.stop();
    await scanner.stop();
  });

  type SerialMsrT = InstanceType<typeof import('../../hardware/msr/index.js').SerialMsr>;
  type Device = ReturnType<typeof inprocPair>[1];
  const interruptions: Array<[string, (msr: SerialMsrT, device: Device) => Promise<void>]> = [
    [
      'an unplug (the next swipe after the replug)',
      async (msr, device) => {
        const gone = once(msr, 'gone');
        await device.close();
        await gone;
        const back = once(msr, 'open');
        await device.open();
        await back;
      },
    ],
    [
      'stop() (the next swipe after start() again)',
      async (msr) => {
        await msr.stop();
        await msr.start();
      },
    ],
  ];

  it.each(interruptions)('a line cut short by %s is dropped: the next swipe reads clean', async (_, interrupt) => {
    const { SerialMsr } = await import('../../hardware/msr/index.js');
    const [host, device] = inprocPair('msr');
    await device.open();
    const msr = new SerialMsr(host);
    const errors: Error[] = [];
    msr.on('error', (error) => errors.push(error));
    await msr.start();
    const halfArrived = once(host, 'data');
    await device.write(Buffer.from('%B4111111111111111^CARD'));
    await halfArrived;
    await interrupt(msr, device);
    const swiped = once(msr, 'swipe');
    await device.write(Buffer.from(';4111111111111111=30121010000010100000?\r'));
    expect((await swiped)[0]).toEqual({ track2: ';4111111111111111=30121010000010100000?' });
    expect(errors).toEqual([]);
    await msr.stop();
  });
});
