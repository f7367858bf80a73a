/**
 * `pos virtual reader|msr|scanner`: virtual devices on real pseudo-terminals. Each device's command
 * is hardware/virtual-cli/<device>.ts, exporting
 * `run(args: string[], io: { out(text: string): void; err(text: string): void }): Promise<number>`
 * (there because hardware/ must not import cli/, see test/architecture.test.ts).
 */
import { CliError, quoted, type CliIo } from '../io.js';

type Runner = (args: string[], io: CliIo) => Promise<number>;

const devices: Record<string, () => Promise<Runner>> = {
  reader: async () => {
    const [{ run }, { DeviceCounters }] = await Promise.all([import('../../hardware/virtual-cli/reader.js'), import('../device-counters.js')]);
    // --data DIR: the same counter files as pos sale --virtual-card ('cli') in that folder.
    const atcSource = (folder: string) => {
      const counters = new DeviceCounters(folder);
      return { saved: counters.savedAtc.bind(counters), reserve: (profile: Parameters<typeof counters.savedAtc>[0], current: number) => counters.reserveAtc('cli', profile, current) };
    };
    return (args, io) => run(args, io, { atcSource });
  },
  msr: async () => (await import('../../hardware/virtual-cli/msr.js')).run,
  scanner: async () => (await import('../../hardware/virtual-cli/scanner.js')).run,
};

const summaries: Record<string, string> = {
  reader: 'a virtual PN532 NFC reader holding virtual EMV contactless cards',
  msr: 'a virtual magnetic stripe reader',
  scanner: 'a virtual QR/barcode scanner',
};

const usage = (): string =>
  [
    'usage: pos virtual <device> [options]',
    '',
    'devices (each on a real pseudo-terminal, driven like hardware):',
    ...Object.keys(devices).map((name) => `  ${name.padEnd(9)} ${summaries[name] ?? ''}`),
    '',
    'Run `pos virtual <device> --help` for its options, e.g. pos virtual reader --help.',
  ].join('\n');

export async function run(args: string[], io: CliIo): Promise<number> {
  const [device, ...rest] = args;
  if (device === undefined || device === '--help' || device === '-h') {
    io.out(usage());
    return device === undefined ? 2 : 0;
  }
  const load = devices[device];
  if (!load) throw new CliError(`unknown device ${quoted(device)} (one of: ${Object.keys(devices).join(', ')})`);
  return (await load())(rest, io);
}
