/**
 * The terminal runtime (CONTRACTS.md "Terminal API"): one transaction at a time, each a journal
 * row written before its request leaves, driven through card presentment (tap, swipe or scanned
 * code), the kernel, PIN entry and the host; every outcome that is not known for sure (no answer,
 * a dropped or late answer, a failed ARPC, the card gone before the issuer's answer reached it)
 * becomes a reversal in the store-and-forward queue. At start it signs on and resolves whatever
 * its journal left pending.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { EncodeError } from '../protocols/errors.js';
import { IsoMessage, specs, type MessageSpec } from '../protocols/iso8583/index.js';
import { parseTrack2, serviceCode as readServiceCode } from '../protocols/magstripe/index.js';
import { maskPan, maskPansIn } from '../protocols/mask.js';
import { decodeCpm, emvcoCpmScheme, paymentCodeClassifier, type PaymentCodeClassifier } from '../protocols/qr/index.js';
import type { TlvObject } from '../protocols/tlv/index.js';
import type { CardReader } from '../hardware/nfc/card-reader.js';
import { defaultAids, defaultLimits, defaultTimeouts, type TerminalConfig, type Timeouts } from './config.js';
import { localTimeDate, transmissionDateTime } from './clock.js';
import type { ScanEvent, SwipeEvent } from './devices.js';
import { Forwarder, originalDataElements } from './forwarder.js';
import { HostBadMacError, HostLink, HostTimeoutError, HostUnavailableError } from './host-link.js';
import { Journal, type QueueEntry, type TxnKind, type TxnRow } from './journal.js';
import { KernelError } from './kernel/errors.js';
import { processIssuerAnswer } from './kernel/issuer.js';
import { de55Fields, runKernel, type KernelConfig, type KernelResult } from './kernel/kernel.js';
import { silentLogger, type Logger } from './logger.js';
import { batchSlip, cvmOf, receipt, type TenderTotals } from './receipt.js';
import { describeResponse } from './responses.js';
import { NotSignedOnError, SessionKeys } from './session-keys.js';
import { tenderOf, tenders, type Tender } from './tender.js';

export type TransactionState = 'approved' | 'declined' | 'failed' | 'reversed' | 'reversing' | 'cancelled';

export interface TransactionResult {
  id: string;
  kind: TxnKind;
  state: TransactionState;
  responseCode?: string;
  /** Plain English. */
  reason: string;
  /** Stable key for translations. */
  reasonCode: string;
  amount: number;
  maskedPan?: string;
  scheme?: string;
  entryMode: string;
  authCode?: string;
  rrn?: string;
  /** Balance inquiry: the host's DE54 text. */
  balance?: string;
  /** A completion forced offline: its 0220 advice is `stored` in the queue, or already `forwarded` (acknowledged by the host). */
  advice?: 'stored' | 'forwarded';
  receipt?: { merchant: string; customer: string };
}

export interface BatchResult {
  batch: number;
  inBalance: boolean;
  uploaded: number;
  /** Per way of reading (contactless `card`, swiped `magstripe`, scanned `code`); only those with transactions. */
  totals: Partial<Record<Tender, TenderTotals>>;
  responseCode: string;
  slip: string;
}

export type StatusStep = 'present-card' | 'reading-card' | 'enter-pin' | 'processing' | 'approved' | 'declined' | 'failed' | 'reversing' | 'reversed' | 'cancelled';

/**
 * On the card step, what the customer must do differently, as a key a screen can translate (the
 * message says the same in English, for logs): tap the chip card instead of swiping it, swipe or
 * scan again, swipe because the chip could not be used.
 */
export type StatusHint = 'tap-chip' | 'swipe-unreadable' | 'scan-unreadable' | 'chip-failed';

export interface TerminalEvents {
  status: [{ txnId: string; step: StatusStep; message: string; hint?: StatusHint }];
  device: [{ name: 'reader' | 'scanner' | 'msr' | 'host' | 'pinpad'; state: 'ready' | 'gone' | 'busy'; detail?: string }];
}

/** A second transaction was started while one is running. */
export class BusyError extends Error {
  override readonly name = 'BusyError';
}

/** What the customer presented, reduced to what the host needs. Track data and PIN blocks stay here, in memory. */
type Presented =
  | { tender: 'card'; entryMode: '071'; pan: string; expiry?: string; kernel: KernelResult; pinEntered?: boolean }
  | { tender: 'card'; entryMode: '021' | '901'; pan: string; expiry: string; track2: string; pinRequired: boolean; pinEntered?: boolean }
  | { tender: 'code'; entryMode: '031'; code: string; wallet: string; pan?: string; icc?: Array<[string, Buffer]> };

