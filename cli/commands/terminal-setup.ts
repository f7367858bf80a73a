/**
 * Shared by `pos terminal` and the one-shot `pos sale|refund|void|batch`: the options that say
 * where the host is and which devices to use, and building a started Terminal from them.
 * `--virtual-card PROFILE` runs a virtual PN532 in this process (in-process link, real driver)
 * with that card on it, for trying the terminal without hardware.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import { lengthHeaders, type LengthHeader } from '../../protocols/framing/index.js';
import { tdesIpek } from '../../protocols/crypto/index.js';
import { maskPansIn } from '../../protocols/mask.js';
import { testCardProfileIds, testCards, type TestCardProfileId } from '../../protocols/testcards.js';
import { loadNodeHid } from '../../hardware/hid/node-hid.js';
import { NodeHidTransport } from '../../hardware/hid/hid-transport.js';
import { inprocPair } from '../../hardware/inproc/index.js';
import { SerialMsr } from '../../hardware/msr/index.js';
import { Pn532Reader } from '../../hardware/nfc/pn532-reader.js';
import { VirtualPn532 } from '../../hardware/nfc/virtual-pn532.js';
import { createVirtualCard, type VirtualEmvCard } from '../../hardware/nfc/virtual-cards/index.js';
import { HidPosScanner, SerialScanner } from '../../hardware/scanner/index.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { testTmk, x924TestBdk } from '../../switch/config.js';
import { AmountError, parseAmount, startTerminal, VirtualPinPad, type Terminal, type TerminalConfig } from '../../terminal/index.js';
import { JournalInUseError, JournalOwnerError } from '../../terminal/journal.js';
import { additionalAmounts, type AdditionalAmount } from '../../terminal/balance.js';
import { CliError, numberOption, quoted, quotedPath, splitHostPort, writableFileOption } from '../io.js';
import { resolveSpec } from '../spec-option.js';
import { defaultIksn, DeviceCounters, freshIksn } from '../device-counters.js';

export const terminalOptions = {
  host: { type: 'string' },
  spec: { type: 'string' },
  framing: { type: 'string' },
  reader: { type: 'string' },
  scanner: { type: 'string' },
  msr: { type: 'string' },
  'virtual-card': { type: 'string' },
  pin: { type: 'string' },
  'terminal-id': { type: 'string' },
  'merchant-id': { type: 'string' },
  tmk: { type: 'string' },
  journal: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const terminalUsage = `  --host HOST:PORT         the switch or acquirer host (default 127.0.0.1:8583; IPv6 as [::1]:8583)
  --spec NAME|FILE.json    ISO 8583 spec (default: default); --framing binary2|bcd2|ascii4|none (default binary2)
  --reader pn532:PATH      a PN532 on a serial port (or a virtual one's PTY)
  --virtual-card PROFILE   visa|mastercard|unionpay on a virtual PN532 in this process (no hardware)
  --scanner serial:PATH|hid:VID:PID|hid:PATH   --msr serial:PATH
  --pin PIN                what the virtual PIN pad "types" when the card asks for online PIN
  --terminal-id ID (8) --merchant-id ID (15) --tmk HEX (default: the switch's test TMK)
  --journal PATH           the terminal's SQLite journal (default data/terminal-<terminal ID>.db); a
                           journal belongs to the terminal that first opened it and refuses any other,
                           and is held by one process at a time (in use: exit 2)
  --timeout-ms N           host answer timeout (default 30000)`;

type Values = { [K in keyof typeof terminalOptions]?: string };

export interface OpenTerminal {
  terminal: Terminal;
  /** Why a result came out as it did, when the terminal's own reason cannot say it (a virtual card's replayed ATC). */
  explain(result: unknown): string | undefined;
  close(): Promise<void>;
}

