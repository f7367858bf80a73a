/**
 * `pos devices`: serial ports (SerialPort.list(), udev-based on Linux, so PTYs are not listed) and
 * HID devices (node-hid, loaded lazily: when it cannot load, the answer says so and still lists
 * the serial ports), each with what we recognise it as.
 */
import { SerialPort } from 'serialport';
import { listHidDevices } from '../hid/node-hid.js';
import { recognise, type KnownDevice } from './known.js';

export interface SerialPortEntry {
  path: string;
  vendorId: string | null;
  productId: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
  recognised: KnownDevice | null;
}

export interface HidEntry {
  path: string | null;
  vendorId: string;
  productId: string;
  manufacturer: string | null;
  product: string | null;
  usagePage: string | null;
  usage: string | null;
  interface: number;
  recognised: KnownDevice | null;
}

export interface DeviceList {
  serial: { available: boolean; error?: string; ports: SerialPortEntry[] };
  hid: { available: boolean; error?: string; devices: HidEntry[] };
}

const hex4 = (n: number | undefined) => (n === undefined ? null : n.toString(16).padStart(4, '0'));
const id = (value: string | undefined) => (value ? value.toLowerCase().replace(/^0x/, '').padStart(4, '0') : null);

export async function listDevices(): Promise<DeviceList> {
  const [serial, hid] = await Promise.all([
    SerialPort.list().then(
      (ports) => ({
        available: true,
        ports: ports.map((p) => {
          const vendorId = id(p.vendorId);
          const productId = id(p.productId);
          return {
            path: p.path,
            vendorId,
            productId,
            manufacturer: p.manufacturer ?? null,
            serialNumber: p.serialNumber ?? null,
            recognised: vendorId && productId ? (recognise(parseInt(vendorId, 16), parseInt(productId, 16)) ?? null) : null,
          };
        }),
      }),
      (error: Error) => ({ available: false, error: error.message.split('\n')[0] ?? 'serial ports cannot be listed', ports: [] }),
    ),
    listHidDevices().then(
      (devices) => ({
        available: true,
        devices: devices.map((d) => ({
          path: d.path ?? null,
          vendorId: hex4(d.vendorId)!,
          productId: hex4(d.productId)!,
          manufacturer: d.manufacturer ?? null,
          product: d.product ?? null,
          usagePage: hex4(d.usagePage),
          usage: hex4(d.usage),
          interface: d.interface,
          recognised: recognise(d.vendorId, d.productId, d.usagePage) ?? null,
        })),
      }),
      (error: Error) => ({ available: false, error: error.message, devices: [] }),
    ),
  ]);
  return { serial, hid };
}
