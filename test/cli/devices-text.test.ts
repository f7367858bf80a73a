// `pos devices` as a person reads it: a serial port without USB IDs (a built-in UART) says so instead
// of "????:????" (R5); --json keeps null IDs (test/devices/devices.test.ts checks its shape).
import { describe, expect, it } from 'vitest';
import { formatDevices } from '../../cli/commands/devices.js';
import type { DeviceList } from '../../hardware/devices/list.js';

const port = { manufacturer: null, serialNumber: null, recognised: null };

describe('pos devices text', () => {
  it('names a port without USB IDs in words, and one with them by vendor:product and what it is', () => {
    const list: DeviceList = {
      serial: {
        available: true,
        ports: [
          { path: '/dev/ttyS0', vendorId: null, productId: null, ...port },
          { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', ...port, recognised: { kind: 'usb-serial-bridge', name: 'CH340 USB-serial bridge' } },
        ],
      },
      hid: {
        available: true,
        devices: [{ path: null, vendorId: '05e0', productId: '1200', manufacturer: 'Zebra', product: 'Scanner', usagePage: null, usage: null, interface: 0, recognised: null }],
      },
    };
    expect(formatDevices(list).split('\n')).toEqual([
      'Serial ports:',
      '  /dev/ttyS0  no USB IDs', // before: "/dev/ttyS0  ????:????"
      '  /dev/ttyUSB0  1a86:7523  CH340 USB-serial bridge',
      'HID devices:',
      '  (no path)  05e0:1200  Zebra Scanner', // before: "?  05e0:1200  page ?  Zebra Scanner"
    ]);
  });

  it('says when a list cannot be had', () => {
    const list: DeviceList = { serial: { available: false, error: 'no udev', ports: [] }, hid: { available: false, error: 'libusb missing', devices: [] } };
    expect(formatDevices(list)).toBe('Serial ports:\n  (cannot list: no udev)\nHID devices:\n  (unavailable: libusb missing)');
  });
});
