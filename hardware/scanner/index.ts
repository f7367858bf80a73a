/** Scanners: the Scanner seam, serial / HID keyboard-wedge / HID-POS drivers and their virtual twins. */
export * from './scanner.js';
export { SerialScanner, type SerialScannerOptions } from './serial-scanner.js';
export { HidWedgeScanner, HidPosScanner, type HidWedgeScannerOptions, type HidPosScannerOptions } from './hid-scanners.js';
export { VirtualWedgeScanner, VirtualHidPosScanner, BOOT_KEYBOARD_DESCRIPTOR, HIDPOS_SCANNER_DESCRIPTOR } from './virtual-hid-scanners.js';
export { VirtualSerialScanner, type VirtualSerialScannerOptions } from './virtual-serial-scanner.js';
export { VirtualScannerService, type VirtualScannerServiceOptions } from './virtual-scanner-service.js';
