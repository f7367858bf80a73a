/**
 * The virtual devices' counters of one data folder, shared by `pos demo` and the one-shot
 * `pos sale|refund --virtual-card` processes, which emulate the SAME test cards and PIN pads
 * against the same switch journal:
 *   virtual-cards.json    the one-shot commands' card ATCs   { "visa": 18 }
 *   virtual-devices.json  the demo's                         { "pinPadIksn", "pinPadKsn", "atcs": { "visa": 19 } }
 *   virtual-pinpad.json   the one-shot commands' PIN pad     { "iksn", "ksn" }
 * Every read-modify-write holds virtual-devices.lock (created O_EXCL with the holder's pid; a lock
 * whose process is gone is broken), only for that read and write, never across an await; every write
 * is temp file + fsync + rename + directory fsync, so a crash or power cut leaves the old or the new
 * counters, never an empty file.
 * A card's next ATC is reserved at its GET PROCESSING OPTIONS (where the card counts it up): the
 * highest of both files and the card's own, plus one. A KSN is on disk before a PIN block under it
 * exists (write-ahead).
 * A missing file is empty; a file that does not parse or holds a bad value is refused (never reset:
 * that would reuse ATCs and KSNs).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../protocols/bytes.js';
import { nextTdesKsn } from '../protocols/crypto/index.js';
import { testCardProfileIds, testCards, type TestCardProfileId } from '../protocols/testcards.js';
import { CliError } from './io.js';

export type CardAtcs = Partial<Record<TestCardProfileId, number>>;
export interface DemoCounters {
  /** The demo PIN pad's initial KSN (its device); absent in files from before it was kept: the default one. */
  pinPadIksn?: string;
  pinPadKsn?: string;
  atcs?: CardAtcs;
}
export interface PinPadCounter {
  iksn: string;
  ksn: string;
}

/** TEST KEYS: the KSN the X9.24 test vectors start from; its first 40 bits (FFFF987654) are kept in every fresh device's KSN. */
export const defaultIksn = 'FFFF9876543210E00000';

