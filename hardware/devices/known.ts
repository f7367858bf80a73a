/**
 * POS hardware recognised by USB vendor and product ID. Only IDs with a source:
 * - USB-serial bridges on PN532 boards and serial MSRs/scanners: 1a86:7523/7522 CH340, 1a86:5523
 *   CH341, 10c4:ea60 CP210x, 0403:6001 FT232R, 067b:2303 PL2303 (linux-usb usb.ids).
 * - Scanner makers: 0c2e Metrologic, now Honeywell (usb.ids lists MS7120 modes: 0007 IBM SurePOS,
 *   0204 keyboard, 0700/0720 serial); 0536 Hand Held Products (Honeywell); 05e0 Symbol, now
 *   Zebra (MS4404/MS4407 integration guide: 0600 COM port emulation, 1200 HID keyboard, 1300 IBM
 *   hand-held); 05f9 PSC, now Datalogic; 1eab Newland Auto-ID (1a06: NLS-FM3080 USB CDC, from the
 *   device's own descriptors); 067e Intermec (0809 SG20). Zebex's vendor ID was not found in a
 *   source, so it is not listed.
 * Any HID device with usage page 0x8C is a HID-POS barcode scanner, whoever made it.
 */
export type DeviceKind = 'usb-serial-bridge' | 'barcode-scanner';

export interface KnownDevice {
  kind: DeviceKind;
  name: string;
  /** How it talks, when the product ID says (scanners change product ID with their interface mode). */
  mode?: 'serial' | 'hid-keyboard' | 'hid-pos' | 'ibm-pos';
}

const products: Record<string, KnownDevice> = {
  '1a86:7523': { kind: 'usb-serial-bridge', name: 'QinHeng CH340 USB-serial (common on PN532 boards)' },
  '1a86:7522': { kind: 'usb-serial-bridge', name: 'QinHeng CH340 USB-serial' },
  '1a86:5523': { kind: 'usb-serial-bridge', name: 'QinHeng CH341 USB-serial' },
  '10c4:ea60': { kind: 'usb-serial-bridge', name: 'Silicon Labs CP210x USB-UART bridge' },
  '0403:6001': { kind: 'usb-serial-bridge', name: 'FTDI FT232R USB-UART' },
  '067b:2303': { kind: 'usb-serial-bridge', name: 'Prolific PL2303 USB-serial' },
  '0c2e:0007': { kind: 'barcode-scanner', name: 'Metrologic/Honeywell MS7120 (IBM SurePOS mode)', mode: 'ibm-pos' },
  '0c2e:0204': { kind: 'barcode-scanner', name: 'Metrologic/Honeywell MS7120 (keyboard mode)', mode: 'hid-keyboard' },
  '0c2e:0700': { kind: 'barcode-scanner', name: 'Metrologic/Honeywell MS7120 (serial mode)', mode: 'serial' },
  '0c2e:0720': { kind: 'barcode-scanner', name: 'Metrologic/Honeywell MS7120 (bi-directional serial mode)', mode: 'serial' },
  '05e0:0600': { kind: 'barcode-scanner', name: 'Symbol/Zebra scanner (COM port emulation)', mode: 'serial' },
  '05e0:1200': { kind: 'barcode-scanner', name: 'Symbol/Zebra scanner (HID keyboard emulation)', mode: 'hid-keyboard' },
  '05e0:1300': { kind: 'barcode-scanner', name: 'Symbol/Zebra scanner (IBM hand-held)', mode: 'ibm-pos' },
  '1eab:1a06': { kind: 'barcode-scanner', name: 'Newland NLS-FM3080 (USB CDC serial)', mode: 'serial' },
  '067e:0809': { kind: 'barcode-scanner', name: 'Intermec SG20' },
};

const scannerVendors: Record<number, string> = {
  0x0c2e: 'Honeywell (Metrologic) barcode scanner',
  0x0536: 'Honeywell (Hand Held Products) barcode scanner',
  0x05e0: 'Zebra (Symbol) barcode scanner',
  0x05f9: 'Datalogic (PSC) barcode scanner',
  0x1eab: 'Newland barcode scanner',
  0x067e: 'Intermec barcode scanner',
};

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** What a USB device is, by its IDs (and HID usage page when known). */
export function recognise(vendorId: number, productId: number, usagePage?: number): KnownDevice | undefined {
  const exact = products[`${hex4(vendorId)}:${hex4(productId)}`];
  if (exact) return exact;
  if (usagePage === 0x8c) return { kind: 'barcode-scanner', name: scannerVendors[vendorId] ?? 'HID-POS barcode scanner', mode: 'hid-pos' };
  const vendor = scannerVendors[vendorId];
  return vendor ? { kind: 'barcode-scanner', name: vendor } : undefined;
}