export async function openTerminal(values: Values, log: (line: string) => void): Promise<OpenTerminal> {
  const { host, port: portText } = splitHostPort(values.host ?? '127.0.0.1:8583');
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    // quoted() never shows a port of 4 digits or more (it may be a PIN): the host is shown, the port named for what is wrong.
    const got = host && /^\d+$/.test(portText ?? '') ? `${quoted(host)} with a port outside that range` : quoted(values.host ?? '');
    throw new CliError(`--host: expected HOST:PORT with a port from 1 to 65535, got ${got}`);
  }
  const framing = (values.framing ?? 'binary2') as LengthHeader;
  if (!lengthHeaders.includes(framing)) throw new CliError(`--framing: one of ${lengthHeaders.join(', ')}`);
  const terminalId = values['terminal-id'] ?? 'POS00001';
  const merchantId = values['merchant-id'] ?? 'MERCHANT0000001';
  if (terminalId.length !== 8) throw new CliError('--terminal-id: 8 characters');
  if (merchantId.length !== 15) throw new CliError('--merchant-id: 15 characters');
  const tmk = values.tmk ?? testTmk;
  if (!/^[0-9A-Fa-f]{32}$/.test(tmk)) throw new CliError('--tmk: 32 hex digits');
  const timeout = numberOption(values['timeout-ms'], 'timeout-ms', { min: 1, max: 3_600_000 }, 30000);
  const level = values['log-level'] ?? 'warn';
  // Before SQLite opens it: one line naming --journal, not SQLite's own message.
  if (values.journal !== undefined) writableFileOption(values.journal, 'journal');
  const closers: Array<() => Promise<void> | void> = [];
  const config: TerminalConfig = {
    host, port, framing, spec: resolveSpec(values.spec), terminalId, merchantId, tmk, journal: values.journal ?? defaultJournal(terminalId),
    timeouts: { hostMs: timeout }, logger: pino({ level }, pino.destination(2)),
  };
  if (values['virtual-card'] && values.reader) throw new CliError('--virtual-card and --reader: choose one');
  // The virtual card's ATCs and the virtual PIN pad's KSN, beside the journal (nothing kept for an in-memory one).
  const counters = config.journal === ':memory:' ? undefined : new DeviceCounters(dirname(config.journal));
  let cardNote: OpenTerminal['explain'] = () => undefined;
  let terminal: Terminal;
  /** Starts a device and has it stopped when the session closes (or when setup fails after it). */
  const started = async <D extends { start(): Promise<void>; stop(): Promise<void> | void }>(device: D): Promise<D> => {
    await device.start();
    closers.push(() => device.stop());
    return device;
  };
  /**
   * A device on a serial port (`--reader pn532:PATH`, `--scanner serial:PATH`, `--msr serial:PATH`), started.
   * A path that does not exist, or a port that will not open, is a one-line usage error naming the
   * option: serialport said only "Error: No such file or directory, cannot open PATH" (exit 1).
   */
  const serialDevice = async <D extends { start(): Promise<void>; stop(): Promise<void> | void }>(option: string, typed: string, path: string, make: (port: SerialTransport) => D): Promise<D> => {
    const named = `--${option} ${quotedPath(typed)}`;
    if (!existsSync(path)) throw new CliError(`${named}: no such device (the path does not exist)`);
    const port = new SerialTransport({ path });
    try {
      await port.open();
    } catch (error) {
      await port.close();
      // "Error: Permission denied, cannot open PATH": the reason, without the path again.
      const reason = (error as Error).message.replace(/^Error: /, '').replace(/, cannot open [\s\S]*$/, '').split('\n')[0];
      throw new CliError(`${named}: cannot open (${reason})`);
    }
    return started(make(port));
  };
  // Whatever fails while the devices start (a bad --scanner, a reader that does not answer, a corrupt counter file) stops those already started.
  try {
    if (values['virtual-card']) {
      const profile = values['virtual-card'] as TestCardProfileId;
      if (!testCardProfileIds.includes(profile)) throw new CliError(`--virtual-card: one of ${testCardProfileIds.join(', ')}`);
      // Each tap's ATC is reserved under the folder's lock at its GET PROCESSING OPTIONS, before the card uses it (docs/test-cards.md).
      const nextAtc = (current: number) => {
        try {
          return counters!.reserveAtc('cli', profile, current);
        } catch (error) {
          log(JSON.stringify({ warning: `${(error as Error).message}: the card refused the tap (6985)` }));
          throw error;
        }
      };
      const card = createVirtualCard(profile, counters ? { atc: counters.savedAtc(profile) ?? testCards[profile].initialAtc, nextAtc } : {});
      cardNote = (result) => replayNote(result, card, counters?.cardsFile);
      const [deviceSide, hostSide] = inprocPair('virtual-pn532');
      await deviceSide.open();
      closers.push(() => deviceSide.close());
      const device = new VirtualPn532(deviceSide);
      closers.push(() => device.close());
      device.tap(card);
      config.reader = await started(new Pn532Reader(hostSide));
    } else if (values.reader) {
      const path = /^pn532:(.+)$/.exec(values.reader)?.[1];
      if (!path) throw new CliError('--reader: expected pn532:PATH');
      config.reader = await serialDevice('reader', values.reader, path, (port) => new Pn532Reader(port));
    }
    if (values.scanner) {
      const serial = /^serial:(.+)$/.exec(values.scanner)?.[1];
      const vidPid = /^hid:([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$/.exec(values.scanner);
      const hidPath = /^hid:(\/.+)$/.exec(values.scanner)?.[1];
      let scanner: SerialScanner | HidPosScanner;
      if (serial) scanner = await serialDevice('scanner', values.scanner, serial, (port) => new SerialScanner(port));
      else if (vidPid || hidPath) {
        let path = hidPath;
        if (vidPid) {
          const hid = await loadNodeHid();
          path = (await hid.devicesAsync()).find((d) => d.vendorId === parseInt(vidPid[1]!, 16) && d.productId === parseInt(vidPid[2]!, 16))?.path;
          if (!path) throw new CliError(`--scanner: no HID device ${vidPid[1]}:${vidPid[2]}`);
        }
        scanner = await started(new HidPosScanner(new NodeHidTransport({ path: path! })));
      } else throw new CliError('--scanner: expected serial:PATH, hid:VID:PID or hid:PATH');
      config.scanners = [scanner];
    }
    if (values.msr) {
      const path = /^serial:(.+)$/.exec(values.msr)?.[1];
      if (!path) throw new CliError('--msr: expected serial:PATH');
      config.msr = await serialDevice('msr', values.msr, path, (port) => new SerialMsr(port));
    }
    // A PIN block's KSN is reserved on disk before it exists (write-ahead, under the lock); without a folder, a fresh device.
    const dukpt = values.pin && counters ? counters.openCliPinPad() : { iksn: values.pin ? freshIksn() : defaultIksn, ksn: undefined, claim: undefined };
    const pinPad = new VirtualPinPad({
      ipek: tdesIpek(Buffer.from(x924TestBdk, 'hex'), Buffer.from(dukpt.iksn, 'hex')).toString('hex'),
      iksn: dukpt.iksn,
      ...(dukpt.ksn ? { ksn: dukpt.ksn } : {}),
      ...(dukpt.claim ? { onKsn: dukpt.claim } : {}),
    });
    if (values.pin) pinPad.enter({ pin: values.pin });
    else pinPad.enter({ cancel: true });
    config.pinPad = pinPad;
    terminal = await startTerminal(config);
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
    if (error instanceof JournalOwnerError) {
      throw new CliError(`--journal ${quotedPath(error.path)}: this journal belongs to terminal ${error.owner}, not ${error.terminalId} (give ${error.terminalId} its own --journal PATH, or leave the option out)`);
    }
    if (error instanceof JournalInUseError) {
      throw new CliError(`--journal ${quotedPath(error.path)}: in use by another pos process (the demo? pos terminal?); a terminal journal is held by one process at a time: run this there, or wait until it stops`);
    }
    throw error;
  }
  terminal.on('status', (s) => {
    log(JSON.stringify({ status: s.step, txnId: s.txnId, message: s.message, ...(s.hint ? { hint: s.hint } : {}) }));
  });
  if (!terminal.signedOn) log(JSON.stringify({ warning: `not signed on to ${shownHost(host)}:${port}` }));
  return {
    terminal,
    explain: (result) => cardNote(result) ?? (values.pin ? ksnNote(result, counters?.pinPadFile) : undefined),
    async close() {
      await terminal.stop();
      for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
    },
  };
}

/**
 * The host as a warning shows it: a host name or address as given, any PAN-like digit run masked
 * (protocols/mask.ts); anything else (a value pasted into the wrong option) by its length only.
 */
function shownHost(host: string): string {
  return /^[A-Za-z0-9.:[\]_-]{1,253}$/.test(host) ? maskPansIn(host) : `a host of ${host.length} characters`;
}

/**
 * A virtual card's online sale declined 05 (not forced by .05 cents, docs/test-cards.md): the ARQC
 * of a virtual card verifies, so the switch refused its ATC as a replay. The answer carries only
 * 05; the switch logs the reason ("ATC not above the highest seen for the card").
 */
function replayNote(result: unknown, card: VirtualEmvCard, file: string | undefined): string | undefined {
  const { state, responseCode, amount } = (result ?? {}) as { state?: string; responseCode?: string; amount?: number };
  const atc = card.lastCryptogram?.type === 'ARQC' ? card.lastCryptogram.atc : undefined;
  if (state !== 'declined' || responseCode !== '05' || atc === undefined || amount === undefined || amount % 100 === 5) return undefined;
  const hex = atc.toString(16).toUpperCase().padStart(4, '0');
  return `05 most likely because the switch has seen this card's ATC: card ATC ${atc} (9F36 ${hex}) is not above the highest the switch journal holds for it (its log: "ATC not above the highest seen for the card"). ${
    file ? `The card's ATC is kept in ${file}; the next sale uses a higher one. A switch journal that saw the card elsewhere (another data folder) needs that number raised` : 'Use a --journal file so the card\'s ATC is kept between runs'
  }.`;
}

/**
 * A PIN sale declined 63: the switch refuses a DUKPT KSN whose counter is not above the highest it
 * has seen from that PIN pad (docs/switch.md). Parallel `pos sale --pin` processes share the folder's
 * virtual PIN pad, so a later-reserved KSN can reach the switch first, as a replayed block would.
 */
function ksnNote(result: unknown, file: string | undefined): string | undefined {
  const { state, responseCode } = (result ?? {}) as { state?: string; responseCode?: string };
  if (state !== 'declined' || responseCode !== '63') return undefined;
  return `63 most likely because the switch has seen a higher KSN counter from this PIN pad (its log: "DUKPT KSN counter not above the highest seen for the PIN pad"). ${
    file ? `PIN sales run at the same time share the PIN pad in ${file} and may reach the switch out of order; run them one after another` : 'Without a --journal file each run is a fresh PIN pad: use one so its KSN is kept between runs'
  }.`;
}

/** "12.34" → 1234 minor units, by the checkout page's rule; a refusal is a one-line usage error. */
export function amountArgument(text: string | undefined): number {
  try {
    return parseAmount(text ?? '');
  } catch (error) {
    throw error instanceof AmountError ? new CliError(error.message) : error;
  }
}

/**
 * Beside the switch's data/switch.db, in the git-ignored data folder, one per terminal ID: a
 * journal belongs to one terminal (the demo's DEMO0001 keeps data/terminal.db).
 */
function defaultJournal(terminalId: string): string {
  mkdirSync('data', { recursive: true });
  return `data/terminal-${terminalId.replace(/[^A-Za-z0-9_-]/g, '_')}.db`;
}

/** A balance inquiry's result with its DE54 also as numbers (`amounts`), when it has one in that layout. */
export function withAmounts<R extends { balance?: string }>(result: R): R | (R & { amounts: AdditionalAmount[] }) {
  const amounts = result.balance === undefined ? undefined : additionalAmounts(result.balance);
  return amounts ? { ...result, amounts } : result;
}

export { additionalAmounts };
