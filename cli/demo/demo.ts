/**
 * The one-command demo (`npm start` = `pos demo`): the switch on SQLite in a data folder, a terminal
 * with virtual reader, MSR, scanner and PIN pad (real drivers over in-process serial lines), and the
 * checkout page with the tester panel. Everything starts and stops from code, so the browser tests
 * run the same composition.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { tdesIpek } from '../../protocols/crypto/index.js';
import { toHex } from '../../protocols/bytes.js';
import { testCardProfileIds, testCards, type TestCardProfileId } from '../../protocols/testcards.js';
import { VirtualKit } from '../../hardware/virtual-kit.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk, x924TestBdk } from '../../switch/config.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import type { Store } from '../../switch/store/index.js';
import { Terminal } from '../../terminal/terminal.js';
import { VirtualPinPad } from '../../terminal/pinpad.js';
import { startCheckout, type RunningCheckout } from '../../terminal/checkout/server.js';
import { checkoutTerminal } from '../../terminal/checkout/terminal-adapter.js';
import type { Timeouts } from '../../terminal/config.js';
import { defaultIksn, DeviceCounters, freshIksn } from '../device-counters.js';
import { testerControls } from './tester.js';

export interface DemoOptions {
  /** Folder for the SQLite journals, the log and the virtual devices' counters. */
  dataDir: string;
  /** Checkout page port (0 = a free one). */
  port: number;
  /** The switch's ISO 8583 port and admin API port (0 = free ones). */
  switchPort: number;
  adminPort: number;
  /**
   * The address the switch and admin API listen on (default 127.0.0.1). Anything wider lets every
   * machine that reaches it sign on with the published test TMK: a closed lab only.
   */
  host?: string;
  /** The admin API's write token; default a random one (`pos demo` passes $POS_ADMIN_TOKEN when set). */
  adminToken?: string;
  /** Where logs go; default `<dataDir>/demo.log`. */
  logger?: Logger;
  /** Shorter terminal timeouts for tests. */
  timeouts?: Partial<Timeouts>;
  /** The `.98` late answer's delay. */
  lateAnswerMs?: number;
}

export interface RunningDemo {
  pageUrl: string;
  /** The address the switch and admin API listen on. */
  host: string;
  switchPort: number;
  adminPort: number;
  adminToken: string;
  dataDir: string;
  kit: VirtualKit;
  pinPad: VirtualPinPad;
  terminal: Terminal;
  switch: RunningSwitch;
  stop(): Promise<void>;
}

