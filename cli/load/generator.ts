/**
 * The load generator behind `pos load` and `npm run bench:switch`: N virtual terminals, one TCP
 * connection each with its own STAN sequence, one request in flight per terminal, paced to a total
 * target rate. The mix is sales, refunds (against an approved sale's RRN) and reversals (of an
 * approved sale without refunds: the switch reverses no refunded sale), all counted in the summary.
 * A request without an answer (timeout, connection lost) is reversed once the terminal is connected
 * again, the way a POS does; 25 counts as done. Those
 * recovery reversals are counted apart (`unansweredRequests`): the terminals did not ask for them.
 * A reversal's repeats (0420) carry its 0400's STAN and DE7: they are the same request.
 * The run ends at its duration whatever the host does: no request starts after it, and a terminal
 * that cannot connect or sign on by then stops and is counted with its first reason. After the
 * duration, answers and reversals still owed get at most twice the answer timeout: each wait (connect,
 * sign-on, answer) is cut to what is left of that, and none starts with less than `minAttemptMs` (or the timeout, if shorter) left.
 * `stop` (Ctrl-C in `pos load`) ends the duration there and then, drain included; so does a terminal's
 * unexpected error, which the run then throws once every terminal has finished and closed its connection.
 * With `signOnFirst` the terminals sign on before the duration starts instead (in turns, each sign-on
 * with the whole answer timeout and one more try), so the duration is all traffic: what a benchmark measures.
 */
import { randomInt } from 'node:crypto';
import type { LengthHeader } from '../../protocols/framing/index.js';
import type { IsoMessage, MessageSpec } from '../../protocols/iso8583/index.js';
import { IsoClient, maxStan, NoAnswerError, type Answer } from './iso-client.js';
import { SignOnPhase } from './sign-on-phase.js';

export interface LoadOptions {
  host?: string;
  port: number;
  spec?: MessageSpec;
  framing?: LengthHeader;
  terminals: number;
  /** Requests per second over all terminals; 0 = as fast as answers come. */
  rate: number;
  durationMs: number;
  /** Share of sales, refunds and reversals; normalised. */
  mix?: { sale: number; refund: number; reversal: number };
  tmk: string;
  merchantId?: string;
  /** First characters of the terminal IDs (default 'L'); the rest is the terminal's number, zero-padded to DE41's 8 characters. */
  terminalPrefix?: string;
  /**
   * Every terminal's first STAN, 1–999999 (then on, wrapping after 999999). Default: one drawn at
   * random per run, so that a run started within the same DE7 second as the last one ended does not
   * meet that run's request keys (terminal, STAN, DE7), as a restarted terminal counting from 1 would.
   */
  firstStan?: number;
  timeoutMs?: number;
  verifyAnswers?: boolean;
  /** Called about once a second while running. */
  onProgress?(progress: LoadProgress): void;
  /** Aborted: the run ends as if its duration were over now (no new request; the drain follows). */
  stop?: AbortSignal;
  /**
   * Sign every terminal on before the duration starts: `concurrency` at once (default 32), each
   * sign-on given the whole answer timeout and tried once more (a new connection and the next STAN)
   * when it fails; then the duration starts for all and `onDurationStart` is called. A terminal still
   * not signed on keeps trying within the duration, as without this option. Without it, each
   * terminal signs on as its traffic starts, within the duration: there a sign-on gets only what is
   * left of the duration, and the terminals signed on first already load the host with requests.
   */
  signOnFirst?: { concurrency?: number; onDurationStart?(): void };
}

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  approved: number;
  declined: number;
  unanswered: number;
}

/** A request's journal key. A reversal's `mti` is that of its last attempt (0400, or 0420 once repeated: one key). */
export interface RequestKey {
  terminalId: string;
  stan: string;
  transmitted: string;
  mti: string;
}

/** A request the generator sent: its key, for reconciliation against the journal. */
export interface SeenRequest extends RequestKey {
  kind: 'sale' | 'refund' | 'reversal';
  amount: number;
  pan: string;
  rrn?: string;
  /** A refund's or a (--mix) reversal's sale; undefined for a sale. */
  original: RequestKey | undefined;
}

