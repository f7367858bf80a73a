/**
 * PN532 contactless reader driver over any ByteTransport (serial HSU, PTY, in-process).
 *
 * Each command follows the libnfc / Adafruit state machine: flush input, write the frame, wait for
 * the ACK (resend the command when none comes: the PN532 drops frames with a bad checksum; but never
 * an InDataExchange, whose APDU the card would run twice if the ACK was only late), then
 * wait for the response (NACK it when it arrives corrupt so the PN532 sends it again; send an ACK
 * to abort when it never comes). Junk on the line is skipped by the frame parser, which resyncs on
 * the next start code. Every wait has a deadline, so no call can hang. A deadline does not count
 * a stall of this process (another process holding the virtual cards' counter lock, a loaded CI
 * machine), and at a deadline what already arrived is read first: the deadline's timer runs before
 * the I/O and immediates of the same turn of the event loop. Without both, the chip's ACK sat queued
 * behind the timer, the command was resent, a GET PROCESSING OPTIONS sent twice counted the card's
 * ATC twice, and the second answer of a resent command answered the next one.
 *
 * Card lifecycle: waitForCard() polls InListPassiveTarget (two targets, to notice a collision);
 * transceive() sends APDUs with InDataExchange, chaining long ones with the MI bit; an exchange
 * that fails with a target error (timeout, card disappeared) marks the card gone; waitForRemoval()
 * polls until the field is empty.
 */
import { EventEmitter } from 'node:events';
import { toHex } from '../../protocols/bytes.js';
import {
  ACK_FRAME,
  CARD_GONE_CODES,
  Command,
  DATA_EXCHANGE_MAX,
  FrameParser,
  NACK_FRAME,
  TFI_HOST_TO_PN532,
  TFI_PN532_TO_HOST,
  WAKEUP_PREAMBLE,
  describeStatus,
  encodeFrame,
  getFirmwareVersion,
  inDataExchange,
  inListPassiveTarget,
  inRelease,
  parseFirmwareVersion,
  parseInDataExchange,
  parseInListPassiveTarget,
  parseInRelease,
  parseRfConfiguration,
  parseSamConfiguration,
  rfConfigurationMaxRetries,
  samConfiguration,
  type DataExchangeResult,
  type FirmwareVersion,
  type ParseResult,
  type PassiveTarget,
} from '../../protocols/pn532/index.js';
import type { ByteTransport } from '../transport.js';
import {
  CardCollisionError,
  CardGoneError,
  ReaderGoneError,
  ReaderProtocolError,
  ReaderTimeoutError,
  type CardInfo,
  type CardReader,
  type CardReaderEvents,
} from './card-reader.js';

/** Turns of the event loop a deadline waits for bytes that already arrived (the virtual PN532's path is three immediates deep). */
const drainTurns = 4;
/**
 * A wait's end. Stalls move `at`, never past `limit` (three times the wait plus a second) but for one
 * last grace after a stall beyond it, so a process that is always late still times out; `drainTurns`:
 * event-loop turns left to read what already arrived once `at` has passed.
 */
interface Deadline {
  at: number;
  readonly limit: number;
  graced: boolean;
  drainTurns: number;
}

function newDeadline(ms: number): Deadline {
  const now = performance.now();
  return { at: now + ms, limit: now + 3 * ms + stallBudgetMs, graced: false, drainTurns: 2 * drainTurns };
}

/** What stalls may add to a wait beyond three times its length. */
const stallBudgetMs = 1000;
/** Timer lateness above this is a stall of this process, not timer jitter. */
const stallMs = 20;
/** After a stall the chip still gets this long: the virtual PN532 sends an ACK with the response it queued meanwhile, at line speed. */
const stallGraceMs = 50;