/** A counter file that does not parse or holds a bad value: one line naming it, exit 2. */
export class CounterFileError extends CliError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem} (fix or delete it)`);
    this.name = 'CounterFileError';
  }
}

/**
 * A holder keeps the lock for one read and one write (two fsyncs). A waiter gives up when one holder
 * keeps it this long; each new holder restarts the wait (the queue is moving), up to lockWaitCapMs in all.
 */
const lockWaitMs = 2000;
const lockWaitCapMs = 10_000;
/** A break guard this old is a crashed breaker's even if its pid was reused. */
const guardStaleMs = 5000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class DeviceCounters {
  readonly cardsFile: string;
  readonly demoFile: string;
  readonly pinPadFile: string;
  private readonly lockFile: string;

  constructor(
    readonly folder: string,
    /** How long one holder may keep the lock before a waiter gives up (tests shorten it). */
    private readonly waitMs = lockWaitMs,
  ) {
    this.cardsFile = join(folder, 'virtual-cards.json');
    this.demoFile = join(folder, 'virtual-devices.json');
    this.pinPadFile = join(folder, 'virtual-pinpad.json');
    this.lockFile = join(folder, 'virtual-devices.lock');
  }

  /** The highest ATC either file holds for a card (undefined: none). Also checks both files. */
  savedAtc(card: TestCardProfileId): number | undefined {
    return this.locked(() => this.highestSaved(card));
  }

  readDemo(): DemoCounters {
    return this.locked(() => this.readDemoFile());
  }

  /**
   * The ATC a card's next cryptogram uses, reserved in `owner`'s file before it is returned:
   * above the card's `current`, above anything either file holds (another process's taps).
   */
  reserveAtc(owner: 'cli' | 'demo', card: TestCardProfileId, current: number): number {
    return this.locked(() => {
      const next = Math.max(current, this.highestSaved(card) ?? testCards[card].initialAtc) + 1;
      if (next > 0xffff) throw new Error(`${card}: ATC exhausted (65535)`);
      if (owner === 'cli') this.write(this.cardsFile, { ...this.readCardsFile(), [card]: next });
      else {
        const demo = this.readDemoFile();
        this.write(this.demoFile, { ...demo, atcs: { ...demo.atcs, [card]: next } });
      }
      return next;
    });
  }

  /** The demo PIN pad's KSN, written before a PIN block under it exists. */
  saveDemoKsn(iksn: string, ksn: string): void {
    this.locked(() => this.write(this.demoFile, { ...this.readDemoFile(), pinPadIksn: iksn, pinPadKsn: ksn }));
  }

  /**
   * The one-shot commands' PIN pad for one process: the saved device and counter with the next KSN
   * already reserved on disk (a fresh device when the file is missing). `ksn` is where the pad
   * starts; its first PIN block uses the reserved one; `claim` reserves each further one.
   */
  openCliPinPad(): { iksn: string; ksn: string; claim(ksn: Buffer): void } {
    let reserved = this.locked(() => {
      const saved = this.readPinPadFile();
      const iksn = saved?.iksn ?? freshIksn();
      const start = saved?.ksn ?? iksn;
      const next = toHex(nextTdesKsn(fromHex(start, 'KSN')));
      this.write(this.pinPadFile, { iksn, ksn: next });
      return { iksn, start, next };
    });
    return {
      iksn: reserved.iksn,
      ksn: reserved.start,
      claim: (ksn) => {
        const hex = toHex(ksn);
        if (hex === reserved.next) return;
        this.locked(() => {
          const saved = this.readPinPadFile();
          // Another process reserved after us: this pad's next counter may be its.
          if (saved?.iksn !== reserved.iksn || saved.ksn !== reserved.next) throw new Error(`${this.pinPadFile}: another process took the PIN pad's next KSN; start the sale again`);
          this.write(this.pinPadFile, { iksn: reserved.iksn, ksn: hex });
          reserved = { ...reserved, next: hex };
        });
      },
    };
  }

  private highestSaved(card: TestCardProfileId): number | undefined {
    const values = [this.readCardsFile()[card], this.readDemoFile().atcs?.[card]].filter((n): n is number => n !== undefined);
    return values.length ? Math.max(...values) : undefined;
  }

  private readCardsFile(): CardAtcs {
    const parsed = readJson(this.cardsFile);
    return parsed === undefined ? {} : atcsOf(parsed, this.cardsFile, '');
  }

  private readDemoFile(): DemoCounters {
    const parsed = readJson(this.demoFile);
    if (parsed === undefined) return {};
    const { pinPadIksn, pinPadKsn, atcs, ...rest } = objectOf(parsed, this.demoFile, '');
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new CounterFileError(this.demoFile, `unknown field "${unknown}"`);
    return {
      ...(pinPadIksn === undefined ? {} : { pinPadIksn: ksnOf(pinPadIksn, this.demoFile, 'pinPadIksn') }),
      ...(pinPadKsn === undefined ? {} : { pinPadKsn: ksnOf(pinPadKsn, this.demoFile, 'pinPadKsn') }),
      ...(atcs === undefined ? {} : { atcs: atcsOf(atcs, this.demoFile, 'atcs.') }),
    };
  }

  private readPinPadFile(): PinPadCounter | undefined {
    const parsed = readJson(this.pinPadFile);
    if (parsed === undefined) return undefined;
    const { iksn, ksn } = objectOf(parsed, this.pinPadFile, '');
    return { iksn: ksnOf(iksn, this.pinPadFile, 'iksn'), ksn: ksnOf(ksn, this.pinPadFile, 'ksn') };
  }

  /** Temp file + fsync + rename + directory fsync. */
  private write(file: string, value: unknown): void {
    const temporary = `${file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    const dir = openSync(this.folder, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  private locked<T>(work: () => T): T {
    const start = Date.now();
    let deadline = start + this.waitMs;
    let holder = lockHolder(this.lockFile);
    while (!tryLock(this.lockFile)) {
      const now = Date.now();
      const current = lockHolder(this.lockFile);
      if (current !== holder) {
        holder = current;
        deadline = Math.min(now + this.waitMs, start + Math.max(this.waitMs, lockWaitCapMs));
      }
      if (now > deadline) throw new CliError(lockBusy(this.lockFile, now - start));
      Atomics.wait(sleeper, 0, 0, 2);
    }
    try {
      return work();
    } finally {
      releaseOwn(this.lockFile);
    }
  }
}

/** Takes a lock file (O_EXCL, holding our pid), breaking it first when its holder is gone. */
function tryLock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    const fd = createExclusive(file);
    if (fd !== undefined) {
      writeOwnPid(fd, file);
      return true;
    }
    if (!breakStaleLock(file)) return false;
  }
  return false;
}

/** O_EXCL create; undefined when the file exists. */
function createExclusive(file: string): number | undefined {
  try {
    return openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
}

/** Writes our pid into a file we just created; if that fails (ENOSPC) the file is ours to delete, not left empty. */
function writeOwnPid(fd: number, file: string): void {
  try {
    writeSync(fd, String(process.pid));
  } catch (error) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw error;
  }
  closeSync(fd);
}

/**
 * Deletes a lock whose holder is gone. Breakers take `<lock>.break` (O_EXCL) first and re-read the
 * holder under it, so of two processes that both saw the dead pid only one deletes, and never the
 * fresh lock a third process took after it. A guard whose breaker is gone (or older than 5 s) is
 * deleted, and the break tried again at the next poll.
 */
function breakStaleLock(file: string): boolean {
  if (!isStale(lockHolder(file))) return false;
  const guard = `${file}.break`;
  const fd = createExclusive(guard);
  if (fd === undefined) {
    if (isStaleGuard(guard)) rmSync(guard, { force: true });
    return false; // another process is breaking it, or we retry after deleting a crashed breaker's guard
  }
  try {
    writeOwnPid(fd, guard);
    // Nobody else deletes a dead holder's lock while we hold the guard, and nobody can create one over it.
    if (!isStale(lockHolder(file))) return false;
    rmSync(file, { force: true }); // deleted by hand meanwhile: as good
    return true;
  } finally {
    rmSync(guard, { force: true }); // we created it (O_EXCL): ours to delete, whatever it holds
  }
}

function isStaleGuard(guard: string): boolean {
  if (isStale(lockHolder(guard))) return true;
  try {
    return Date.now() - statSync(guard).mtimeMs > guardStaleMs;
  } catch {
    return false; // gone meanwhile
  }
}

/** Releases a lock only while it holds our pid (never one that another process holds now). */
function releaseOwn(file: string): void {
  try {
    if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
  } catch {
    // deleted by hand meanwhile: nothing to release (never a throw in a close path)
  }
}

function lockBusy(file: string, waitedMs: number): string {
  const holder = lockHolder(file);
  const breaker = lockHolder(`${file}.break`);
  if (holder === undefined) return `${file}: other pos processes kept taking it for ${waitedMs} ms (try again)`;
  if (isStale(holder)) {
    const by = breaker !== undefined && !isStale(breaker) ? `process ${breaker} is breaking it` : 'it is being broken';
    return `${file}: its holder, process ${holder || '?'}, is gone and ${by}; not free after ${waitedMs} ms`;
  }
  return `${file}: held by process ${holder} (waited ${waitedMs} ms; delete it if no pos process is running)`;
}

function lockHolder(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    if (/^\d+$/.test(text)) return Number(text);
    // Created but not yet written (or its writer died there): stale after a second.
    return Date.now() - statSync(file).mtimeMs > 1000 ? 0 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A holder that is gone, or our own pid: this process never waits for itself (its lock sections are
 * synchronous), so a lock with our pid is a dead process's whose pid we got after a restart.
 */
function isStale(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  if (pid <= 0 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** A device never used before: the KSN's TRSM ID (19 bits) random, the test key set's 40 bits kept, counter 0. */
export function freshIksn(): string {
  const defaultTrsm = BigInt(`0x${defaultIksn.slice(10)}`) >> 21n;
  let trsm = defaultTrsm;
  while (trsm === defaultTrsm) trsm = BigInt(crypto.getRandomValues(new Uint32Array(1))[0]! & 0x7ffff);
  return `${defaultIksn.slice(0, 10)}${(trsm << 21n).toString(16).toUpperCase().padStart(10, '0')}`;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CounterFileError(file, `cannot read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CounterFileError(file, `not valid JSON (${(error as Error).message})`);
  }
}