/** A request never answered, whether its reversal was answered (00 or 25), and that reversal's key once sent. */
export type UnansweredRequest = SeenRequest & { reversed: boolean; reversal: RequestKey | undefined };

/**
 * One kind of request's share of the summary: sent, answered 00 (approved) or another code (declined),
 * and unanswered: for sales and refunds, no answer in time (the summary's `unanswered`); for --mix
 * reversals, never answered 00 or 25 (the summary's `unreversed`).
 */
export interface KindCounts {
  sent: number;
  approved: number;
  declined: number;
  unanswered: number;
}

export interface LoadResult extends LoadProgress {
  /** The duration asked for; `elapsedMs` is how long the run took, the drain included. */
  durationMs: number;
  /** Approvals over `elapsedMs`. */
  approvalsPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  responseCodes: Record<string, number>;
  /** The counts above by kind of request: they add up to `sent`, `approved`, `declined`, and `unanswered` + `unreversed`. */
  byKind: Record<SeenRequest['kind'], KindCounts>;
  reconnects: number;
  /** The approved requests (`approved` of them): sales, refunds and the mix's reversals. */
  approvals: SeenRequest[];
  /** Requests that never got an answer, with whether their (recovery) reversal was answered (00 or 25). */
  unansweredRequests: UnansweredRequest[];
  /** Reversals of approved sales (the mix's) never answered 00 or 25: those sales may stay charged. Counted in `sent` only. */
  unreversed: number;
  /** Terminals that never signed on within the duration, and why (the last reason, counted per reason). */
  neverSignedOn: number;
  signOnFailures: Record<string, number>;
}

/** The test cards the load's sales are made with (switch/issuer/cards.ts; docs/test-cards.md). */
export const loadCards = ['4111111111111111', '5555555555554444', '6212345678901232', '4242424242424242'];
/** Per card: the key of its sale template on each connection and the fields it is packed from once. */
const saleCards = loadCards.map((pan, i) => ({ pan, template: `sale${i}`, fields: () => ({ '2': pan, '3': '000000', '14': '3012', '22': '011', '25': '00', '49': '156' }) }));

/** A request on its way: what it was, and its answer to come. */
interface Sent {
  seen: SeenRequest;
  answer: Promise<Answer>;
}

/** The first pause before a reversal the host refused is sent again (doubling, up to the answer timeout). */
const reversalRetryMs = 100;

/**
 * Why `terminals` IDs made of `prefix` and a number cannot fit DE41's 8 characters; undefined when they
 * fit (then they are distinct: the number is zero-padded to the same width). `shown` is how the prefix
 * is named: quoted as is by default (the bench's own); `pos load` passes quoted()'s form of the user's.
 */
export function terminalIdProblem(prefix: string, terminals: number, shown = `'${prefix}'`): string | undefined {
  const digits = String(terminals).length;
  if (prefix.length + digits <= 8) return undefined;
  return `${terminals} terminals with the ID prefix ${shown} need ${prefix.length + digits} characters: DE41 has 8`;
}

/** A terminal's sign-on failure that is no failure of the host's: the run ended before it had time to sign on. */
export const durationEnded = 'the duration ended before it could sign on';

/** Sign-ons at once in a `signOnFirst` phase: enough to keep a host busy, few enough that each waits behind at most this many. */
const signOnConcurrency = 32;

