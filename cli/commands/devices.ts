/** `pos devices`: serial ports and HID devices, with the POS hardware we recognise by USB ID. */
import type { DeviceList } from '../../hardware/devices/list.js';
import { parseOptions, printJson, type CliIo } from '../io.js';

const usage = `usage: pos devices [--json]
  Lists serial ports (USB-serial bridges of PN532 boards, serial MSRs and scanners) and HID devices
  (keyboard-wedge and HID-POS scanners), naming the ones recognised by USB vendor:product ID.
  HID needs node-hid's native library (libusb / hidraw); without it the HID part says so.
  Pseudo-terminals (virtual devices) are not listed: open them by path.

example:
  pos devices --json`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' } }, 0);
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const { listDevices } = await import('../../hardware/devices/list.js');
  const list = await listDevices();
  if (values.json) {
    printJson(io, list);
    return 0;
  }
  io.out(formatDevices(list));
  return 0;
}

/** The listing as a person reads it; a port with no USB IDs (a built-in UART such as /dev/ttyS0) says so. */
export function formatDevices(list: DeviceList): string {
  const lines: string[] = ['Serial ports:'];
  if (!list.serial.available) lines.push(`  (cannot list: ${list.serial.error})`);
  else if (list.serial.ports.length === 0) lines.push('  none');
  for (const p of list.serial.ports) {
    const ids = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : 'no USB IDs';
    lines.push(`  ${p.path}  ${ids}  ${p.recognised?.name ?? p.manufacturer ?? ''}`.trimEnd());
  }
  lines.push('HID devices:');
  if (!list.hid.available) lines.push(`  (unavailable: ${list.hid.error})`);
  else if (list.hid.devices.length === 0) lines.push('  none');
  for (const d of list.hid.devices) {
    const page = d.usagePage === null ? '' : `  page ${d.usagePage}`;
    lines.push(`  ${d.path ?? '(no path)'}  ${d.vendorId}:${d.productId}${page}  ${d.recognised?.name ?? [d.manufacturer, d.product].filter(Boolean).join(' ')}`.trimEnd());
  }
  return lines.join('\n');
}
