/** `pos virtual scanner`: a virtual serial QR/barcode scanner on a PTY, and its control commands. */
import { VirtualScannerService } from '../scanner/virtual-scanner-service.js';
import { UsageError, runDeviceCommand, type VirtualCliIo } from './common.js';

const usage = `usage:
  pos virtual scanner --pty PATH [--kind serial] [--baud N] [--suffix cr|lf|crlf|none] [--prefix TEXT] [--control-port N]
      Runs a virtual serial scanner until Ctrl-C (9600 baud 8N1, CR suffix by default). PATH is
      what programs open: an existing PTY is attached to, otherwise socat creates a pair with PATH
      as the host end. Prints one JSON line: {"pty", "control", "kind", "baudRate"}.
      HID scanners (keyboard wedge, HID-POS) cannot sit on a PTY: their twins are in-process
      (hardware/scanner/virtual-hid-scanners.ts, used by the demo and the tests).
  pos virtual scanner status --control-port N
  pos virtual scanner scan TEXT --control-port N [--symbology ]Q1]
      Scans TEXT; --symbology sends that AIM identifier before it, as a scanner set to do so.

example:
  pos virtual scanner --pty /tmp/scanner --control-port 7072 &
  pos virtual scanner scan 134567890123456789 --control-port 7072 --symbology ]Q1`;

const suffixes = { cr: 'CR', lf: 'LF', crlf: 'CRLF', none: 'none' } as const;

export function run(args: string[], io: VirtualCliIo): Promise<number> {
  return runDeviceCommand(
    {
      device: 'scanner',
      usage,
      options: { kind: { type: 'string' }, suffix: { type: 'string' }, prefix: { type: 'string' }, symbology: { type: 'string' } },
      defaultBaud: 9600,
      async start(settings, values) {
        const kind = values.kind ?? 'serial';
        if (kind === 'hid-wedge' || kind === 'hid-pos' || kind === 'hid')
          throw new UsageError(`--kind ${kind}: HID scanners cannot sit on a PTY (no /dev/uhid here); their twins are in-process — use --kind serial`);
        if (kind !== 'serial') throw new UsageError('--kind: serial (the only kind that sits on a PTY)');
        const suffix = suffixes[(values.suffix ?? 'cr') as keyof typeof suffixes];
        if (!suffix) throw new UsageError('--suffix: cr, lf, crlf or none');
        const service = await VirtualScannerService.start({ ...settings, suffix, ...(values.prefix ? { prefix: values.prefix } : {}) });
        return { service, describe: { kind, baudRate: settings.baudRate } };
      },
      actions: {
        scan: (call, [text], values) => {
          if (!text) throw new UsageError('scan: missing TEXT');
          return call('POST', '/scan', { text, ...(values.symbology ? { symbology: values.symbology } : {}) });
        },
      },
    },
    args,
    io,
  );
}
