// node-hid loaded lazily: it lists devices here (none in a container), or fails with a typed error
// saying what is missing; the transport reports an unopenable path and finds the sysfs descriptor.
import { describe, expect, it } from 'vitest';
import { HidUnavailableError, NodeHidTransport, listHidDevices, loadNodeHid, sysfsReportDescriptorPath } from '../../hardware/hid/index.js';

describe('node-hid, lazily', () => {
  it('lists devices, or says libusb/hidraw is missing', async () => {
    const outcome = await listHidDevices().then(
      (devices) => ({ devices }),
      (error: unknown) => ({ error }),
    );
    if ('devices' in outcome) expect(Array.isArray(outcome.devices)).toBe(true);
    else {
      expect(outcome.error).toBeInstanceOf(HidUnavailableError);
      expect((outcome.error as Error).message).toMatch(/libusb|hidraw/);
    }
  });

  it('HidUnavailableError names the cause and what to install', () => {
    const error = new HidUnavailableError(new Error('libusb-1.0.so.0: cannot open shared object file\nstack'));
    expect(error.message).toBe(
      'HID is unavailable: node-hid could not load (libusb-1.0.so.0: cannot open shared object file); it needs libusb-1.0 or, on Linux, hidraw (libudev) — install them or use serial devices',
    );
  });

  it('open rejects for a path that is no HID device, without reconnect noise', async () => {
    const available = await loadNodeHid().then(
      () => true,
      () => false,
    );
    const transport = new NodeHidTransport({ path: '/dev/hidraw-none', reconnect: false });
    await expect(transport.open()).rejects.toBeInstanceOf(available ? Error : HidUnavailableError);
    expect(transport.isOpen).toBe(false);
    expect(await transport.reportDescriptor()).toBeUndefined();
    await transport.close();
  });

  it('finds the report descriptor of a hidraw node in sysfs', () => {
    expect(sysfsReportDescriptorPath('/dev/hidraw3')).toBe('/sys/class/hidraw/hidraw3/device/report_descriptor');
    expect(sysfsReportDescriptorPath('IOService:/AppleACPIPlatformExpert/XHC1')).toBeUndefined();
  });
});
