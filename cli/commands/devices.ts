/** `pos devices`: serial ports and HID devices, with the POS hardware we recognise by USB ID. */
import { parseOptions, printJson, type CliIo } from '../io.js';

const usage = `usage: pos devices [--json]
  Lists serial ports (USB-serial bridges of PN532 boards, serial MSRs and scanners) and HID devices
  (keyboard-wedge and HID-POS scanners), naming the ones recognised by USB vendor:product ID.
  HID needs node-hid's native library (libusb / hidraw); without it the HID part says so.
  Pseudo-terminals (virtual devices) are not listed: open them by path.`;

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
  const lines: string[] = ['Serial ports:'];
  if (!list.serial.available) lines.push(`  (cannot list: ${list.serial.error})`);
  else if (list.serial.ports.length === 0) lines.push('  none');
  for (const p of list.serial.ports)
    lines.push(`  ${p.path}  ${p.vendorId ?? '????'}:${p.productId ?? '????'}  ${p.recognised?.name ?? p.manufacturer ?? ''}`.trimEnd());
  lines.push('HID devices:');
  if (!list.hid.available) lines.push(`  (unavailable: ${list.hid.error})`);
  else if (list.hid.devices.length === 0) lines.push('  none');
  for (const d of list.hid.devices)
    lines.push(`  ${d.path ?? '?'}  ${d.vendorId}:${d.productId}  page ${d.usagePage ?? '?'}  ${d.recognised?.name ?? [d.manufacturer, d.product].filter(Boolean).join(' ')}`.trimEnd());
  io.out(lines.join('\n'));
  return 0;
}
