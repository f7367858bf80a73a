/** `pos virtual reader`: a virtual PN532 on a PTY, its control commands, and a read with the real driver. */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { toHex } from '../../protocols/bytes.js';
import { maskPan } from '../../protocols/mask.js';
import { testCardProfileIds, type TestCardProfileId } from '../../protocols/testcards.js';
import { contactlessRead, defaultTerminalData } from '../nfc/contactless-read.js';
import { Pn532Reader } from '../nfc/pn532-reader.js';
import { VirtualReaderService } from '../nfc/virtual-reader-service.js';
import { SerialTransport } from '../serial/index.js';
import type { AtcSource } from '../nfc/virtual-reader-service.js';
import { ControlError } from '../virtual-service.js';
import { UsageError, integer, runDeviceCommand, type DeviceValues, type ServeSettings, type VirtualCliIo } from './common.js';

const usage = `usage:
  pos virtual reader --pty PATH [--card visa|mastercard|unionpay [--atc N]] [--data DIR] [--baud N] [--control-port N]
      Runs a virtual PN532 until Ctrl-C. PATH is what programs open: if it is an existing PTY the
      virtual PN532 attaches to it, otherwise socat creates a pair with PATH as the host end.
      Prints one JSON line: {"pty", "control", "baudRate", "card"}.
      A card tapped again goes on from its profile's last ATC in this reader; --atc N (0..65535)
      starts it above what a switch journal kept from earlier runs (it refuses a seen ATC: 05).
      --data DIR shares the cards' ATCs with pos sale --virtual-card and the demo in that folder
      (virtual-cards.json there), so they never send one twice.
  pos virtual reader status --control-port N
  pos virtual reader tap PROFILE --control-port N [--remove-after N] [--uid HEX] [--atc N]
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

const options = {
  card: { type: 'string' },
  'remove-after': { type: 'string' },
  uid: { type: 'string' },
  atc: { type: 'string' },
  data: { type: 'string' },
  'corrupt-responses': { type: 'string' },
  'drop-commands': { type: 'string' },
  junk: { type: 'string' },
  'no-matching-aid': { type: 'boolean' },
  sw: { type: 'string', multiple: true },
  'delay-ms': { type: 'string' },
  'malformed-tlv': { type: 'string' },
  device: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

type Values = DeviceValues<typeof options>;

/** What the cli gives the reader (hardware/ may not import cli/): the data folder's ATC files. */
export interface ReaderHooks {
  atcSource(folder: string): AtcSource;
}

export function run(args: string[], io: VirtualCliIo, hooks?: ReaderHooks): Promise<number> {
  return runDeviceCommand(
    {
      device: 'reader',
      usage,
      options,
      defaultBaud: 115200,
      start: (settings, values) => start(settings, values, hooks, io),
      actions: {
        tap: (call, [card], values) => {
          if (!card) throw new UsageError(`tap: missing PROFILE (${testCardProfileIds.join(', ')})`);
          profile(card, 'tap: PROFILE');
          const removeAfterApdus = integer(values['remove-after'], '--remove-after', 0, 1000);
          const atc = integer(values.atc, '--atc', 0, 65535);
          return call('POST', '/tap', { card, removeAfterApdus, uid: values.uid, atc });
        },
        remove: (call, [card]) => call('POST', '/remove', card ? { card: profile(card, 'remove: PROFILE') } : {}),
        fault: (call, _rest, values) => call('POST', '/faults', faultBody(values)),
        reset: (call) => call('POST', '/reset'),
      },
      localActions: { read },
    },
    args,
    io,
  );
}

async function start(settings: ServeSettings, values: Values, hooks: ReaderHooks | undefined, io: VirtualCliIo) {
  let service: VirtualReaderService;
  try {
    const atc = integer(values.atc, '--atc', 0, 65535);
    if (atc !== undefined && !values.card) throw new UsageError('--atc: goes with --card (or with tap PROFILE)');
    if (values.card !== undefined) profile(values.card, '--card');
    if (values.data !== undefined && !(existsSync(values.data) && statSync(values.data).isDirectory())) throw new UsageError('--data: no such folder');
    if (values.data !== undefined && !hooks) throw new UsageError('--data: only from the pos command');
    const atcs = values.data === undefined ? undefined : hooks!.atcSource(values.data);
    service = await VirtualReaderService.start({
      ...settings, ...(values.card ? { card: values.card as TestCardProfileId } : {}), ...(atc === undefined ? {} : { atc }), ...(atcs ? { atcs } : {}), warn: (line) => io.err(line),
    });
  } catch (error) {
    if (error instanceof ControlError) throw new UsageError(`--${error.message}`); // `card: …` came from --card
    throw error;
  }
  return { service, describe: { baudRate: settings.baudRate, card: values.card ?? null } };
}

async function read(values: Values, io: VirtualCliIo): Promise<number> {
  const path = values.device;
  if (!path) throw new UsageError('read: --device PATH is required (a PTY or /dev/ttyUSB0)');
  const baudRate = integer(values.baud, '--baud', 1200, 4_000_000) ?? 115200;
  const timeoutMs = integer(values['timeout-ms'], '--timeout-ms', 1, 600_000) ?? 10_000;
  const reader = new Pn532Reader(new SerialTransport({ path, baudRate, reconnect: false }));
  try {
    await reader.start();
    const card = await reader.waitForCard({ timeoutMs });
    const result = await contactlessRead(reader, defaultTerminalData(randomBytes(4)));
    const firmware = reader.firmware!;
    io.out(
      JSON.stringify(
        {
          reader: { firmware: `${firmware.ic.toString(16)} v${firmware.version}.${firmware.revision}`, device: path, baudRate },
          card: { uid: toHex(card.uid), atqa: toHex(card.atqa), sak: card.sak },
          aid: result.aid,
          pan: result.pan ? maskPan(result.pan) : null,
          cryptogram: result.cryptogram ?? null,
          apdus: result.exchanges.length,
        },
        null,
        2,
      ),
    );
    return 0;
  } finally {
    await reader.stop();
  }
}

function faultBody(values: Values): unknown {
  const device: Record<string, unknown> = {};
  const card: Record<string, unknown> = {};
  const corrupt = integer(values['corrupt-responses'], '--corrupt-responses', 0, 1000);
  if (corrupt !== undefined) device.corruptResponses = corrupt;
  const drop = integer(values['drop-commands'], '--drop-commands', 0, 1000);
  if (drop !== undefined) device.dropCommands = drop;
  if (values.junk !== undefined) device.junkBeforeResponse = values.junk;
  if (values['no-matching-aid']) card.noMatchingAid = true;
  const delay = integer(values['delay-ms'], '--delay-ms', 0, 1000);
  if (delay !== undefined) card.delayMs = delay;
  if (values['malformed-tlv'] !== undefined) card.malformedTlv = commandName(values['malformed-tlv'], '--malformed-tlv');
  const sws = values.sw ?? [];
  if (sws.length) {
    const words: Record<string, string> = {};
    for (const item of sws) {
      const match = /^([a-z-]+)=([0-9A-Fa-f]{4})$/.exec(item);
      if (!match) throw new UsageError('--sw: expected COMMAND=SW, e.g. generate-ac=6985');
      words[commandName(match[1]!, '--sw')] = match[2]!.toUpperCase();
    }
    card.statusWords = words;
  }
  return { device, card };
}

function commandName(alias: string, option: string): string {
  const name = Object.hasOwn(commandAliases, alias) ? commandAliases[alias] : undefined;
  if (!name) throw new UsageError(`${option}: unknown COMMAND (one of: ${Object.keys(commandAliases).join(', ')})`);
  return name;
}

/** A test card profile named on the command line, refused here so that the service never echoes it back. */
function profile(name: string, where: string): TestCardProfileId {
  if (!(testCardProfileIds as string[]).includes(name)) throw new UsageError(`${where}: unknown profile (one of: ${testCardProfileIds.join(', ')})`);
  return name as TestCardProfileId;
}