export interface Pn532ReaderOptions {
  /** How long to wait for the ACK of a command before sending it again. Default 100 ms. */
  ackTimeoutMs?: number;
  /** How long to wait for a response after the ACK (covers the card's processing). Default 2000 ms. */
  responseTimeoutMs?: number;
  /** Resends after a missing ACK, and NACKs after a corrupt response, per command. Default 3. */
  retries?: number;
  /** Pause between two polls for a card. Default 20 ms. */
  pollIntervalMs?: number;
  /** RFConfiguration MxRtyPassiveActivation: 0 = one try per InListPassiveTarget. Default 1. */
  passiveActivationRetries?: number;
  /** Largest R-APDU accepted across MI chaining. Default 65538 (extended Le + SW). */
  maxResponseLength?: number;
}

/** The reader device's own lifecycle, on `reader.device` (card events stay on the reader itself). */
export interface ReaderDeviceEvents {
  /** The reader answered its initialisation (after start and after each reconnect). */
  ready: [FirmwareVersion];
  /** The transport went away; commands fail with ReaderGoneError until `ready`. */
  disconnected: [Error];
}

export interface Pn532Stats {
  bytesOut: number;
  bytesIn: number;
  /** Commands sent again after a missing ACK. */
  resends: number;
  /** NACKs sent for corrupt responses. */
  nacks: number;
  /** Bytes skipped while resynchronising. */
  junkBytes: number;
}

interface ActiveCard {
  tg: number;
  info: CardInfo;
}

export class Pn532Reader extends EventEmitter<CardReaderEvents> implements CardReader {
  readonly device = new EventEmitter<ReaderDeviceEvents>();
  firmware: FirmwareVersion | undefined;
  readonly stats: Pn532Stats = { bytesOut: 0, bytesIn: 0, resends: 0, nacks: 0, junkBytes: 0 };

  private readonly ackTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  private readonly retries: number;
  private readonly pollIntervalMs: number;
  private readonly passiveActivationRetries: number;
  private readonly maxResponseLength: number;

  private readonly parser = new FrameParser();
  private inbox: ParseResult[] = [];
  private wake: (() => void) | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private card: ActiveCard | undefined;
  private started = false;
  private connected = false;
  /** Resolvers of callers waiting for the reader to come back. */
  private readyWaiters = new Set<() => void>();

  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onGone = (reason: Error) => this.transportGone(reason);
  private readonly onOpen = () => void this.reinitialise();

  constructor(
    private readonly transport: ByteTransport,
    options: Pn532ReaderOptions = {},
  ) {
    super();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 100;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 2000;
    this.retries = options.retries ?? 3;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.passiveActivationRetries = options.passiveActivationRetries ?? 1;
    this.maxResponseLength = options.maxResponseLength ?? 65538;
  }

  /** The card currently activated, if any. */
  get currentCard(): CardInfo | undefined {
    return this.card?.info;
  }

  get isReady(): boolean {
    return this.connected && this.firmware !== undefined;
  }

  /** Opens the transport (if needed), wakes the PN532 and configures it. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.transport.on('data', this.onData);
    this.transport.on('gone', this.onGone);
    try {
      if (!this.transport.isOpen) await this.transport.open();
      this.transport.on('open', this.onOpen); // reconnects only: the first open is ours
      this.connected = true;
      await this.exclusive(() => this.initialise());
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Releases the card, stops listening and closes the transport. */
  async stop(): Promise<void> {
    if (!this.started) return;
    if (this.card && this.connected) await this.exclusive(() => this.releaseTargets()).catch(() => {});
    this.started = false;
    this.card = undefined;
    this.transport.off('data', this.onData);
    this.transport.off('gone', this.onGone);
    this.transport.off('open', this.onOpen);
    this.connected = false;
    this.wake?.();
    for (const resolve of this.readyWaiters) resolve();
    await this.transport.close();
  }