/** DEMO KEYS: the X9.24 test BDK and the switch's test TMK, published on purpose. */
const terminalId = 'DEMO0001';
const merchantId = 'DEMO00000000001';
const merchantName = 'Demo Coffee 演示咖啡';
/** Voids and refunds ask for it (docs/checkout.md). */
export const demoSupervisorPin = '123456';

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = options.logger ? undefined : pino.destination({ dest: join(dataDir, 'demo.log'), sync: false });
  const log = options.logger ?? pino({ level: 'info' }, logFile);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => log.error({ err: String(error) }, 'demo: stop failed'));
  };
  // Closed last: its file opens and writes asynchronously, and must not outlive the demo (a folder removed after a failed start got demo.log back).
  if (logFile) stops.push(() => new Promise<void>((resolve) => (logFile.once('close', () => resolve()), logFile.end())));
  try {
    // Shared with `pos sale --virtual-card` in this folder (same cards, same switch journal); a corrupt file stops the demo here.
    const deviceCounters = new DeviceCounters(dataDir);
    const counters = deviceCounters.readDemo();
    const savedAtcs = Object.fromEntries(testCardProfileIds.flatMap((id) => {
      const atc = deviceCounters.savedAtc(id);
      return atc === undefined ? [] : [[id, atc]];
    })) as Partial<Record<TestCardProfileId, number>>;
    const switchDb = join(dataDir, 'switch.db');
    const adminToken = options.adminToken ?? toHex(crypto.getRandomValues(new Uint8Array(16)));
    const listenHost = options.host ?? '127.0.0.1';

    const host = await startSwitch({
      host: listenHost,
      port: options.switchPort,
      adminPort: options.adminPort,
      adminToken,
      db: `sqlite:${switchDb}`,
      terminals: [{ id: terminalId, merchantId, merchantName, tmk: testTmk }],
      // The README's "open for your own terminals and tools": `pos sale --host 127.0.0.1:8583 …` signs on as any ID with the test TMK.
      enrollUnknown: { tmk: testTmk },
      lateAnswerMs: options.lateAnswerMs,
      logger: log.child({ component: 'switch' }),
    });
    stops.push(() => host.stop());

    const atcs = cardAtcsAboveJournal(savedAtcs, await journalAtcs(host.store));
    if (atcs.raised.length) {
      log.info({ cards: atcs.raised, atcs: atcs.start }, 'demo: the counter files lack or lag these cards: their ATCs start above the highest the switch journal has seen');
    }
    // Each tap's ATC is reserved in the shared files at its GET PROCESSING OPTIONS: above what a `pos sale` process used meanwhile, and on disk before the card uses it.
    const nextAtc = (card: TestCardProfileId, current: number) => {
      try {
        return deviceCounters.reserveAtc('demo', card, current);
      } catch (error) {
        log.error({ card, err: (error as Error).message }, 'demo: cannot reserve the card\'s next ATC: the card refuses the tap (6985)');
        throw error;
      }
    };
    const kit = new VirtualKit({ atcs: atcs.start, nextAtc });
    await kit.start();
    // Without a saved counter the old device's KSNs may have been used: a fresh device ID (docs/checkout.md).
    const iksn = counters.pinPadKsn ? (counters.pinPadIksn ?? defaultIksn) : freshIksn();
    if (!counters.pinPadKsn) log.info({ iksn }, 'demo: no saved PIN pad KSN: the PIN pad starts as a fresh DUKPT device');
    const ipek = toHex(tdesIpek(Buffer.from(x924TestBdk, 'hex'), Buffer.from(iksn, 'hex')));
    // Write-ahead with fsync: each KSN is on disk before a PIN block under it exists, so a crash or power cut may skip a counter, never reuse one.
    const pinPad = new VirtualPinPad({ ipek, iksn, ksn: counters.pinPadKsn, onKsn: (ksn) => deviceCounters.saveDemoKsn(iksn, toHex(ksn)) });
    stops.push(() => kit.stop());

    const terminal = new Terminal({
      host: '127.0.0.1',
      port: host.port,
      terminalId,
      merchantId,
      tmk: testTmk,
      dukpt: { ipek, iksn },
      journal: join(dataDir, 'terminal.db'),
      reader: kit.reader,
      scanners: [kit.scanner],
      msr: kit.msr,
      pinPad,
      timeouts: options.timeouts,
      logger: log.child({ component: 'terminal' }),
    });
    stops.push(() => terminal.stop()); // it holds the journal from here
    const page = checkoutTerminal(terminal, { merchantName }); // before start: it must hear the first device events
    await terminal.start();

    const checkout: RunningCheckout = await startCheckout({
      terminal: page,
      tester: testerControls({ kit, pinPad, faults: host.faults, terminalId }),
      supervisorPin: demoSupervisorPin,
      currency: { code: '156', symbol: '¥' },
      merchantName,
      settlementsPath: join(dataDir, 'settlements.json'),
      inFlightPath: join(dataDir, 'checkout-in-flight.json'),
      port: options.port,
      logger: log.child({ component: 'checkout' }),
    });
    stops.push(() => checkout.close());

    return {
      pageUrl: checkout.url,
      host: listenHost,
      switchPort: host.port,
      adminPort: host.adminPort ?? 0,
      adminToken,
      dataDir,
      kit,
      pinPad,
      terminal,
      switch: host,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The highest ATC the switch's journal accepted per virtual card (its replay check refuses anything not above it). */
async function journalAtcs(store: Store): Promise<Partial<Record<TestCardProfileId, number>>> {
  const seen: Partial<Record<TestCardProfileId, number>> = {};
  for (const id of testCardProfileIds) {
    const atc = await store.highestAtc(cardAccount(testCards[id].pan));
    if (atc !== undefined) seen[id] = atc;
  }
  return seen;
}

/**
 * Each card's ATC to start from: the saved one, raised to the journal's highest when the saved
 * one is missing or behind it (the file deleted, an old copy) — else every tap is a refused replay
 * (05). A card's next cryptogram uses its ATC + 1, so starting at the journal's highest is enough.
 */
function cardAtcsAboveJournal(saved: Partial<Record<TestCardProfileId, number>>, seen: Partial<Record<TestCardProfileId, number>>) {
  const start = { ...saved };
  const raised: TestCardProfileId[] = [];
  for (const id of testCardProfileIds) {
    const highest = seen[id];
    if (highest !== undefined && (saved[id] ?? testCards[id].initialAtc) < highest) {
      start[id] = highest;
      raised.push(id);
    }
  }
  return { start, raised };
}
