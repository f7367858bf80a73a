// An in-memory node-hid (the part NodeHidTransport uses: HIDAsync.open, devicesAsync, getHidapiVersion)
// for vi.mock('node-hid'): containers have neither hidraw nor uhid. Devices count their open handles
// and hand each report to every handle, as hidraw does for non-exclusive opens; hold() keeps opens in
// flight until released, so a test can start a second open while the first is still pending.
import { EventEmitter } from 'node:events';

class FakeHandle extends EventEmitter {
  constructor(
    private readonly device: FakeHidDevice,
    readonly exclusive: boolean,
  ) {
    super();
  }

  async close(): Promise<void> {
    this.device.handles.delete(this);
  }
}

export class FakeHidDevice {
  present = true;
  readonly handles = new Set<FakeHandle>();

  /** One input report to every open handle. */
  report(bytes: number[]): void {
    for (const handle of this.handles) handle.emit('data', Buffer.from(bytes));
  }

  /** Unplugged: every handle errors out (node-hid's read fails), later opens fail until plug(). */
  unplug(): void {
    this.present = false;
    for (const handle of [...this.handles]) handle.emit('error', new Error('could not read from HID device'));
  }

  plug(): void {
    this.present = true;
  }
}

export class FakeNodeHid extends EventEmitter<{ opening: [path: string] }> {
  readonly devices = new Map<string, FakeHidDevice>();
  /** HIDAsync.open calls so far, and those not finished yet. */
  opens = 0;
  inFlight = 0;
  private held: Promise<void> | undefined;

  add(path: string): FakeHidDevice {
    const device = new FakeHidDevice();
    this.devices.set(path, device);
    return device;
  }

  /** Opens from now on wait until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  reset(): void {
    this.devices.clear();
    this.opens = 0;
    this.inFlight = 0;
    this.held = undefined;
  }

  /** The module shape node-hid exports. */
  readonly module = {
    getHidapiVersion: () => 'fake',
    devicesAsync: async () => [],
    HIDAsync: { open: (path: string, options: { nonExclusive?: boolean } = {}) => this.open(path, options.nonExclusive ?? false) },
  };

  private async open(path: string, nonExclusive: boolean): Promise<FakeHandle> {
    this.opens++;
    this.inFlight++;
    try {
      this.emit('opening', path);
      await this.held;
      const device = this.devices.get(path);
      // hidraw: an exclusive handle shuts out every other open, and an exclusive open needs the device to itself
      const busy = [...(device?.handles ?? [])].some((h) => h.exclusive) || (!nonExclusive && device?.handles.size);
      if (!device?.present || busy) throw new Error(`cannot open device with path ${path}`);
      const handle = new FakeHandle(device, !nonExclusive);
      device.handles.add(handle);
      return handle;
    } finally {
      this.inFlight--;
    }
  }
}

export const fakeHid = new FakeNodeHid();
