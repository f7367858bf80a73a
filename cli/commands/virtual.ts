/**
 * `pos virtual reader|msr|scanner`: virtual devices on real pseudo-terminals.
 *
 * `reader` is here (hardware/nfc/virtual-reader-service.ts). `msr` and `scanner` belong to the
 * msr-scanner helper: their modules hardware/virtual-cli/msr.ts and hardware/virtual-cli/scanner.ts
 * export `run(args: string[], io: { out(text: string): void; err(text: string): void }): Promise<number>`
 * (hardware/ must not import cli/, see test/architecture.test.ts).
 */
import { CliError, parseOptions, printJson, type CliIo } from '../io.js';

type Runner = (args: string[], io: CliIo) => Promise<number>;

const devices: Record<string, () => Promise<Runner>> = {
  reader: async () => runReader,
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
  if (!load) throw new CliError(`unknown device '${device}' (one of: ${Object.keys(devices).join(', ')})`);
  return (await load())(rest, io);
}

const readerUsage = `usage:
  pos virtual reader --pty PATH [--card visa|mastercard|unionpay] [--baud N] [--control-port N]
      Runs a virtual PN532 until Ctrl-C. PATH is what programs open: if it is an existing PTY the
      virtual PN532 attaches to it, otherwise socat creates a pair with PATH as the host end.
      Prints one JSON line: {"pty", "control", "baudRate", "card"}.
  pos virtual reader status --control-port N
  pos virtual reader tap PROFILE --control-port N [--remove-after N] [--uid HEX]
  pos virtual reader remove [PROFILE] --control-port N
  pos virtual reader fault --control-port N [--corrupt-responses N] [--drop-commands N] [--junk HEX]
      [--no-matching-aid] [--sw COMMAND=SW ...] [--delay-ms N] [--malformed-tlv COMMAND]
      COMMAND: select, gpo, read-record, generate-ac
  pos virtual reader reset --control-port N
  pos virtual reader read --device PATH [--baud N] [--timeout-ms N]
      Opens PATH with the real PN532 driver (a virtual reader's PTY, or a real PN532 on
      /dev/ttyUSB0), waits for a card and does a scripted contactless read; prints JSON
      (PAN masked).

example:
  pos virtual reader --pty /tmp/pn532 --card visa --control-port 7070 &
  pos virtual reader fault --control-port 7070 --sw generate-ac=6985
  pos virtual reader tap mastercard --control-port 7070 --remove-after 3`;

const commandAliases: Record<string, string> = {
  select: 'SELECT',
  gpo: 'GET PROCESSING OPTIONS',
  'read-record': 'READ RECORD',
  'generate-ac': 'GENERATE AC',
};

async function runReader(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    pty: { type: 'string' },
    card: { type: 'string' },
    baud: { type: 'string' },
    'control-port': { type: 'string' },
    'remove-after': { type: 'string' },
    uid: { type: 'string' },
    'corrupt-responses': { type: 'string' },
    'drop-commands': { type: 'string' },
    junk: { type: 'string' },
    'no-matching-aid': { type: 'boolean' },
    sw: { type: 'string', multiple: true },
    'delay-ms': { type: 'string' },
    'malformed-tlv': { type: 'string' },
    device: { type: 'string' },
    'timeout-ms': { type: 'string' },
  });
  if (values.help) {
    io.out(readerUsage);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (action === undefined) return serve(values, io);
  if (action === 'read') return read(values, io);

  const port = integer(values['control-port'], '--control-port', 1, 65535);
  if (port === undefined) throw new CliError('--control-port is required to talk to a running virtual reader');
  const control = (method: 'GET' | 'POST', path: string, body?: unknown) => request(port, method, path, body);
  switch (action) {
    case 'status':
      printJson(io, await control('GET', '/status'));
      return 0;
    case 'tap': {
      const card = rest[0];
      if (!card) throw new CliError('tap: missing PROFILE (visa, mastercard, unionpay)');
      const removeAfterApdus = integer(values['remove-after'], '--remove-after', 0, 1000);
      printJson(io, await control('POST', '/tap', { card, removeAfterApdus, uid: values.uid }));
      return 0;
    }
    case 'remove':
      printJson(io, await control('POST', '/remove', rest[0] ? { card: rest[0] } : {}));
      return 0;
    case 'fault':
      printJson(io, await control('POST', '/faults', faultBody(values)));
      return 0;
    case 'reset':
      printJson(io, await control('POST', '/reset'));
      return 0;
    default:
      throw new CliError(`unknown action '${action}' (status, tap, remove, fault, reset)`);
  }
}

type ReaderValues = ReturnType<typeof parseOptions>['values'] & Record<string, unknown>;