  async waitForCard(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CardInfo> {
    if (this.card) return this.card.info;
    const deadline = options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      this.checkRunning(options.signal);
      if (performance.now() >= deadline) throw new ReaderTimeoutError(`no card within ${options.timeoutMs} ms`);
      if (!this.isReady) {
        await this.waitForReady(deadline, options.signal);
        continue;
      }
      let targets: PassiveTarget[];
      try {
        targets = await this.exclusive(() => this.listTargets());
      } catch (error) {
        if (error instanceof ReaderGoneError) continue;
        throw error;
      }
      if (targets.length > 1) {
        await this.exclusive(() => this.releaseTargets()).catch(() => {});
        throw new CardCollisionError(`${targets.length} cards in the field: present only one card`);
      }
      const target = targets[0];
      if (target) {
        const info: CardInfo = { uid: target.nfcId, atqa: target.sensRes, sak: target.selRes };
        if (target.ats) info.ats = target.ats;
        this.card = { tg: target.tg, info };
        this.emit('present', info);
        return info;
      }
      await delay(Math.min(this.pollIntervalMs, Math.max(0, deadline - performance.now())), options.signal);
    }
  }

  async transceive(apdu: Buffer): Promise<Buffer> {
    const card = this.card;
    if (!card) throw new CardGoneError('no card in the field');
    return this.exclusive(async () => {
      if (this.card !== card) throw new CardGoneError('the card left the field');
      try {
        let result: DataExchangeResult | undefined;
        for (let at = 0; at < apdu.length || at === 0; at += DATA_EXCHANGE_MAX) {
          const piece = apdu.subarray(at, at + DATA_EXCHANGE_MAX);
          const more = at + DATA_EXCHANGE_MAX < apdu.length;
          result = this.checkExchange(await this.exchange(card.tg, piece, more));
          if (more && result.data.length > 0) throw new ReaderProtocolError('data returned before the end of a chained command');
        }
        const parts = [result!.data];
        let total = result!.data.length;
        while (result!.moreInformation) {
          result = this.checkExchange(await this.exchange(card.tg, Buffer.alloc(0), false));
          total += result.data.length;
          if (total > this.maxResponseLength) throw new ReaderProtocolError(`response longer than ${this.maxResponseLength} bytes`);
          parts.push(result.data);
        }
        return Buffer.concat(parts);
      } catch (error) {
        if (error instanceof CardGoneError || error instanceof ReaderTimeoutError) this.cardLost();
        throw error;
      }
    });
  }

  /** Deactivates the card (InRelease) without waiting for it to leave. */
  async release(): Promise<void> {
    if (!this.card) return;
    await this.exclusive(() => this.releaseTargets());
    this.card = undefined;
  }