function objectOf(value: unknown, file: string, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CounterFileError(file, `${path ? `"${path.slice(0, -1)}" ` : ''}must be a JSON object, not ${JSON.stringify(value).slice(0, 40)}`);
  }
  return value as Record<string, unknown>;
}

function atcsOf(value: unknown, file: string, path: string): CardAtcs {
  const atcs: CardAtcs = {};
  for (const [card, atc] of Object.entries(objectOf(value, file, path))) {
    if (!(testCardProfileIds as readonly string[]).includes(card)) throw new CounterFileError(file, `"${path}${card}" is not a virtual card (${testCardProfileIds.join(', ')})`);
    if (!Number.isInteger(atc) || (atc as number) < 0 || (atc as number) > 0xffff) throw new CounterFileError(file, `"${path}${card}" must be an ATC, an integer 0–65535, not ${JSON.stringify(atc)}`);
    atcs[card as TestCardProfileId] = atc as number;
  }
  return atcs;
}

function ksnOf(value: unknown, file: string, field: string): string {
  if (typeof value !== 'string' || !/^[0-9A-Fa-f]{20}$/.test(value)) throw new CounterFileError(file, `"${field}" must be a KSN, 20 hex digits, not ${JSON.stringify(value)}`);
  return value.toUpperCase();
}
