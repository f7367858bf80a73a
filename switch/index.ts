/**
 * The acquiring switch simulator: `startSwitch(config)` opens the journal, loads the test cards
 * and terminal keys into the HSM, and serves terminals over TCP (and the admin API over HTTP).
 */
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { specs } from '../protocols/iso8583/index.js';
import { startAdmin, type AdminServer } from './admin/server.js';
import { x924TestBdk, type SwitchConfig, type TerminalConfig } from './config.js';
import { Faults } from './faults.js';
import { GroupCommit } from './group-commit.js';
import { Host } from './host.js';
import { createSimulatedHsm, type Hsm } from './hsm/index.js';
import { cardAccount, issuerCards, type IssuerCard } from './issuer/cards.js';
import { Metrics } from './metrics.js';
import { pipeline, type SwitchParts } from './pipeline.js';
import { openStore, type Store } from './store/index.js';
import { Terminals } from './terminals.js';

export type { SwitchConfig, TerminalConfig } from './config.js';
export type { Fault } from './faults.js';

export interface RunningSwitch {
  port: number;
  adminPort?: number;
  faults: Faults;
  metrics: Metrics;
  store: Store;
  stop(): Promise<void>;
}

const rrnBlock = 1000;

/** The journal did not open (a database not reachable, refused credentials, a bad file): `cause` says why. */
export class JournalOpenError extends Error {
  override readonly name = 'JournalOpenError';
  constructor(cause: unknown) {
    super(`journal: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A terminal master key is a double-length TDES key: refused at start with a clear error, not at the terminal's first request. */
function checkTmk(tmk: string, owner: string): void {
  if (typeof tmk !== 'string' || !/^[0-9A-Fa-f]{32}$/.test(tmk)) throw new Error(`${owner}: tmk must be 32 hex digits (a double-length TDES key)`);
}

/**
 * What every request's steps share (SwitchParts) over a journal that is open: the HSM's keys (BDK, PVK,
 * the test cards' IMKs), the test cards with their PVVs and accounts, the terminals, RRNs by the
 * block. The switch serves them over TCP; bench:pipeline drives the steps with them directly.
 */
export async function createParts(config: SwitchConfig, store: Store, hsm: Hsm, log: Logger): Promise<{ parts: SwitchParts; terminals: Terminals; configured: Map<string, TerminalConfig> }> {
  const spec = config.spec ?? specs.default;
  const bdkId = 'bdk';
  const pvkId = 'pvk';
  await hsm.importKey(bdkId, 'BDK', Buffer.from(config.bdk ?? x924TestBdk, 'hex'));
  // The PVK only turns test PINs into PVVs and back; a fresh one per process is enough.
  await hsm.importKey(pvkId, 'PVK', randomBytes(16));
  const cards = new Map<string, IssuerCard & { pvv: string }>();
  for (const card of issuerCards) {
    cards.set(card.pan, { ...card, pvv: await hsm.issuePvv(pvkId, card.pan, 1, '1234') });
    if (card.emv && !hsm.keyInfo(`imk:${card.emv.id}`)) await hsm.importKey(`imk:${card.emv.id}`, 'IMK-AC', Buffer.from(card.emv.imk, 'hex'));
  }
  await store.ensureAccounts(issuerCards.map((card) => ({ id: cardAccount(card.pan), balance: card.balance })));

  for (const t of config.terminals ?? []) checkTmk(t.tmk, `terminal ${t.id}`);
  if (config.enrollUnknown) checkTmk(config.enrollUnknown.tmk, 'enrollUnknown');
  const configured = new Map((config.terminals ?? []).map((t) => [t.id, t]));
  const terminals = new Terminals({ configured, enroll: config.enrollUnknown, hsm, maxSignedOn: config.maxSignedOn ?? 10_000, log });
  await terminals.init();

  let rrnNext = 0;
  let rrnEnd = 0;
  let reserving: Promise<void> | undefined;
  const rrn = () => String(rrnNext++ % 1e12).padStart(12, '0');
  const reserveRrn = async (): Promise<string> => {
    while (rrnNext >= rrnEnd) {
      // Cleared either way: a failed reservation fails only the requests waiting on it; the next one tries again.
      reserving ??= store
        .reserveRrns(rrnBlock)
        .then((first) => {
          rrnNext = first;
          rrnEnd = first + rrnBlock;
        })
        .finally(() => {
          reserving = undefined;
        });
      await reserving;
    }
    return rrn();
  };
  // Synchronous while the block lasts: a promise only while the next block is being reserved.
  const nextRrn = () => (rrnNext < rrnEnd ? rrn() : reserveRrn());
  const accounts = new Set<string>();
  const parts: SwitchParts = {
    spec, store, hsm, log, terminal: (id) => terminals.get(id), release: (terminal, keyGeneration) => terminals.release(terminal, keyGeneration), cards, bdkId, pvkId, nextRrn,
    ensureAccount: async (id, balance) => {
      if (accounts.has(id)) return;
      await store.ensureAccounts([{ id, balance }]);
      accounts.add(id);
    },
  };
  return { parts, terminals, configured };
}

export async function startSwitch(config: SwitchConfig = {}): Promise<RunningSwitch> {
  const log: Logger = config.logger ?? pino({ level: 'silent' });
  const spec = config.spec ?? specs.default;
  const hsm: Hsm = config.hsm ?? createSimulatedHsm({ lmk: config.lmk ? Buffer.from(config.lmk, 'hex') : randomBytes(32), logger: log.child({ component: 'hsm' }) });
  // A failed WAL sync or checkpoint: nothing more may be answered, and only a restart recovers from what is on disk.
  // The process stops at once, exit 74 (EX_IOERR); terminals reverse what they were not answered.
  const onBroken = (error: Error) => {
    log.fatal({ err: { message: error.message } }, 'journal sync failed: stopping (restart to recover)');
    process.exit(74);
  };
  // PostgreSQL: a transaction retried after a deadlock or serialization failure cost its batch a wait
  // (deadlock_timeout, 1 s by default): a warning, by SQLSTATE only (the error's text may quote values).
  const onRetry = (error: unknown) => log.warn({ code: (error as { code?: string }).code }, 'journal transaction retried');
  const store = await openStore(config.db ?? ':memory:', { onBroken, onRetry }).catch((error: unknown) => {
    throw new JournalOpenError(error);
  });
  try {
    const { parts, terminals, configured } = await createParts(config, store, hsm, log);
    const commits = new GroupCommit(store, store.kind === 'postgres' ? 4 : 1);
    const faults = new Faults();
    const metrics = new Metrics();
    const steps = pipeline((entry) => commits.submit(entry));
    const host = new Host({
      parts, steps, faults, metrics, log,
      framing: { length: config.framing ?? 'binary2', maxMessageLength: config.maxMessageLength ?? 8192 },
      lateAnswerMs: config.lateAnswerMs ?? 60_000,
      idleTimeoutMs: config.idleTimeoutMs ?? 600_000,
      maxInFlightPerConnection: config.maxInFlightPerConnection ?? 256,
      maxUnwrittenBytes: config.maxUnwrittenBytes ?? 4 * 1024 * 1024,
      frameTimeoutMs: config.frameTimeoutMs ?? 5_000,
      maxConnections: config.maxConnections ?? 10_000,
      stopTimeoutMs: config.stopTimeoutMs ?? 15_000,
    });
    const port = await host.listen(config.port ?? 0, config.host);
    let admin: AdminServer | undefined;
    if (config.adminPort !== undefined) {
      admin = await startAdmin({
        port: config.adminPort, host: config.host, token: config.adminToken, store, faults, metrics, log,
        terminals: () => [
          ...[...configured.values()].map(({ tmk: _secret, ...rest }) => rest),
          ...terminals.signedOnEnrolled().map(({ id, merchantId }) => ({ id, ...(merchantId ? { merchantId } : {}), enrolled: true as const })),
        ],
        cards: issuerCards,
      }).catch(async (error: unknown) => {
        // The ISO port is already listening: left open, it would keep the process alive (`pos switch --admin-port <in use>` hung).
        await host.close();
        throw error;
      });
    }
    log.info({ port, adminPort: admin?.port, db: store.kind, spec: spec.name }, 'switch listening');
    return {
      port,
      ...(admin ? { adminPort: admin.port } : {}),
      faults,
      metrics,
      store,
      // Terminals first: no request is taken after stop() begins, and those in flight are journaled and
      // answered before the admin API (its connections closed, even a half-sent request) and the journal close.
      stop: async () => {
        await host.close();
        await admin?.close();
        await commits.drain();
        await store.close();
        log.info('switch stopped');
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