  /** Releases the card and polls until no card answers; emits `gone`. */
  async waitForRemoval(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const deadline = options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      this.checkRunning(options.signal);
      if (!this.isReady) break; // a reader that went away has no card in its field
      const targets = await this.exclusive(async () => {
        await this.releaseTargets();
        const found = await this.listTargets();
        if (found.length) await this.releaseTargets();
        return found;
      });
      if (targets.length === 0) break;
      if (performance.now() >= deadline) throw new ReaderTimeoutError(`card still in the field after ${options.timeoutMs} ms`);
      await delay(Math.min(this.pollIntervalMs, Math.max(0, deadline - performance.now())), options.signal);
    }
    if (this.card) this.cardLost();
  }

  // ------------------------------------------------------------------ commands

  private async initialise(): Promise<void> {
    // A PN532 C106 powers up in Low-VBAT mode: the wake-up bytes then SAMConfiguration are mandatory.
    parseSamConfiguration(await this.command(samConfiguration(0x01), { wakeUp: true }));
    const firmware = parseFirmwareVersion(await this.command(getFirmwareVersion()));
    parseRfConfiguration(await this.command(rfConfigurationMaxRetries(this.passiveActivationRetries)));
    this.firmware = firmware;
    this.device.emit('ready', firmware);
    for (const resolve of this.readyWaiters) resolve();
  }

  private async reinitialise(): Promise<void> {
    if (!this.started) return;
    this.connected = true;
    try {
      await this.exclusive(() => this.initialise());
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error as Error);
    }
  }

  private async listTargets(): Promise<PassiveTarget[]> {
    return parseInListPassiveTarget(await this.command(inListPassiveTarget(2)));
  }

  private async releaseTargets(): Promise<void> {
    const status = parseInRelease(await this.command(inRelease(0)));
    // 0x27 "not acceptable in this context" means there was nothing to release
    if (status !== 0 && status !== 0x27) throw new ReaderProtocolError(`InRelease: ${describeStatus(status)}`, status);
  }

  private async exchange(tg: number, data: Buffer, more: boolean): Promise<DataExchangeResult> {
    return parseInDataExchange(await this.command(inDataExchange(tg, data, more)));
  }

  private checkExchange(result: DataExchangeResult): DataExchangeResult {
    if (result.errorCode === 0) return result;
    const reason = describeStatus(result.errorCode);
    if (CARD_GONE_CODES.has(result.errorCode)) throw new CardGoneError(`the card left the field (${reason})`);
    throw new ReaderProtocolError(`InDataExchange: ${reason}`, result.errorCode);
  }

  /**
   * Sends one command and returns the response data (PD0.. starting with command + 1).
   * Resends on a missing ACK (never a card command), NACKs a corrupt response, aborts with an ACK on timeout.
   */
  private async command(data: Buffer, options: { wakeUp?: boolean } = {}): Promise<Buffer> {
    const code = data[0]!;
    const name = `command 0x${code.toString(16).padStart(2, '0')}`;
    const frame = encodeFrame(TFI_HOST_TO_PN532, data);
    const bytes = options.wakeUp ? Buffer.concat([WAKEUP_PREAMBLE, frame]) : frame;
    // A card command is never sent twice: its ACK may be late, not lost (a loaded machine starving the
    // PTY's socat), and the card would run the APDU twice (a GET PROCESSING OPTIONS counts its ATC twice)
    // while the second answer answered the next command. Its ACK gets the time the resends would have had.
    const resendable = code !== Command.InDataExchange;
    const ackWaitMs = resendable ? this.ackTimeoutMs : this.ackTimeoutMs * (this.retries + 1);
    for (let attempt = 0; ; attempt++) {
      this.flushInput();
      await this.write(bytes);
      if (await this.awaitAck(ackWaitMs)) break;
      if (!resendable) {
        await this.write(ACK_FRAME).catch(() => {}); // abort it, should the chip have it after all
        throw new ReaderTimeoutError(`no ACK for ${name} within ${ackWaitMs} ms (a card command is not sent twice)`);
      }
      if (attempt >= this.retries) throw new ReaderTimeoutError(`no ACK for ${name} after ${attempt + 1} attempt(s)`);
      this.stats.resends++;
    }
    const deadline = newDeadline(this.responseTimeoutMs);
    let nacks = 0;
    let unexpected: string | undefined;
    for (;;) {
      const item = await this.next(deadline);
      if (item === undefined) {
        await this.write(ACK_FRAME).catch(() => {}); // abort the command, as libnfc does
        if (unexpected) throw new ReaderProtocolError(`the PN532 answered ${name} with response code ${unexpected}`);
        throw new ReaderTimeoutError(`no response to ${name} within ${this.responseTimeoutMs} ms`);
      }
      if (item.type === 'error') {
        if (item.error.path === 'start code') continue; // junk, already skipped
        if (nacks >= this.retries) throw new ReaderProtocolError(`corrupt response to ${name} after ${nacks} NACK(s): ${item.error.message}`);
        nacks++;
        this.stats.nacks++;
        await this.write(NACK_FRAME);
        continue;
      }
      const answer = item.frame;
      if (answer.kind === 'ack' || answer.kind === 'nack') continue;
      if (answer.kind === 'error') throw new ReaderProtocolError(`the PN532 answered ${name} with an application error frame`);
      if (answer.tfi !== TFI_PN532_TO_HOST) continue; // our own frame echoed by a loopback line
      if (answer.data[0] !== ((code + 1) & 0xff)) {
        // a late retransmission of an earlier answer (after a spurious NACK): skip it, keep waiting
        unexpected = toHex(answer.data.subarray(0, 1));
        continue;
      }
      return answer.data;
    }
  }

  private async awaitAck(waitMs: number): Promise<boolean> {
    const deadline = newDeadline(waitMs);
    for (;;) {
      const item = await this.next(deadline);
      if (item === undefined) return false;
      if (item.type === 'frame' && item.frame.kind === 'ack') return true;
      if (item.type === 'frame' && item.frame.kind === 'error')
        throw new ReaderProtocolError('the PN532 answered with an application error frame');
      // junk, a corrupt ACK or a stale response: keep waiting until the deadline
    }
  }

  // ------------------------------------------------------------------ plumbing

  private receive(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    for (const result of this.parser.push(chunk)) {
      if (result.type === 'error' && result.error.path === 'start code') {
        const skipped = /^(\d+)/.exec(result.error.reason);
        this.stats.junkBytes += skipped ? Number(skipped[1]) : 0;
      }
      this.inbox.push(result);
    }
    this.wake?.();
  }

  private flushInput(): void {
    this.inbox = [];
    this.parser.reset();
  }

  private async write(bytes: Buffer): Promise<void> {
    if (!this.connected) throw new ReaderGoneError(`${this.transport.description} is gone`);
    this.stats.bytesOut += bytes.length;
    try {
      await this.transport.write(bytes);
    } catch (error) {
      if (!this.transport.isOpen) throw new ReaderGoneError(`${this.transport.description} is gone: ${(error as Error).message}`);
      throw error;
    }
  }

  /**
   * The next parser result, or undefined at the deadline; throws ReaderGoneError if the transport went
   * away. At the deadline, what already arrived is read first (a budget of event-loop turns per
   * deadline); a timer that fired more than stallMs late (this process was stalled) moves the deadline
   * by its lateness, and at least stallGraceMs past now, within its hard limit (see the top).
   */
  private async next(deadline: Deadline): Promise<ParseResult | undefined> {
    for (;;) {
      if (!this.connected) throw new ReaderGoneError(`${this.transport.description} is gone`);
      const item = this.inbox.shift();
      if (item) return item;
      const remaining = deadline.at - performance.now();
      if (remaining <= 0) {
        if (await this.drained(deadline)) continue;
        return undefined;
      }
      const waitMs = Math.max(1, Math.ceil(remaining));
      const due = performance.now() + waitMs;
      let timedOut = false;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(() => {
          timedOut = true;
          done();
        }, waitMs);
        this.wake = done;
      });
      const now = performance.now();
      if (timedOut && now - due > stallMs) {
        deadline.at = Math.min(deadline.limit, Math.max(deadline.at + (now - due), now + stallGraceMs));
        // A stall that ran past the limit: the chip still gets its grace, once.
        if (deadline.at <= now && !deadline.graced) [deadline.at, deadline.graced] = [now + stallGraceMs, true];
      }
    }
  }

  /**
   * Gives the event loop turns (from the deadline's budget) to deliver what already arrived: a serial port's bytes wait in
   * the poll phase and an in-process device's in immediates, both run after the timers phase.
   * True when something arrived or the transport went away (next() reports either).
   */
  private async drained(deadline: Deadline): Promise<boolean> {
    for (; deadline.drainTurns > 0; deadline.drainTurns--) {
      if (this.inbox.length > 0 || !this.connected) return true;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return this.inbox.length > 0 || !this.connected;
  }

  private transportGone(reason: Error): void {
    this.connected = false;
    this.firmware = undefined;
    this.wake?.();
    if (this.card) this.cardLost();
    this.device.emit('disconnected', reason);
  }

  private cardLost(): void {
    if (!this.card) return;
    this.card = undefined;
    this.emit('gone');
  }

  private async waitForReady(deadline: number, signal?: AbortSignal): Promise<void> {
    if (this.isReady) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.readyWaiters.delete(done);
        resolve();
      };
      const timer = deadline === Infinity ? undefined : setTimeout(done, Math.max(0, Math.ceil(deadline - performance.now())));
      signal?.addEventListener('abort', done);
      this.readyWaiters.add(done);
    });
  }

  private checkRunning(signal?: AbortSignal): void {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    if (!this.started) throw new ReaderGoneError('the reader is stopped');
  }

  /** Runs commands one at a time: the PN532 is half-duplex and answers one command at a time. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => {});
    return run;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