class Outcome extends Error {
  constructor(
    readonly state: TransactionState,
    readonly reasonCode: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const processingCodes: Record<TxnKind, string> = { sale: '000000', preauth: '000000', completion: '000000', refund: '200000', void: '020000', balance: '310000' };
const emvTypes: Record<TxnKind, '00' | '20' | '31'> = { sale: '00', preauth: '00', completion: '00', refund: '20', void: '20', balance: '31' };

export class Terminal extends EventEmitter<TerminalEvents> {
  readonly journal: Journal;
  readonly link: HostLink;
  private readonly keys: SessionKeys;
  private readonly forwarder: Forwarder;
  private readonly logger: Logger;
  private readonly timeouts: Timeouts;
  private readonly kernelConfig: KernelConfig;
  private readonly classifier: PaymentCodeClassifier;
  private readonly spec: MessageSpec;
  private readonly currency: string;
  private busy = false;
  /** Resolves when the transaction or batch close that made the terminal busy has ended (stop() waits for it). */
  private ended: Promise<void> = Promise.resolve();
  /** stop() has begun: nothing new is sent. */
  private stopping = false;
  /** stop() cut off the wait for the host's answer: a request still unanswered is interrupted, not unanswered. */
  private hostWaitCut = false;
  /** The transaction waiting for a card or code, if any (input errors are reported to it). */
  private presenting: string | undefined;
  private abort: AbortController | undefined;
  private signOnRunning: Promise<boolean> | undefined;
  /** When a MAC failure last made the terminal sign on again (performance.now() ms), and the next one waiting. */
  private macSignOnAt = -Infinity;
  private macSignOnTimer: NodeJS.Timeout | undefined;
  private signOnTimer: NodeJS.Timeout | undefined;
  private readonly cleanups: Array<() => void> = [];
  /** A card soft-declined 65 without a PIN (its PAN's SHA-256 only) and until when its next attempt gets online PIN forced. */
  private softDeclineMark: { panHash: string; until: number } | undefined;

  constructor(readonly config: TerminalConfig) {
    super();
    this.logger = config.logger ?? silentLogger();
    this.timeouts = { ...defaultTimeouts, ...config.timeouts };
    this.spec = typeof config.spec === 'object' ? config.spec : specs[config.spec ?? 'default'];
    this.currency = config.currency ?? '156';
    const tmk = Buffer.from(config.tmk, 'hex');
    this.journal = new Journal(config.journal, tmk, config.terminalId, (message) => this.logger.warn(message));
    this.keys = new SessionKeys(tmk);
    this.link = new HostLink({
      host: config.host,
      port: config.port,
      spec: this.spec,
      framing: config.framing ?? 'binary2',
      terminalId: config.terminalId,
      merchantId: config.merchantId,
      nextStan: () => this.journal.nextStan(),
      timeoutMs: this.timeouts.hostMs,
      connectTimeoutMs: this.timeouts.connectMs,
      reconnect: { initialDelayMs: this.timeouts.reconnectInitialMs, maxDelayMs: this.timeouts.reconnectMaxMs },
      echoIntervalMs: this.timeouts.echoIntervalMs,
      logger: this.logger,
    });
    this.link.mac = this.keys;
    this.link.echoAllowed = () => this.keys.ready && !this.busy;
    // A sign-on running (one after an answer's MAC failed) is awaited: a reversal MAC'd under the keys it
    // replaces was refused A0, and the sale stayed charged until the next queue run.
    this.forwarder = new Forwarder(this.journal, this.link, this.logger, () => this.signOnRunning ?? Promise.resolve(this.keys.ready), {
      done: (entry, settled) => this.onForwarded(entry, settled),
      refused: (entry, row) => this.status(entry.txnId, row.state === 'approved' ? 'approved' : 'declined', row.reason ?? 'the host refused it'),
      parked: (entry, reason) => this.onParked(entry, reason),
    });
    this.kernelConfig = {
      aids: config.aids ?? defaultAids,
      terminalCountry: (config.country ?? '156').padStart(4, '0'),
      currency: this.currency.padStart(4, '0'),
      terminalType: '22',
      capabilities: 'E0F0C8',
      limits: { ...defaultLimits, ...config.limits },
      onlinePinCapable: config.pinPad !== undefined,
    };
    this.classifier = paymentCodeClassifier(config.paymentCodeRules);
  }

  /** Connects, signs on, resolves what the journal left pending, starts the queue. */
  async start(): Promise<void> {
    this.recoverJournal();
    this.link.on('connected', () => void this.signOn());
    this.link.on('disconnected', (reason) => {
      this.keys.clear();
      this.config.pinPad?.loadPinKey?.(undefined);
      this.emit('device', { name: 'host', state: 'gone', detail: reason });
    });
    // Keys out of step (the host signed this terminal on again elsewhere, or lost its keys): sign on
    // again for new keys, as a POS does, instead of answering A0 to every request until a restart.
    // At most once per queue retry period (a failure within it is served at its end), and without
    // sending the queue: a host whose MACs keep failing (a corrupt-MAC fault) would otherwise get
    // sign-on, reversal, sign-on… in a tight loop.
    this.link.on('macFailure', (detail) => {
      this.logger.warn({ detail }, 'MAC failure: signing on again for new working keys');
      this.signOnAfterMacFailure();
    });
    this.watchDevices();
    await this.link.start();
    if (this.link.isConnected) await this.signOn();
    this.forwarder.start(this.timeouts.queueRetryMs);
  }

  /**
   * Ends the card step and PIN entry at once; a request on the wire gets up to stopWaitMs for its
   * answer, then the wait is cut off: the request is journaled `interrupted` with its reversal queued
   * (sent at the next start, as the host may have approved it). The journal closes once the
   * operation has ended, or after stopWaitMs more in any case.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort?.abort(new Outcome('cancelled', 'terminal-stopped', 'the terminal stopped'));
    clearTimeout(this.signOnTimer);
    clearTimeout(this.macSignOnTimer);
    this.forwarder.stop();
    await this.operationEnded(stopWaitMs);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.hostWaitCut = true;
    await this.link.stop();
    await this.operationEnded(stopWaitMs);
    this.journal.close();
  }

  /** Waits until the operation in flight (if any) has ended, at most `ms`. */
  private async operationEnded(ms: number): Promise<void> {
    if (!this.busy) return;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([this.ended.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
    clearTimeout(timer);
    if (!ended) this.logger.warn({ waitedMs: ms }, 'stop: the operation in flight has not ended');
  }

  /** Makes the terminal busy; the function returned ends that (and resolves `ended`). */
  private beginOperation(): () => void {
    this.busy = true;
    let end!: () => void;
    this.ended = new Promise<void>((resolve) => (end = resolve));
    return () => {
      this.busy = false;
      end();
    };
  }

  /** Aborts the step that is waiting (card presentment, PIN entry); a request already sent still finishes. */
  cancel(): void {
    this.abort?.abort(new Outcome('cancelled', 'cancelled', 'cancelled by the operator'));
  }

  get signedOn(): boolean {
    return this.keys.ready;
  }

  /** How long a request waits for the host's answer before it is reversed (the configured timeouts merged over the defaults). */
  get hostTimeoutMs(): number {
    return this.timeouts.hostMs;
  }

  history(options: { limit?: number } = {}): TxnRow[] {
    return this.journal.history(options.limit ?? 50);
  }

  transaction(id: string): TxnRow | undefined {
    return this.journal.get(id);
  }

  /** Sends what the store-and-forward queue holds now; true when it is empty. */
  flushQueue(): Promise<boolean> {
    return this.forwarder.flush();
  }

  sale(options: { amount: number; tender?: 'card' | 'code' }): Promise<TransactionResult> {
    return this.run('sale', options.amount, (id) => this.presentedTransaction(id, 'sale', options.amount, options.tender));
  }

  preauth(options: { amount: number }): Promise<TransactionResult> {
    return this.run('preauth', options.amount, (id) => this.presentedTransaction(id, 'preauth', options.amount, 'card'));
  }

  balance(options: { tender?: 'card' } = {}): Promise<TransactionResult> {
    return this.run('balance', 0, (id) => this.presentedTransaction(id, 'balance', 0, options.tender ?? 'card'));
  }

  /** Without an amount: what is left to refund of the original (`refundable`), so after a partial refund the rest. */
  refund(options: { amount?: number; original: string }): Promise<TransactionResult> {
    const original = options.amount === undefined ? this.journal.get(options.original) : undefined;
    return this.run('refund', options.amount ?? (original ? this.refundable(original) : 0), (id) => this.referencedTransaction(id, 'refund', options.original, options.amount));
  }

  void(options: { original: string }): Promise<TransactionResult> {
    return this.run('void', 0, (id) => this.referencedTransaction(id, 'void', options.original));
  }

  /**
   * `offline`: the completion is not sent online but journaled and queued as a 0220 advice, the way
   * an interrupted one is, and forwarded with the store-and-forward queue (for store-and-forward certification).
   */
  completion(options: { original: string; amount?: number; offline?: boolean }): Promise<TransactionResult> {
    return this.run('completion', options.amount ?? 0, (id) => this.referencedTransaction(id, 'completion', options.original, options.amount, options.offline === true));
  }

  // ------------------------------------------------------------------ transaction plumbing

  private async run(kind: TxnKind, amount: number, body: (id: string) => Promise<TransactionResult>): Promise<TransactionResult> {
    if (this.busy) throw new BusyError('a transaction is already running');
    if (!Number.isInteger(amount) || amount < 0 || amount > 999999999999) throw new RangeError('amount must be a whole number of minor units');
    const endOperation = this.beginOperation();
    const id = randomUUID();
    const abort = (this.abort = new AbortController());
    try {
      return await body(id);
    } catch (error) {
      if (!(error instanceof Outcome)) throw error;
      const row = this.journal.get(id);
      if (row) this.journal.update(id, { state: error.state === 'cancelled' ? 'failed' : (error.state as TxnRow['state']), reason: error.reason, reasonCode: error.reasonCode });
      this.status(id, error.state === 'cancelled' ? 'cancelled' : 'failed', error.reason);
      return { id, kind, state: error.state, reason: error.reason, reasonCode: error.reasonCode, amount, entryMode: row?.entryMode ?? '', maskedPan: row?.maskedPan };
    } finally {
      // Ends whatever still listens to this sale's waits (a PIN pad's prompt), so nothing outlives it.
      abort.abort(new Outcome('cancelled', 'finished', 'the transaction has ended'));
      this.abort = undefined;
      await this.releaseCard();
      endOperation();
    }
  }

  /** Deactivates the card so that the next transaction starts with a fresh activation (PN532 InRelease). */
  private async releaseCard(): Promise<void> {
    const reader = this.config.reader as (CardReader & { release?: () => Promise<void> }) | undefined;
    await reader?.release?.().catch((error: Error) => this.logger.warn({ err: error.message }, 'card release failed'));
  }

  private status(txnId: string, step: StatusStep, message: string, hint?: StatusHint): void {
    this.emit('status', hint ? { txnId, step, message, hint } : { txnId, step, message });
  }

  private async presentedTransaction(id: string, kind: TxnKind, amount: number, tender: 'card' | 'code' | undefined): Promise<TransactionResult> {
    if (tender !== 'code' && amount >= this.kernelConfig.limits.contactless && !this.config.msr)
      throw new Outcome('failed', 'over-contactless-limit', 'the amount is at or above the contactless limit');
    this.presenting = id;
    const presented = await this.present(id, kind, amount, tender).finally(() => (this.presenting = undefined));
    const request = this.link.newMessage(kind === 'preauth' ? '0100' : '0200');
    this.setCommon(request, kind, amount, presented.entryMode);
    if (kind === 'preauth') request.set('25', '06');
    if (presented.tender === 'card') {
      request.set('2', presented.pan);
      if (presented.expiry) request.set('14', presented.expiry);
      if (presented.entryMode === '071') {
        const k = presented.kernel;
        if (k.psn) request.set('23', k.psn.padStart(3, '0'));
        if (k.track2) request.set('35', k.track2);
        for (const [path, value] of de55Fields(k)) request.set(path, value);
      } else request.set('35', presented.track2);
    } else {
      request.set('48.QR', presented.code).set('48.WS', presented.wallet);
      if (presented.pan) request.set('2', presented.pan);
      for (const [path, value] of presented.icc ?? []) request.set(path, value);
    }
    const needsPin =
      presented.tender === 'card' &&
      (presented.entryMode === '071' ? presented.kernel.cvm === 'online-pin' : (presented.pinRequired || (pinForcible(kind) && this.softDeclined(presented.pan))) && this.config.pinPad !== undefined);
    if (needsPin && presented.tender === 'card') await this.enterPin(id, request, presented.pan, amount, presented);
    const row = this.insert(id, kind, request, presented, amount);
    return this.exchange(row, request, presented);
  }

  /**
   * Why `original` cannot be refunded, voided or completed now, or undefined when it can (the page
   * offers Void by this, and refuses a refund's amount by it before asking for the supervisor's PIN).
   * With a refund's `amount`: also when it is above what is left to refund; with a completion's, when it is above the pre-authorization.
   */
  referenceRefusal(kind: 'refund' | 'void' | 'completion', original: TxnRow, amount?: number): { reasonCode: string; reason: string } | undefined {
    const fits = { refund: ['sale', 'completion'], void: ['sale', 'completion'], completion: ['preauth'] }[kind];
    if (!fits.includes(original.kind) || original.state !== 'approved' || original.voidedBy)
      return { reasonCode: 'original-not-eligible', reason: `a ${original.kind} that is ${original.voidedBy ? 'voided' : original.state} cannot be ${kind === 'void' ? 'voided' : kind === 'refund' ? 'refunded' : 'completed'}` };
    if (kind === 'void' && original.batch !== this.journal.batch) return { reasonCode: 'original-settled', reason: 'the original is in a closed batch: refund it instead' };
    // A stored (--offline) completion is unknown to the host until its advice is acknowledged: a void
    // or refund sent first would be answered 25. Refused rather than flushing here: the queue is
    // retried on its own (sign-on, every queueRetryMs), and the page must not offer it meanwhile either.
    const advice = kind !== 'completion' && original.kind === 'completion' ? this.journal.queueEntry(original.id, 'advice') : undefined;
    if (advice && !advice.done && !advice.parked)
      return { reasonCode: 'advice-pending', reason: 'the completion’s advice has not reached the host yet: try again once the store-and-forward queue has sent it' };
    // A void not answered or being reversed may still stand at the host: another void or a refund could give the amount back twice.
    // Not answered yet: its answer settles it (approved: the original is voided), no reversal is coming.
    const voidInDoubt = kind !== 'completion' ? this.journal.voidsInDoubt(original.id)[0] : undefined;
    if (voidInDoubt?.state === 'pending')
      return { reasonCode: 'void-pending', reason: 'a void of the original is waiting for its outcome: wait for it, then try again if the original still stands' };
    if (voidInDoubt)
      return { reasonCode: 'void-unresolved', reason: 'a void of the original is being reversed: try again once the host has acknowledged its reversal' };
    // A void gives back the whole amount: after a refund that would pay the refunded part twice.
    if (kind === 'void' && this.journal.standingRefunds(original.id).length > 0)
      return { reasonCode: 'already-refunded', reason: 'the original has been (partly) refunded: refund the rest instead of voiding' };
    const major = (minor: number) => (minor / 100).toFixed(2);
    // The host releases the hold at the first completion and declines another 12; one still being
    // reversed may stand at the host, so it counts until the reversal is acknowledged.
    // More than was held can never be completed: said first, whatever else stands.
    if (kind === 'completion' && amount !== undefined && amount > original.amount) return { reasonCode: 'amount-exceeds-original', reason: amountAboveOriginal };
    const completed = kind === 'completion' ? this.journal.standingCompletions(original.id)[0] : undefined;
    if (completed)
      return {
        reasonCode: 'already-completed',
        reason: completed.state !== 'approved'
          ? completed.state === 'reversing'
            ? 'the pre-authorization’s completion is still being reversed: complete it again once the host has acknowledged the reversal'
            : 'the pre-authorization’s completion is waiting for its outcome: wait for it (interrupted, it is sent as an advice, never reversed)'
          : `the pre-authorization is already completed (${major(completed.amount)}${completed.voidedBy ? ', voided since: the hold is not given back' : ''})`,
      };
    if (kind === 'refund' && amount !== undefined) {
      const left = this.refundable(original);
      // Nothing left: refused, never a zero refund.
      if (amount > left || left <= 0) return { reasonCode: 'amount-exceeds-refundable', reason: `the refund ${major(amount)} is above what is left to refund of the original: ${major(left)} of ${major(original.amount)}` };
    }
    return undefined;
  }

  /**
   * What is left to refund of a sale or completion: its amount less its refunds that stand or may
   * still stand at the host (being reversed), so two refunds never give back more than was paid.
   */
  refundable(original: TxnRow): number {
    return original.amount - this.journal.standingRefunds(original.id).reduce((sum, refund) => sum + refund.amount, 0);
  }

  private async referencedTransaction(id: string, kind: 'refund' | 'void' | 'completion', originalId: string, amount?: number, offline = false): Promise<TransactionResult> {
    const original = this.journal.get(originalId);
    if (!original) throw new Outcome('failed', 'original-not-found', 'the original transaction is not in this terminal’s journal');
    // A refund without an amount takes what is left of its original (one rule, here: stdin, the page and pos refund alike).
    const asked = kind === 'refund' ? (amount ?? this.refundable(original)) : kind === 'completion' ? amount : undefined;
    const refusal = this.referenceRefusal(kind, original, asked);
    if (refusal) throw new Outcome('failed', refusal.reasonCode, refusal.reason);
    const value = kind === 'void' ? original.amount : (asked ?? original.amount);
    if (kind !== 'void' && (value <= 0 || value > original.amount)) throw new Outcome('failed', 'amount-exceeds-original', amountAboveOriginal);
    const stored = this.journal.request(originalId);
    const request = this.link.newMessage(kind === 'completion' ? '0220' : '0200');
    this.setCommon(request, kind, value, original.entryMode);
    for (const path of ['2', '14', '48.WS']) if (stored[path]) request.set(path, stored[path]);
    request.set('61.1', String(original.batch).padStart(6, '0')).set('61.2', original.stan).set('61.3', original.transmitted.slice(0, 4));
    if (kind === 'completion') {
      request.set('25', '06').set('90', originalDataElements(original.mti, original.stan, original.transmitted));
      if (original.authCode) request.set('38', original.authCode);
    } else if (original.rrn) request.set('48.OR', original.rrn);
    const presented = { maskedPan: original.maskedPan, scheme: original.scheme, tender: original.tender };
    const row = this.journal.insert(
      { id, kind, mti: request.mti, tender: original.tender, amount: value, currency: this.currency, stan: request.getString('11')!, transmitted: request.getString('7')!, batch: this.journal.batch, entryMode: original.entryMode, maskedPan: presented.maskedPan, scheme: presented.scheme, originalId },
      replayable(request),
    );
    if (offline) return this.offlineCompletion(row);
    const result = await this.exchange(row, request, undefined);
    if (kind === 'void' && result.state === 'approved') this.journal.update(originalId, { voidedBy: id });
    return result;
  }

  private setCommon(request: IsoMessage, kind: TxnKind, amount: number, entryMode: string): void {
    const local = localTimeDate();
    request.set('3', processingCodes[kind]).set('4', amount).set('12', local.time).set('13', local.date).set('22', entryMode).set('25', '00').set('49', this.currency);
    request.set('60.1', '00').set('60.2', String(this.journal.batch).padStart(6, '0'));
  }

  private insert(id: string, kind: TxnKind, request: IsoMessage, presented: Presented, amount: number): TxnRow {
    const kernel = presented.tender === 'card' && presented.entryMode === '071' ? presented.kernel : undefined;
    return this.journal.insert(
      {
        id, kind, mti: request.mti, tender: presented.tender, amount, currency: this.currency, stan: request.getString('11')!, transmitted: request.getString('7')!,
        batch: this.journal.batch, entryMode: presented.entryMode, maskedPan: presented.pan ? maskPan(presented.pan) : undefined,
        scheme: kernel?.scheme ?? (presented.tender === 'code' ? presented.wallet : presented.pan ? schemeOfPan(presented.pan) : undefined),
        aid: kernel?.aid, label: kernel?.label,
      },
      replayable(request),
    );
  }

  /** Sends a journaled request and settles its outcome; anything not known for sure is reversed. */
  private async exchange(row: TxnRow, request: IsoMessage, presented: Presented | undefined): Promise<TransactionResult> {
    // The card step ended as stop() began (a kernel read it does not abort): nothing is sent any more.
    if (this.stopping) return this.finish(row.id, 'failed', 'terminal-stopped', 'the terminal stopped before the transaction was sent; nothing was charged');
    this.status(row.id, 'processing', 'waiting for the host');
    if (!(await this.sessionReady())) return this.finish(row.id, 'failed', 'host-unavailable', 'the host is not reachable or refused sign-on; nothing was charged');
    let answer: IsoMessage;
    try {
      answer = await this.link.send(request);
    } catch (error) {
      if (error instanceof HostUnavailableError || error instanceof NotSignedOnError)
        return this.finish(row.id, 'failed', 'host-unavailable', `${error.message}; nothing was charged`);
      // The request is packed before any byte is written: it never left.
      if (error instanceof EncodeError) return this.finish(row.id, 'failed', 'request-unencodable', `the request could not be encoded (${error.message}); nothing was sent`);
      if (error instanceof HostTimeoutError) {
        this.pinSent(presented);
        // Cut off by stop(), not unanswered: the host may have it (approved, even). Settled as one found pending at start.
        if (this.hostWaitCut) return this.interrupted(row, presented);
        if (error instanceof HostBadMacError) return this.reverse(row, 'bad-mac', `no usable answer from the host: ${error.message}`, presented);
        return this.reverse(row, 'no-answer', `no answer from the host: ${error.message}`, presented);
      }
      throw error;
    }
    this.pinSent(presented);
    const code = answer.getString('39');
    // A MACed answer without a response code says nothing about the outcome: as good as none.
    if (code === undefined) return this.reverse(row, 'no-answer', 'the host answered without a response code (DE39)', presented);
    const words = describeResponse(code);
    const updates = { responseCode: code, authCode: answer.getString('38'), rrn: answer.getString('37') };
    this.journal.update(row.id, updates);
    if (code !== '00') {
      if (code === '65' && pinForcible(row.kind) && presented?.tender === 'card' && !presented.pinEntered && this.config.pinPad) this.softDecline(presented.pan);
      return this.finish(row.id, 'declined', words.reasonCode, words.reason, { presented });
    }
    if (presented?.tender === 'card' && presented.entryMode === '071') {
      const issuer = await processIssuerAnswer(presented.kernel, { responseCode: code, issuerAuthenticationData: answer.getBuffer('55.91') }, this.config.reader);
      this.journal.update(row.id, { tvr: presented.kernel.tvr.hex(), tsi: presented.kernel.tsi.hex() });
      if (!issuer.ok) return this.reverse(row, issuer.reasonCode, issuer.reason, presented);
    }
    const stored = this.journal.request(row.id);
    if (updates.rrn) stored['37'] = updates.rrn;
    if (updates.authCode) stored['38'] = updates.authCode;
    this.journal.updateRequest(row.id, stored);
    return this.finish(row.id, 'approved', 'approved', 'approved', { presented, balance: answer.getString('54') });
  }

  /**
   * A 65 (soft decline: the issuer wants cardholder verification) on a card sent without a PIN: the
   * same card's next attempt within two minutes gets online PIN forced — the "tap again and enter
   * PIN" the cashier is told — and then carries the PIN block the issuer asked for.
   */
  private softDecline(pan: string): void {
    this.softDeclineMark = { panHash: panHash(pan), until: Date.now() + softDeclineWindowMs };
  }

  /**
   * True while this card's soft decline stands: asking does not use it up (a cancelled PIN, or a sale
   * that fails before sending, leaves it); only a PIN block sent for the card does (pinSent).
   */
  private softDeclined(pan: string): boolean {
    const marked = this.softDeclineMark;
    if (marked && Date.now() > marked.until) this.softDeclineMark = undefined;
    return this.softDeclineMark !== undefined && panHash(pan) === this.softDeclineMark.panHash;
  }

  /** A request left with the PIN block the issuer asked for: the card's soft decline is answered. */
  private pinSent(presented: Presented | undefined): void {
    if (presented?.tender === 'card' && presented.pinEntered && this.softDeclined(presented.pan)) this.softDeclineMark = undefined;
  }

  /**
   * A completion forced offline: its journaled request is queued as an advice (queueAdvice, as an
   * interrupted completion at start) and the queue is sent now if the host is there; otherwise it
   * stays stored and goes with the queue after sign-on and every `queueRetryMs`.
   */
  private async offlineCompletion(row: TxnRow): Promise<TransactionResult> {
    this.queueAdvice(row, 'stored offline: the completion is sent as an advice');
    this.status(row.id, 'processing', 'stored offline: forwarding the completion advice');
    await this.forwarder.flush();
    // A queue run already going when the advice was queued did not see it: one more, only then.
    if (this.journal.queueEntry(row.id, 'advice')?.attempts === 0) await this.forwarder.flush();
    const entry = this.journal.queueEntry(row.id, 'advice')!;
    const now = this.journal.get(row.id)!;
    // Parked (it can never be encoded): the forwarder failed the row; nothing was sent, nothing is stored.
    if (now.state === 'failed') return this.finish(row.id, 'failed', now.reasonCode ?? 'request-unencodable', now.reason ?? 'the completion advice could not be encoded; nothing was sent', { keepState: true });
    // Sent and refused for good: the forwarder declined the row (advice-declined).
    if (now.state === 'declined') return { ...this.finish(row.id, 'declined', now.reasonCode ?? 'advice-declined', now.reason ?? 'the host declined the completion advice', { keepState: true }), advice: 'forwarded' };
    const advice = entry.done ? 'forwarded' : 'stored';
    const reason = advice === 'forwarded' ? 'stored offline: the completion advice was forwarded and acknowledged' : 'stored offline: the completion advice waits in the store-and-forward queue until the host acknowledges it';
    return { ...this.finish(row.id, 'approved', 'advice-queued', reason, { keepState: true }), advice };
  }

  /** Queues a journaled completion's request as a 0220 advice; shown approved while it waits (a refusal declines it: Forwarder). */
  private queueAdvice(row: TxnRow, reason: string): void {
    this.journal.enqueue(row.id, 'advice', this.journal.request(row.id));
    this.journal.update(row.id, { state: 'approved', reasonCode: 'advice-queued', reason });
  }

  /** Queues the reversal of a request whose outcome is unknown and tries to send it now. */
  private async reverse(row: TxnRow, reasonCode: string, reason: string, presented: Presented | undefined): Promise<TransactionResult> {
    this.status(row.id, 'reversing', `${reason}: reversing`);
    this.queueReversal(row, reasonCode, reason);
    await this.forwarder.flush();
    const now = this.journal.get(row.id)!;
    // Refused for good on the spot (Forwarder): the transaction stands, approved, and says why.
    if (now.state === 'approved') return this.finish(row.id, 'approved', now.reasonCode ?? reasonCode, now.reason ?? reason, { presented, keepState: true });
    return this.finish(row.id, now.state === 'reversed' ? 'reversed' : 'reversing', reasonCode, reason, { presented, keepState: true });
  }

  private queueReversal(row: TxnRow, reasonCode: string, reason: string): void {
    const original = this.journal.request(row.id);
    const fields: Record<string, string> = { '7': transmissionDateTime(), '11': this.journal.nextStan(), '90': originalDataElements(row.mti, row.stan, row.transmitted) };
    for (const path of ['2', '3', '4', '14', '22', '23', '25', '49', '60.1', '60.2']) if (original[path] !== undefined) fields[path] = original[path];
    this.journal.enqueue(row.id, 'reversal', fields);
    this.journal.update(row.id, { state: 'reversing', reasonCode, reason });
    this.logger.warn({ txnId: row.id, reasonCode }, 'reversal queued');
  }

  private finish(
    id: string,
    state: TransactionState,
    reasonCode: string,
    reason: string,
    extra: { presented?: Presented; balance?: string; keepState?: boolean } = {},
  ): TransactionResult {
    const current = this.journal.get(id)!;
    // Once a reversal is queued the reversal wins: an answer that lands after it changes nothing.
    if (!extra.keepState && (current.state === 'reversing' || current.state === 'reversed') && state !== current.state)
      return this.finish(id, current.state, current.reasonCode ?? reasonCode, current.reason ?? reason, { ...extra, keepState: true });
    const kernel = extra.presented?.tender === 'card' && extra.presented.entryMode === '071' ? extra.presented.kernel : undefined;
    // The kernel's TVR/TSI as printed, journaled for every outcome (a reprint of a decline prints them too).
    const cardResults = kernel ? { tvr: kernel.tvr.hex(), tsi: kernel.tsi.hex() } : {};
    // An approved balance inquiry's DE54 is journaled too, so a reprint prints the balance.
    const kept = { reasonCode, reason, ...cardResults, ...(extra.balance ? { balance: extra.balance } : {}) };
    const row = this.journal.update(id, extra.keepState ? kept : { state: state as TxnRow['state'], ...kept });
    const slip = {
      merchantId: this.config.merchantId, terminalId: this.config.terminalId, kind: row.kind, state, amount: row.amount, currency: row.currency, at: new Date(row.createdAt), stan: row.stan,
      batch: row.batch, entryMode: row.entryMode, maskedPan: row.maskedPan, scheme: row.scheme, aid: row.aid, label: row.label, tvr: row.tvr,
      tsi: row.tsi, authCode: row.authCode, rrn: row.rrn, responseCode: row.responseCode, reason, reasonCode, balance: row.balance,
      original: row.originalId ? this.journal.get(row.originalId) : undefined,
      // Only an approval says the issuer accepted the PIN: a 55 or 75 decline carried one too.
      pinVerified: state === 'approved' && extra.presented?.tender === 'card' && extra.presented.pinEntered === true,
      // From the journaled request, as the page's slip (and a reprint) reads it: a tap under the CVM limit signs nothing.
      cvm: cvmOf(this.journal.request(id)),
    };
    this.status(id, state === 'cancelled' ? 'failed' : state, reason);
    return {
      id, kind: row.kind, state, responseCode: row.responseCode, reason, reasonCode, amount: row.amount, maskedPan: row.maskedPan, scheme: row.scheme, entryMode: row.entryMode,
      authCode: row.authCode, rrn: row.rrn, ...(extra.balance ? { balance: extra.balance } : {}),
      receipt: { merchant: receipt(slip, 'merchant'), customer: receipt(slip, 'customer') },
    };
  }

  /**
   * A reversal repeats fields of its original's request (DE90 and its own DE7/DE11 are built here)
   * and an advice is that request itself, so an entry that cannot be encoded means the original
   * could not be either: it never left.
   */
  private onParked(entry: QueueEntry, reason: string): void {
    const row = this.journal.get(entry.txnId);
    if (!row || (entry.kind === 'reversal' ? row.state !== 'reversing' : row.reasonCode !== 'advice-queued')) return;
    this.journal.update(entry.txnId, { state: 'failed', reasonCode: 'request-unencodable', reason: `the request could not be encoded (${reason}); nothing was sent` });
    this.status(entry.txnId, 'failed', 'the request could not be encoded; nothing was sent');
  }

  private onForwarded(entry: QueueEntry, settled: boolean): void {
    if (settled) this.status(entry.txnId, 'reversed', 'the reversal was acknowledged');
  }

  /** At start: every transaction still pending was maybe sent, maybe answered. */
  private recoverJournal(): void {
    for (const id of this.journal.settleAcknowledgedReversals()) this.logger.info({ txnId: id }, 'reversal acknowledged before the last stop: row settled');
    for (const row of this.journal.unresolved()) this.interrupt(row);
  }

  /**
   * A request whose outcome a stop left unknown (interrupted): a balance inquiry has nothing to undo, a
   * completion is sent again as an advice, anything else is reversed; queued entries go at the next sign-on.
   */
  private interrupt(row: TxnRow): void {
    if (row.kind === 'balance') this.journal.update(row.id, { state: 'failed', reasonCode: 'interrupted', reason: 'interrupted before the answer; nothing to undo' });
    else if (row.kind === 'completion') this.queueAdvice(row, 'interrupted: the completion is sent as an advice');
    else this.queueReversal(row, 'interrupted', 'the terminal stopped before the outcome was known');
  }

  /** stop() cut off the wait for this request's answer: journaled as interrupted, and the result says so. */
  private interrupted(row: TxnRow, presented: Presented | undefined): TransactionResult {
    this.interrupt(row);
    const now = this.journal.get(row.id)!;
    return this.finish(row.id, now.state as TransactionState, now.reasonCode!, now.reason!, { presented, keepState: true });
  }

  // ------------------------------------------------------------------ host session

  private signOnAfterMacFailure(): void {
    if (this.macSignOnTimer) return; // one is already due
    const signOn = () => {
      this.macSignOnTimer = undefined;
      this.macSignOnAt = performance.now();
      void this.signOn({ sendQueue: false }); // requests from now on wait for it (sessionReady)
    };
    const wait = this.macSignOnAt + this.timeouts.queueRetryMs - performance.now();
    if (wait <= 0) return signOn();
    this.macSignOnTimer = setTimeout(signOn, wait);
    this.macSignOnTimer.unref();
  }

  /** Working keys to MAC a request with: a sign-on in progress (one after a MAC failure) is awaited, none is started. */
  private sessionReady(): Promise<boolean> {
    if (this.signOnRunning) return this.signOnRunning;
    return this.keys.ready ? Promise.resolve(true) : this.signOn();
  }

  /** Sign-on (0800, DE70 001): installs the TPK/TAK from DE96; then sends the queue (unless told not to). */
  private signOn(options: { sendQueue: boolean } = { sendQueue: true }): Promise<boolean> {
    this.signOnRunning ??= this.doSignOn(options.sendQueue).finally(() => (this.signOnRunning = undefined));
    return this.signOnRunning;
  }

  private async doSignOn(sendQueue: boolean): Promise<boolean> {
    clearTimeout(this.signOnTimer);
    try {
      const answer = await this.link.send(this.link.newMessage('0800').set('70', '001'), this.timeouts.hostMs);
      const de96 = answer.getBuffer('96');
      if (answer.getString('39') !== '00' || !de96) throw new Error(`sign-on answered ${answer.getString('39') ?? 'no response code'}${de96 ? '' : ' without keys (DE96)'}`);
      this.keys.install(de96);
      this.config.pinPad?.loadPinKey?.(this.keys.pinKey);
      this.logger.info('signed on: working keys installed');
      this.emit('device', { name: 'host', state: 'ready', detail: `${this.config.host}:${this.config.port}` });
      if (sendQueue) void this.forwarder.flush();
      return true;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'sign-on failed');
      this.emit('device', { name: 'host', state: 'gone', detail: `sign-on failed: ${(error as Error).message}` });
      if (this.link.isConnected) {
        this.signOnTimer = setTimeout(() => void this.signOn(), this.timeouts.reconnectInitialMs);
        this.signOnTimer.unref();
      }
      return false;
    }
  }

  // ------------------------------------------------------------------ presentment

  private watchDevices(): void {
    const listen = (emitter: EventEmitter, event: string, listener: (detail?: unknown) => void) => {
      emitter.on(event, listener);
      this.cleanups.push(() => emitter.off(event, listener));
    };
    const watch = (emitter: EventEmitter | undefined, name: 'reader' | 'scanner' | 'msr', events: Record<string, 'ready' | 'gone'>) => {
      if (!emitter) return;
      for (const [event, state] of Object.entries(events))
        listen(emitter, event, (detail) => this.emit('device', { name, state, detail: detail instanceof Error ? detail.message : undefined }));
    };
    // A garbled swipe or an unterminated scan is bad input from a device that is still there: a status, not a loss.
    const inputErrors = (emitter: EventEmitter | undefined, name: 'scanner' | 'msr') =>
      emitter && listen(emitter, 'error', (detail) => this.inputError(name, detail instanceof Error ? detail.message : String(detail)));
    watch(this.config.reader as unknown as EventEmitter | undefined, 'reader', { error: 'gone' });
    const device = (this.config.reader as { device?: EventEmitter } | undefined)?.device;
    watch(device, 'reader', { ready: 'ready', disconnected: 'gone' });
    for (const scanner of this.config.scanners ?? []) {
      watch(scanner, 'scanner', { open: 'ready', gone: 'gone' });
      inputErrors(scanner, 'scanner');
    }
    watch(this.config.msr, 'msr', { open: 'ready', gone: 'gone' });
    inputErrors(this.config.msr, 'msr');
  }

  private inputError(name: 'scanner' | 'msr', message: string): void {
    const what = name === 'msr' ? 'the swipe' : 'the scan';
    this.logger.warn({ device: name, err: maskPansIn(message) }, 'device input could not be read');
    if (this.presenting) this.status(this.presenting, 'present-card', `${what} could not be read: try again`, name === 'msr' ? 'swipe-unreadable' : 'scan-unreadable');
  }

  /** Waits for a tap, a swipe or a scanned code (as the tender allows) and turns it into what the host needs. */
  private async present(id: string, kind: TxnKind, amount: number, tender: 'card' | 'code' | undefined): Promise<Presented> {
    const signal = AbortSignal.any([this.abort!.signal, AbortSignal.timeout(this.timeouts.presentMs)]);
    let reader = tender === 'code' ? undefined : this.config.reader;
    const msr = tender === 'code' ? undefined : this.config.msr;
    const scanners = tender === 'card' ? [] : (this.config.scanners ?? []);
    if (!reader && !msr && scanners.length === 0) throw new Outcome('failed', 'no-device', `no device can take a ${tender ?? 'payment'} here`);
    let chipFailed = false;
    this.status(id, 'present-card', tender === 'code' ? 'show the payment code' : 'tap, swipe or show the payment code');
    for (;;) {
      const event = await this.nextPresentment(reader, msr, scanners, signal);
      if (event.type === 'tap') {
        this.status(id, 'reading-card', 'reading the card: keep it on the reader');
        try {
          const result = await runKernel(this.config.reader!, this.kernelConfig, { amount, type: emvTypes[kind], forceOnlinePin: pinForcible(kind) ? (pan) => this.softDeclined(pan) : undefined });
          if (result.decision === 'AAC') throw new Outcome('declined', 'card-declined', 'the card declined the transaction');
          return { tender: 'card', entryMode: '071', pan: result.pan, expiry: result.expiry, kernel: result };
        } catch (error) {
          if (!(error instanceof KernelError)) throw error;
          // EMV fallback to the stripe only when the chip could not be used at all; bad card data ends the sale.
          const fallback = msr && (error.reasonCode === 'no-application' || error.reasonCode === 'card-status');
          if (!fallback) throw new Outcome('failed', error.reasonCode, error.reason);
          chipFailed = true;
          reader = undefined; // the same card would only fail again: wait for the swipe
          this.status(id, 'present-card', `${error.reason}: swipe the card`, 'chip-failed');
        }
      } else if (event.type === 'swipe') {
        const swiped = this.swiped(event.swipe, chipFailed);
        if (typeof swiped !== 'string') return swiped;
        // Nothing was sent: the cashier swipes again (or taps) within the same wait, as after a garbled swipe.
        if (swiped === 'tap-chip') this.status(id, 'present-card', 'this card has a chip: tap it instead', 'tap-chip');
        else this.status(id, 'present-card', `${swiped}: swipe again`, 'swipe-unreadable');
      } else return this.scanned(event.scan);
    }
  }

  /** What to send for a swipe; 'tap-chip' for a chip card that can be tapped; otherwise why the swipe is unusable. */
  private swiped(swipe: SwipeEvent, chipFailed: boolean): Presented | string {
    if (!swipe.track2) return 'the swipe had no track 2';
    let track;
    try {
      track = parseTrack2(swipe.track2.startsWith(';') ? swipe.track2 : `;${swipe.track2}?`);
    } catch (error) {
      this.logger.warn({ device: 'msr', err: maskPansIn((error as Error).message) }, 'swipe could not be read');
      return 'the swipe could not be read';
    }
    const service = readServiceCode(track.serviceCode);
    if (service.requiresChip && this.config.reader && !chipFailed) return 'tap-chip';
    return { tender: 'card', entryMode: chipFailed ? '901' : '021', pan: track.pan, expiry: track.expiry, track2: `${track.pan}=${track.expiry}${track.serviceCode}${track.discretionary}`, pinRequired: service.pinRequired };
  }

  private scanned(scan: ScanEvent): Presented {
    const code = scan.text.trim();
    const found = this.classifier.classify(code);
    if (found.scheme === undefined) throw new Outcome('failed', 'code-not-recognised', `the scanned code is not a payment code this terminal accepts (${found.reason})`);
    if (found.scheme !== emvcoCpmScheme) return { tender: 'code', entryMode: '031', code, wallet: found.scheme };
    let cpm: TlvObject;
    try {
      cpm = decodeCpm(code);
    } catch (error) {
      throw new Outcome('failed', 'code-not-recognised', `the EMVCo code could not be read: ${(error as Error).message}`);
    }
    const common = (cpm['62'] ?? {}) as TlvObject;
    const pan = typeof common['5A'] === 'string' ? common['5A'].replace(/F+$/i, '') : undefined;
    if (pan !== undefined && !/^\d{12,19}$/.test(pan)) throw new Outcome('failed', 'code-not-recognised', 'the EMVCo code’s account number (5A) is not a card number');
    const transparent = common['64'];
    const icc: Array<[string, Buffer]> = transparent && typeof transparent === 'object' ? Object.entries(transparent).filter((e): e is [string, string] => typeof e[1] === 'string').map(([tag, value]) => [`55.${tag}`, Buffer.from(value, 'hex')]) : [];
    return { tender: 'code', entryMode: '031', code, wallet: emvcoCpmScheme, pan, icc };
  }

  private nextPresentment(
    reader: CardReader | undefined,
    msr: TerminalConfig['msr'],
    scanners: NonNullable<TerminalConfig['scanners']>,
    signal: AbortSignal,
  ): Promise<{ type: 'tap' } | { type: 'swipe'; swipe: SwipeEvent } | { type: 'scan'; scan: ScanEvent }> {
    return new Promise((resolve, reject) => {
      const local = new AbortController();
      const done = () => {
        local.abort();
        msr?.off('swipe', onSwipe);
        for (const s of scanners) s.off('scan', onScan);
        signal.removeEventListener('abort', onAbort);
      };
      const onSwipe = (swipe: SwipeEvent) => (done(), resolve({ type: 'swipe', swipe }));
      const onScan = (scan: ScanEvent) => (done(), resolve({ type: 'scan', scan }));
      const onAbort = () => {
        done();
        reject(signal.reason instanceof Outcome ? signal.reason : new Outcome('failed', 'presentment-timeout', 'no card or code was presented in time'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort);
      msr?.on('swipe', onSwipe);
      for (const s of scanners) s.on('scan', onScan);
      reader?.waitForCard({ signal: local.signal }).then(
        () => (done(), resolve({ type: 'tap' })),
        (error: Error) => {
          if (local.signal.aborted) return;
          done();
          reject(new Outcome('failed', 'reader-error', `the card reader failed: ${error.message}`));
        },
      );
    });
  }

  private async enterPin(id: string, request: IsoMessage, pan: string, amount: number, presented: Presented): Promise<void> {
    const pinPad = this.config.pinPad;
    if (!pinPad) return;
    this.status(id, 'enter-pin', 'enter your PIN');
    const signal = AbortSignal.any([this.abort!.signal, AbortSignal.timeout(this.timeouts.pinMs)]);
    const aborted = () => (signal.reason instanceof Outcome ? signal.reason : new Outcome('failed', 'pin-timeout', 'no PIN was entered in time'));
    let onAbort: (() => void) | undefined;
    // Raced against the signal too, so that a pad which ignores it cannot hold the terminal forever.
    const result = await Promise.race([
      pinPad.requestPin({ pan, amount, signal }),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(aborted());
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ])
      .catch((error: unknown) => {
        if (signal.aborted) throw aborted();
        throw error instanceof Outcome ? error : new Outcome('failed', 'pin-error', `the PIN pad failed: ${(error as Error).message}`);
      })
      .finally(() => signal.removeEventListener('abort', onAbort!));
    if ('cancelled' in result) throw new Outcome('cancelled', 'pin-cancelled', 'PIN entry was cancelled');
    request.set('52', result.pinBlock).set('26', '12');
    if (result.ksn) request.set('53', result.ksn); // no DE53: the block is under the TPK
    if (presented.tender === 'card') presented.pinEntered = true;
    if (presented.tender === 'card' && presented.entryMode === '071') presented.kernel.tvr.set('onlinePinEntered');
  }

  // ------------------------------------------------------------------ batch

  /** Settlement: 0500 with the batch totals; on 95 uploads every transaction (0320) and closes with 0500 60.1 = 01. */
  async batchClose(): Promise<BatchResult> {
    if (this.busy) throw new BusyError('a transaction is running');
    const endOperation = this.beginOperation();
    try {
      if (!(await this.sessionReady())) throw new HostUnavailableError('the host is not reachable: the batch stays open');
      if (!(await this.forwarder.flush())) throw new HostUnavailableError('reversals or advices are still waiting for the host: the batch stays open');
      const batch = this.journal.batch;
      const settled = this.journal.settled(batch).filter((t) => t.kind === 'sale' || t.kind === 'completion' || t.kind === 'refund');
      const totals: BatchResult['totals'] = {};
      for (const tender of tenders) if (settled.some((t) => tenderOf(t) === tender)) totals[tender] = { salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 };
      const sum = { salesCount: 0, salesAmount: 0, refundsCount: 0, refundsAmount: 0 };
      for (const t of settled) {
        const tender = totals[tenderOf(t)]!;
        const [count, amount] = t.kind === 'refund' ? (['refundsCount', 'refundsAmount'] as const) : (['salesCount', 'salesAmount'] as const);
        tender[count]++;
        tender[amount] += t.amount;
        sum[count]++;
        sum[amount] += t.amount;
      }
      const settlement = (after: boolean) => {
        const net = sum.salesAmount - sum.refundsAmount;
        return this.link
          .newMessage('0500')
          .set('60.1', after ? '01' : '00')
          .set('60.2', String(batch).padStart(6, '0'))
          .set('74', sum.salesCount)
          .set('86', sum.salesAmount)
          .set('76', sum.refundsCount)
          .set('88', sum.refundsAmount)
          .set('97', `${net < 0 ? 'D' : 'C'}${String(Math.abs(net)).padStart(16, '0')}`);
      };
      let answer = await this.link.send(settlement(false));
      let code = answer.getString('39') ?? '';
      let uploaded = 0;
      const inBalance = code === '00';
      if (code === '95') {
        for (const t of settled) {
          const upload = this.link.newMessage('0320');
          const stored = this.journal.request(t.id);
          for (const [path, value] of Object.entries(stored)) if (path !== '7' && path !== '11') upload.set(path, value);
          upload.set('60.1', '00').set('60.2', String(batch).padStart(6, '0'));
          upload.set('61.1', String(t.batch).padStart(6, '0')).set('61.2', t.stan).set('61.3', t.transmitted.slice(0, 4));
          const ack = await this.link.send(upload);
          if (ack.getString('39') !== '00') throw new Error(`batch upload of ${t.id} answered ${ack.getString('39')}`);
          uploaded++;
        }
        answer = await this.link.send(settlement(true));
        code = answer.getString('39') ?? '';
      }
      if (code !== '00') throw new Error(`settlement answered ${code} (${describeResponse(code).reason}): the batch stays open`);
      this.journal.nextBatch();
      const slip = batchSlip({ merchantId: this.config.merchantId, terminalId: this.config.terminalId, batch, currency: this.currency, at: new Date(), inBalance, uploaded, totals });
      return { batch, inBalance, uploaded, totals, responseCode: code, slip };
    } finally {
      endOperation();
    }
  }
}

const softDeclineWindowMs = 120_000;

/** How long stop() waits for the operation in flight: for a host answer on its way, then for the operation to end after the wait is cut off. */
const stopWaitMs = 2000;

const amountAboveOriginal = 'the amount must be above zero and at most the original amount';

/** Only a purchase (sale, pre-auth) is soft-declined into a PIN retry; a balance inquiry asks for no PIN. */
const pinForcible = (kind: TxnKind) => kind === 'sale' || kind === 'preauth';

const panHash = (pan: string) => createHash('sha256').update(pan).digest('hex');

const notReplayable = new Set(['35', '52', '53', '64', '128']);

/** Request fields kept for reversals and uploads: never track data, PIN blocks, KSNs or the scanned code itself. */
function replayable(request: IsoMessage): Record<string, string> {
  const json = request.toJSON({ reveal: true }).fields;
  const out: Record<string, string> = {};
  for (const [id, value] of Object.entries(json)) {
    if (notReplayable.has(id)) continue;
    if (typeof value === 'string') out[id] = value;
    else if (value && typeof value === 'object')
      for (const [sub, inner] of Object.entries(value as Record<string, unknown>)) {
        if (id === '48' && sub === 'QR') continue;
        if (typeof inner === 'string') out[`${id}.${sub}`] = inner;
      }
  }
  if (!out['2'] && request.has('35')) out['2'] = request.getString('35')!.split('=')[0]!;
  return out;
}

function schemeOfPan(pan: string): string | undefined {
  if (pan.startsWith('4')) return 'Visa';
  if (/^(5[1-5]|2[2-7])/.test(pan)) return 'Mastercard';
  if (pan.startsWith('62')) return 'UnionPay';
  return undefined;
}