async function serve(values: ReaderValues, io: CliIo): Promise<number> {
  const pty = values.pty as string | undefined;
  if (!pty) throw new CliError('--pty PATH is required (the path programs will open)');
  const baudRate = integer(values.baud as string | undefined, '--baud', 1200, 4_000_000) ?? 115200;
  const controlPort = integer(values['control-port'] as string | undefined, '--control-port', 0, 65535);
  const [{ VirtualReaderService }, { ControlError }] = await Promise.all([
    import('../../hardware/nfc/virtual-reader-service.js'),
    import('../../hardware/virtual-service.js'),
  ]);
  let service;
  try {
    service = await VirtualReaderService.start({
      pty,
      baudRate,
      ...(values.card ? { card: values.card as never } : {}),
      ...(controlPort === undefined ? {} : { controlPort }),
    });
  } catch (error) {
    if (error instanceof ControlError) throw new CliError(`--${error.message}`);
    throw error;
  }
  io.out(JSON.stringify({ pty: service.path, control: service.controlUrl ?? null, baudRate, card: values.card ?? null }));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
  return 0;
}

async function read(values: ReaderValues, io: CliIo): Promise<number> {
  const path = values.device as string | undefined;
  if (!path) throw new CliError('read: --device PATH is required (a PTY or /dev/ttyUSB0)');
  const baudRate = integer(values.baud as string | undefined, '--baud', 1200, 4_000_000) ?? 115200;
  const timeoutMs = integer(values['timeout-ms'] as string | undefined, '--timeout-ms', 1, 600_000) ?? 10_000;
  const [{ Pn532Reader }, { SerialTransport }, { contactlessRead, defaultTerminalData }, { maskPan }, { randomBytes }] = await Promise.all([
    import('../../hardware/nfc/pn532-reader.js'),
    import('../../hardware/serial/index.js'),
    import('../../hardware/nfc/contactless-read.js'),
    import('../../protocols/mask.js'),
    import('node:crypto'),
  ]);
  const reader = new Pn532Reader(new SerialTransport({ path, baudRate, reconnect: false }));
  try {
    await reader.start();
    const card = await reader.waitForCard({ timeoutMs });
    const result = await contactlessRead(reader, defaultTerminalData(randomBytes(4)));
    const firmware = reader.firmware!;
    printJson(io, {
      reader: { firmware: `${firmware.ic.toString(16)} v${firmware.version}.${firmware.revision}`, device: path, baudRate },
      card: { uid: card.uid.toString('hex').toUpperCase(), atqa: card.atqa.toString('hex').toUpperCase(), sak: card.sak },
      aid: result.aid,
      pan: result.pan ? maskPan(result.pan) : null,
      cryptogram: result.cryptogram ?? null,
      apdus: result.exchanges.length,
    });
    return 0;
  } finally {
    await reader.stop();
  }
}

function faultBody(values: ReaderValues): unknown {
  const device: Record<string, unknown> = {};
  const card: Record<string, unknown> = {};
  const corrupt = integer(values['corrupt-responses'] as string | undefined, '--corrupt-responses', 0, 1000);
  if (corrupt !== undefined) device.corruptResponses = corrupt;
  const drop = integer(values['drop-commands'] as string | undefined, '--drop-commands', 0, 1000);
  if (drop !== undefined) device.dropCommands = drop;
  if (values.junk !== undefined) device.junkBeforeResponse = values.junk;
  if (values['no-matching-aid']) card.noMatchingAid = true;
  const delay = integer(values['delay-ms'] as string | undefined, '--delay-ms', 0, 1000);
  if (delay !== undefined) card.delayMs = delay;
  if (values['malformed-tlv'] !== undefined) card.malformedTlv = commandName(values['malformed-tlv'] as string, '--malformed-tlv');
  const sws = (values.sw as string[] | undefined) ?? [];
  if (sws.length) {
    const words: Record<string, string> = {};
    for (const item of sws) {
      const match = /^([a-z-]+)=([0-9A-Fa-f]{4})$/.exec(item);
      if (!match) throw new CliError(`--sw ${item}: expected COMMAND=SW, e.g. generate-ac=6985`);
      words[commandName(match[1]!, '--sw')] = match[2]!.toUpperCase();
    }
    card.statusWords = words;
  }
  return { device, card };
}

function commandName(alias: string, option: string): string {
  const name = commandAliases[alias];
  if (!name) throw new CliError(`${option}: unknown command '${alias}' (${Object.keys(commandAliases).join(', ')})`);
  return name;
}

function integer(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new CliError(`${option}: a whole number ${min}..${max}`);
  return Number(value);
}

async function request(port: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' } } : {}),
    });
  } catch {
    throw new CliError(`no virtual reader answers on 127.0.0.1:${port} (start one with pos virtual reader --pty PATH --control-port ${port})`, 1);
  }
  const answer = (await response.json()) as { error?: string };
  if (!response.ok) throw new CliError(answer.error ?? `HTTP ${response.status}`);
  return answer;
}