/** Less time than this (or the answer timeout, if shorter) left before a deadline: no connect, sign-on or reversal attempt starts (it could only time out). */
const minAttemptMs = 50;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const prefix = options.terminalPrefix ?? 'L';
  const idProblem = terminalIdProblem(prefix, options.terminals);
  if (idProblem) throw new RangeError(idProblem);
  const firstStan = options.firstStan ?? randomInt(1, maxStan + 1);
  if (!Number.isInteger(firstStan) || firstStan < 1 || firstStan > maxStan) throw new RangeError(`firstStan: 1 to ${maxStan}, got ${firstStan}`);
  const mix = options.mix ?? { sale: 80, refund: 10, reversal: 10 };
  const total = mix.sale + mix.refund + mix.reversal;
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  const state = { reconnects: 0, neverSignedOn: 0 };
  const kindCounts = (): KindCounts => ({ sent: 0, approved: 0, declined: 0, unanswered: 0 });
  /** Every count of the summary is kept here, by kind; the totals are their sums (a reversal's unanswered are the unreversed). */
  const byKind: LoadResult['byKind'] = { sale: kindCounts(), refund: kindCounts(), reversal: kindCounts() };
  const summed = (count: keyof KindCounts) => byKind.sale[count] + byKind.refund[count] + (count === 'unanswered' ? 0 : byKind.reversal[count]);
  const signOnFailures: Record<string, number> = {};
  const approvals: SeenRequest[] = [];
  const unansweredRequests: UnansweredRequest[] = [];
  let started = performance.now();
  // Signing on first: no end until the phase is over (or `stop` ends the run there).
  let end = options.signOnFirst ? Infinity : started + options.durationMs;
  const timeoutMs = options.timeoutMs ?? 5000;
  /** After the duration, what is owed (answers in flight, reversals) gets this long; then the run ends regardless. */
  let drainEnd = end + 2 * timeoutMs;
  const phase = options.signOnFirst && new SignOnPhase(options.terminals, options.signOnFirst.concurrency ?? signOnConcurrency);
  // The duration starts when every terminal has had its sign-on turn (unless `stop` ended the run meanwhile).
  void phase?.over.then(() => {
    if (end !== Infinity) return;
    started = performance.now();
    end = started + options.durationMs;
    drainEnd = end + 2 * timeoutMs;
    options.signOnFirst!.onDurationStart?.();
  });
  /** Pauses waiting now: an early end cuts them short (a pacing pause may be far longer than the drain). */
  const pauses = new Set<() => void>();
  const pause = (ms: number) =>
    ms > 0
      ? new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            pauses.delete(done);
            resolve();
          };
          const timer = setTimeout(done, ms);
          pauses.add(done);
        })
      : Promise.resolve();
  /** Ends the duration now (if not over yet): no new request; what is owed gets the drain from here. */
  const endNow = () => {
    const now = performance.now();
    if (now >= end) return;
    end = now;
    drainEnd = now + 2 * timeoutMs;
    for (const done of [...pauses]) done();
  };
  if (options.stop?.aborted) endNow();
  options.stop?.addEventListener('abort', endNow, { once: true });
  // A timeout under 50 ms: each attempt gets the whole timeout (else `left()`, capped at it, never allows one).
  const minAttempt = Math.min(minAttemptMs, timeoutMs);
  const interval = options.rate > 0 ? (1000 * options.terminals) / options.rate : 0;

  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress!({ elapsedMs: performance.now() - started, sent: summed('sent'), approved: summed('approved'), declined: summed('declined'), unanswered: summed('unanswered') }), 1000)
    : undefined;

  const runTerminal = async (index: number) => {
    const terminalId = `${prefix}${String(index + 1).padStart(8 - prefix.length, '0')}`;
    const clientOptions = {
      host: options.host ?? '127.0.0.1', port: options.port, terminalId, merchantId: options.merchantId ?? 'M00000000000001', tmk: options.tmk,
      timeoutMs, ...(options.spec ? { spec: options.spec } : {}), ...(options.framing ? { framing: options.framing } : {}),
      ...(options.verifyAnswers === false ? { verifyAnswers: false } : {}),
    };
    let client: IsoClient | undefined;
    /** The last STAN this terminal used (none yet: the one before its first). */
    let stan = firstStan - 1;
    let signedOn = false;
    /**
     * Whether its first request falls within the duration (scheduled from the run's start, however late
     * this terminal's own start): one whose first request falls after it (a low --rate) failed at nothing.
     */
    const due = (interval * index) / options.terminals < options.durationMs;
    let failure = '';
    /** What is left before `deadline` for one wait: at most the answer timeout. */
    const left = (deadline: number) => Math.min(timeoutMs, deadline - performance.now());
    /**
     * Connects and signs on, trying again (at most `attempts` times) until `deadline()` (performance.now() ms,
     * read anew: an early end moves it); undefined when it could not.
     */
    const connect = async (deadlineOf: () => number, attempts = Infinity): Promise<IsoClient | undefined> => {
      for (let attempt = 0; attempt < attempts && left(deadlineOf()) >= minAttempt; attempt++) {
        let c: IsoClient | undefined;
        let cut = false;
        try {
          c = await IsoClient.connect(clientOptions, left(deadlineOf()));
          // Keep the STAN sequence across reconnects: a new connection is the same terminal.
          c.continueAfter(stan);
          const wait = left(deadlineOf());
          if (wait < minAttempt) throw new Error(durationEnded);
          cut = wait < timeoutMs;
          // The sign-on takes the next STAN whether answered or not: a try after it does not repeat it.
          stan = (stan % maxStan) + 1;
          const answer = await c.signOn('001', wait);
          const code = answer.getString('39');
          if (code !== '00') throw new Error(`sign-on answered ${code ?? 'without a response code'}`);
          signedOn = true;
          return c;
        } catch (error) {
          // The first reason is the real one: later attempts, cut short by the deadline, would only say they timed out.
          // A wait cut short by the run's end (not the timeout) is named: the host may only have been slow.
          if (error instanceof NoAnswerError) failure ||= `sign-on unanswered${cut && c?.closed === false ? ' in the time the run had left' : ''} (${error.message})`;
          else failure ||= (error as Error).message;
          await c?.close(Math.max(0, Math.min(200, deadlineOf() - performance.now())));
          if (attempt + 1 < attempts) await pause(Math.min(50 * 2 ** attempt, 500, deadlineOf() - performance.now()));
        }
      }
      return undefined;
    };
    let pendingReversals: UnansweredRequest[] = [];
    /** Approved sales still open to a refund or a reversal, with what is left of each to refund (the switch declines 13 beyond it). */
    const sales: Array<{ sale: SeenRequest; left: number }> = [];
    /**
     * The connection to send on: a new one when the host closed the last between two requests (idle
     * timeout, restart). Sent on the closed one, a request never left, yet counted sent and unanswered,
     * and a reversal went after it.
     */
    const connected = async (deadlineOf: () => number): Promise<IsoClient | undefined> => {
      if (client?.closed) {
        client = undefined;
        state.reconnects++;
      }
      return (client ??= await connect(deadlineOf));
    };
    const keyOf = (r: RequestKey): RequestKey => ({ terminalId: r.terminalId, stan: r.stan, transmitted: r.transmitted, mti: r.mti });
    /** `repeat`: the message reuses an older STAN, which must not rewind the sequence a reconnect replays. */
    const send = (message: IsoMessage, timeout: number, repeat: boolean): Promise<Answer | undefined> => {
      const sentStan = message.getString('11')!;
      return settle(client!.exchange(client!.framed(message), sentStan, timeout), repeat ? undefined : sentStan);
    };
    const settle = async (answer: Promise<Answer>, sentStan: string | undefined): Promise<Answer | undefined> => {
      if (sentStan !== undefined) stan = Number(sentStan);
      try {
        return await answer;
      } catch (error) {
        if (!(error instanceof NoAnswerError)) throw error;
        if (client?.closed) {
          client = undefined;
          state.reconnects++;
        }
        return undefined;
      }
    };
    /**
     * Reverses `original` until answered (00, or 25 for an original the switch never journaled) or the
     * drain ends; repeats go as 0420 with the 0400's STAN and DE7, after a growing pause when the host
     * refused the last one. Each attempt waits at most what is left before the drain's end. Returns the
     * reversal as sent (undefined if it never was), its answer (00 or 25; undefined if none) and the
     * answered attempt's round trip. `sent`: a reversal of it sent before, which this one repeats.
     */
    const reverse = async (original: SeenRequest, sent?: RequestKey): Promise<{ seen?: SeenRequest; code?: string; latencyMs: number }> => {
      let seen: SeenRequest | undefined = sent && { ...keyOf(sent), kind: 'reversal', amount: original.amount, pan: original.pan, rrn: undefined, original: keyOf(original) };
      for (let attempt = 0; left(drainEnd) >= minAttempt; attempt++) {
        const c = await connected(() => drainEnd);
        if (!c || left(drainEnd) < minAttempt) break;
        const message = c.message(seen ? '0420' : '0400', {
          '2': original.pan, '3': original.kind === 'refund' ? '200000' : '000000', '4': original.amount, '22': '011', '49': '156',
          '90': `${original.mti}${original.stan}${original.transmitted}${'0'.repeat(22)}`,
        }, seen);
        seen ??= { terminalId, stan: message.getString('11')!, transmitted: message.getString('7')!, mti: '0400', kind: 'reversal', amount: original.amount, pan: original.pan, rrn: undefined, original: keyOf(original) };
        seen.mti = message.mti;
        const t0 = performance.now();
        const reply = await send(message, left(drainEnd), message.mti === '0420');
        const code = reply?.responseCode;
        if (code === '00' || code === '25') {
          seen.rrn = reply!.rrn;
          return { seen, code, latencyMs: performance.now() - t0 };
        }
        // Refused (not unanswered: that already waited the timeout): again after a pause that doubles, as a POS does, not in a tight loop.
        if (code !== undefined) await pause(Math.min(timeoutMs, reversalRetryMs * 2 ** attempt, drainEnd - performance.now()));
      }
      return { ...(seen ? { seen } : {}), latencyMs: 0 };
    };
    /** Counts an answered request of the mix: its latency, code, and (00) approval. */
    const answered = (seen: SeenRequest, code: string, latencyMs: number, rrn: string | undefined) => {
      latencies.push(latencyMs);
      codes[code] = (codes[code] ?? 0) + 1;
      if (code !== '00') {
        byKind[seen.kind].declined++;
        return;
      }
      byKind[seen.kind].approved++;
      seen.rrn = rrn;
      approvals.push(seen);
      if (seen.kind === 'sale') sales.push({ sale: seen, left: seen.amount });
      if (sales.length > 50) sales.shift();
    };

    // Requests are created with `rrn: undefined` (set on approval) so that every SeenRequest has one shape for V8.
    /** Sends a refund of half an approved sale, or what is left of it if less (packed per request: refunds are few). */
    const refund = (c: IsoClient, open: { sale: SeenRequest; left: number }): Sent => {
      const original = open.sale;
      const amount = Math.min(open.left, Math.max(10, Math.floor(original.amount / 20) * 10));
      const message = c.message('0200', { '2': original.pan, '3': '200000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156', '48.OR': original.rrn! });
      const seen: SeenRequest = { terminalId, stan: message.getString('11')!, transmitted: message.getString('7')!, mti: '0200', kind: 'refund', amount, pan: original.pan, rrn: undefined, original: keyOf(original) };
      return { seen, answer: c.exchange(c.framed(message), seen.stan) };
    };
    /** Sends a sale of a random card from its template (only DE4/7/11 and the MAC change). */
    const sale = (c: IsoClient): Sent => {
      const card = saleCards[Math.floor(Math.random() * saleCards.length)]!;
      // Whole tens of cents: never one of the forced-outcome cents.
      const amount = (10 + Math.floor(Math.random() * 990)) * 10;
      const request = c.patched(card.template, '0200', card.fields, amount);
      const seen: SeenRequest = { terminalId, stan: request.stan, transmitted: request.transmitted, mti: '0200', kind: 'sale', amount, pan: card.pan, rrn: undefined, original: undefined };
      return { seen, answer: c.exchange(request.bytes, request.stan) };
    };
    /** Reverses the unanswered requests not reversed yet; those stay on the list for the next round. */
    const reversePending = async () => {
      for (const pending of pendingReversals) {
        const { seen, code } = await reverse(pending, pending.reversal);
        pending.reversal = seen && keyOf(seen);
        pending.reversed = code !== undefined;
      }
      pendingReversals = pendingReversals.filter((p) => !p.reversed);
    };

    try {
      if (phase) {
        try {
          client = await phase.turn(() => connect(() => end, 2));
        } finally {
          phase.done();
        }
        await phase.over;
      }
      let next = performance.now() + (interval * index) / options.terminals;
      while (performance.now() < end) {
        if (interval) {
          const wait = Math.min(next, end) - performance.now();
          await pause(wait);
          // Due after the duration: the run ends first (a timer may fire a little before performance.now() reaches `end`).
          if (next >= end) break;
          next += interval;
        }
        if (pendingReversals.length) await reversePending();
        // Those waits may have run past the end: no new request then (its reversal might not fit in the drain).
        const c = await connected(() => end);
        if (!c || performance.now() >= end) break;
        const roll = Math.random() * total;
        let open = sales.length ? sales[Math.floor(Math.random() * sales.length)]! : undefined;
        // The switch refuses (12) to reverse a sale with refunds, as to void one: a reversal takes one without.
        if (open && roll >= mix.sale + mix.refund && open.left < open.sale.amount) open = sales.find((s) => s.left === s.sale.amount);
        if (open && roll >= mix.sale + mix.refund) {
          sales.splice(sales.indexOf(open), 1);
          const { seen, code, latencyMs } = await reverse(open.sale);
          if (seen) byKind.reversal.sent++;
          // Never answered 00/25: neither approved nor declined, only `unreversed` (it is no unanswered request: it was reversing already).
          if (seen && code) answered(seen, code, latencyMs, seen.rrn);
          else byKind.reversal.unanswered++;
          continue;
        }
        const t0 = performance.now();
        const { seen, answer } = open && roll >= mix.sale ? refund(c, open) : sale(c);
        byKind[seen.kind].sent++;
        const reply = await settle(answer, seen.stan);
        // A refund approved, or perhaps (unanswered; its reversal may yet undo it): no later refund may count on that money.
        if (seen.kind === 'refund' && open && (!reply || reply.responseCode === '00')) {
          open.left -= seen.amount;
          if (open.left <= 0) sales.splice(sales.indexOf(open), 1);
        }
        if (!reply) {
          byKind[seen.kind].unanswered++;
          const entry: UnansweredRequest = { ...seen, reversed: false, reversal: undefined };
          pendingReversals.push(entry);
          unansweredRequests.push(entry);
          continue;
        }
        answered(seen, reply.responseCode ?? '??', performance.now() - t0, reply.rrn);
      }
      if (pendingReversals.length) await reversePending();
    } finally {
      // Also when this terminal threw: an open socket would keep the process from ever exiting.
      // A host slow to close gets only what is left of the drain: the run still ends by then.
      await client?.close(Math.max(0, Math.min(200, drainEnd - performance.now())));
    }
    if (!signedOn && due) {
      state.neverSignedOn++;
      const reason = failure || durationEnded;
      signOnFailures[reason] = (signOnFailures[reason] ?? 0) + 1;
    }
  };

  /** The first unexpected error of a terminal: it ends the run for all (their drain included), then the run throws it. */
  let failed: { error: unknown } | undefined;
  const failing = (error: unknown) => {
    failed ??= { error };
    endNow();
  };
  try {
    await Promise.all(Array.from({ length: options.terminals }, (_, i) => runTerminal(i).catch(failing)));
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    options.stop?.removeEventListener('abort', endNow);
  }
  if (failed) throw failed.error;
  const elapsedMs = performance.now() - started;
  const sorted = Float64Array.from(latencies).sort();
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    elapsedMs, durationMs: options.durationMs, sent: summed('sent'), approved: summed('approved'), declined: summed('declined'), unanswered: summed('unanswered'),
    approvalsPerSecond: Math.round((summed('approved') / elapsedMs) * 1000),
    latencyMs: { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), p999: round(percentile(sorted, 0.999)), max: round(sorted[sorted.length - 1] ?? 0) },
    responseCodes: codes, byKind, reconnects: state.reconnects, approvals, unansweredRequests, unreversed: byKind.reversal.unanswered,
    neverSignedOn: state.neverSignedOn, signOnFailures,
  };
}
