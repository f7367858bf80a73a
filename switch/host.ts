/**
 * The TCP host: many terminal connections, each with its own deframer. Requests on one connection
 * are processed concurrently and answered as they finish (terminals match answers by STAN).
 * A frame that is oversize, garbage, undecodable or not completed in time closes that one connection
 * with a logged reason; a connection beyond the limit is closed as it arrives. A peer that closes its
 * connection in the middle of a frame is logged too, with how much of the frame came (never its bytes).
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { DecodeError } from '../protocols/errors.js';
import { Deframer, frame, type FramingOptions } from '../protocols/framing/index.js';
import { maskPan } from '../protocols/mask.js';
import type { Faults } from './faults.js';
import type { Metrics } from './metrics.js';
import { unanswerable } from './store/index.js';
import { answerMti, decode, packAnswer, run, type Context, type Step, type SwitchParts } from './pipeline.js';

export interface HostOptions {
  parts: SwitchParts;
  steps: { decide: Step[]; finish: Step[] };
  framing: FramingOptions;
  faults: Faults;
  metrics: Metrics;
  lateAnswerMs: number;
  idleTimeoutMs: number;
  /** Requests of one connection being processed at once; above it the connection is not read until one finishes. */
  maxInFlightPerConnection: number;
  /** Answers written but not yet taken by the peer (bytes); above it the connection is destroyed. */
  maxUnwrittenBytes: number;
  /** A frame begun must be complete within this (ms), else its connection is closed (a slow or stalled sender holds no buffer for long). */
  frameTimeoutMs: number;
  /** Connections open at once; one more is closed as it arrives. */
  maxConnections: number;
  /** close() waits this long (ms) for the requests in flight; answers still owed after it are not sent. */
  stopTimeoutMs: number;
  log: Logger;
}

/** One terminal connection. */
interface Connection {
  socket: net.Socket;
  log: Logger;
  deframer: Deframer;
  /** Answers the switch owes (requests being processed, answers delayed): the idle timeout does not run meanwhile. */
  owed: number;
  /** When the frame the deframer holds part of was begun (Date.now()); undefined when it holds none. */
  partialSince?: number | undefined;
  /** The peer's close in the middle of a frame is logged (once: a reset may follow its FIN). */
  cutShortLogged?: boolean;
  /**
   * Answers held back (a late answer, a fault's delay): each keeps its request's place under
   * maxInFlightPerConnection until sent, so a terminal pipelining them cannot make the switch hold
   * answers without bound; dropped with the connection (they could never be sent).
   */
  delayed: Set<NodeJS.Timeout>;
  /** Starts what the connection has queued, as far as flow control lets it. */
  pump(): void;
}

export class Host {
  readonly server = net.createServer((socket) => this.accept(socket));
  private readonly open = new Set<Connection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests being processed, counted (not a set of their promises: a request then costs no extra promise). */
  private inFlight = 0;
  /** close()'s resolvers, called when the last request in flight finishes. */
  private readonly idleWaiters: Array<() => void> = [];
  private closing = false;
  /** Stopped with answers still owed (stopTimeoutMs passed): those are never sent, the terminals reverse. */
  private abandoned = false;
  private connections = 0;
  /** Checks partial frames against frameTimeoutMs: one timer for the host, not one per chunk. */
  private readonly sweep: NodeJS.Timeout;
  private refusedSinceLog = 0;
  private refusedLoggedAt = 0;
  /** Logs what a burst of refusals left unlogged, a second after the last line (else a burst of 50 said 1). */
  private refusedFlush: NodeJS.Timeout | undefined;

  constructor(private readonly options: HostOptions) {
    this.server.maxConnections = options.maxConnections;
    this.server.on('drop', () => this.refused());
    this.sweep = setInterval(() => this.expireFrames(), Math.max(50, Math.min(1000, options.frameTimeoutMs / 4)));
    this.sweep.unref();
  }

  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /**
   * Takes no new connection and reads no more requests; the requests being processed finish (journaled
   * and answered) within stopTimeoutMs, after which the answers still owed are dropped (a stuck journal
   * or HSM must not hold a SIGTERM; the terminals reverse), then every connection is closed. A delayed
   * answer (.98, a fault's delay) is not waited for, nor armed once closing has begun: it is journaled,
   * and the terminal reverses what it did not hear.
   */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweep);
    this.logRefused();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const { socket } of this.open) socket.pause();
    if (this.inFlight) {
      let bound: NodeJS.Timeout | undefined;
      const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
      const late = new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(false), this.options.stopTimeoutMs)));
      if (!(await Promise.race([idle, late]))) {
        this.abandoned = true;
        this.options.log.warn({ owed: this.inFlight, stopTimeoutMs: this.options.stopTimeoutMs }, 'stopping: answers still owed are not sent (terminals reverse)');
      }
      clearTimeout(bound);
    }
    // end() sends the answers written, then FIN; reading again lets the peer's FIN close the socket. One
    // that does not close (or read) is destroyed after a second, so that stop is bounded.
    for (const { socket } of this.open) {
      socket.end();
      socket.resume();
    }
    const grace = setTimeout(() => {
      for (const { socket } of this.open) socket.destroy();
    }, 1000);
    await closed;
    clearTimeout(grace);
  }

  /** A connection above maxConnections, closed by the server: counted, and logged at most once a second. */
  private refused(): void {
    this.options.metrics.connectionsRefused++;
    this.refusedSinceLog++;
    const wait = this.refusedLoggedAt + 1000 - Date.now();
    if (wait <= 0) return this.logRefused();
    this.refusedFlush ??= setTimeout(() => this.logRefused(), wait).unref();
  }

  private logRefused(): void {
    clearTimeout(this.refusedFlush);
    this.refusedFlush = undefined;
    if (this.refusedSinceLog === 0) return;
    this.options.log.warn({ refused: this.refusedSinceLog, maxConnections: this.options.maxConnections }, 'connection limit reached: new connections closed');
    this.refusedLoggedAt = Date.now();
    this.refusedSinceLog = 0;
  }

  private expireFrames(): void {
    const deadline = Date.now() - this.options.frameTimeoutMs;
    for (const connection of this.open) {
      // A connection the switch stopped reading (flow control) cannot complete its frame: not its fault.
      if (connection.partialSince === undefined || connection.partialSince > deadline || connection.socket.isPaused()) continue;
      this.options.metrics.frameTimeouts++;
      connection.log.warn({ buffered: connection.deframer.buffered, frameTimeoutMs: this.options.frameTimeoutMs }, 'frame not completed in time: connection closed');
      connection.socket.destroy();
      connection.partialSince = undefined;
    }
  }

  /** The switch owes one more answer on this connection: the idle timeout stops. */
  private owe(connection: Connection): void {
    if (connection.owed++ === 0) connection.socket.setTimeout(0);
  }

  /** An owed answer was sent or given up: with none left, the idle timeout runs again from now. */
  private settle(connection: Connection): void {
    if (--connection.owed === 0 && !connection.socket.destroyed) connection.socket.setTimeout(this.options.idleTimeoutMs);
  }

  private accept(socket: net.Socket): void {
    const { metrics, framing, idleTimeoutMs } = this.options;
    const log = this.options.log.child({ connection: ++this.connections, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const connection: Connection = { socket, log, deframer: new Deframer(framing), owed: 0, delayed: new Set(), pump: () => pump() };
    // Flow control: at most maxInFlightPerConnection requests processed at once; frames beyond it
    // wait here (no more than the chunk that brought them: reading is paused meanwhile).
    const pending: Buffer[] = [];
    let active = 0;
    const done = (): void => {
      active--;
      this.inFlight--;
      this.settle(connection);
      // Pump first: a queued frame it starts keeps the host busy, so close() is released only when none is left.
      pump();
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
    const failed = (error: unknown): void => {
      log.error({ err: safeError(error) }, 'request failed');
      done();
    };
    const busy = () => active + connection.delayed.size >= this.options.maxInFlightPerConnection;
    const pump = (): void => {
      // A destroyed connection (or a closing host) starts nothing more: no answer could be sent, and
      // close() must not return while queued frames could still reach the journal. Checked before each
      // frame: one that does not decode destroys the connection there, and the frames read with it must not run.
      while (!socket.destroyed && !this.closing && !busy() && pending.length) {
        active++;
        this.inFlight++;
        this.owe(connection);
        this.handle(connection, pending.shift()!).then(done, failed);
      }
      if (socket.destroyed || this.closing) {
        pending.length = 0;
        return;
      }
      if (pending.length || busy()) socket.pause();
      else if (socket.isPaused()) {
        socket.resume();
        // The frame timeout counts from here: the peer could not send while it was not read.
        if (connection.partialSince !== undefined) connection.partialSince = Date.now();
      }
    };
    this.open.add(connection);
    metrics.connections++;
    metrics.connectionsTotal++;
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => {
      log.info('idle connection closed');
      socket.destroy();
    });
    log.debug('connected');
    socket.on('data', (chunk: Buffer) => {
      if (this.closing) return;
      let messages: Buffer[];
      try {
        messages = connection.deframer.push(chunk);
      } catch (error) {
        metrics.badFrames++;
        log.warn({ reason: (error as Error).message }, 'bad frame: connection closed');
        socket.destroy();
        return;
      }
      // A frame begun: its clock starts, or restarts when the chunk completed an earlier one.
      if (connection.deframer.buffered === 0) connection.partialSince = undefined;
      else if (messages.length || connection.partialSince === undefined) connection.partialSince = Date.now();
      pending.push(...messages);
      pump();
    });
    socket.on('end', () => this.peerClosed(connection));
    socket.on('error', (error) => {
      log.debug({ reason: error.message }, 'socket error');
      this.peerClosed(connection);
    });
    socket.on('close', () => {
      for (const timer of connection.delayed) {
        clearTimeout(timer);
        this.timers.delete(timer);
      }
      connection.delayed.clear();
      this.open.delete(connection);
      metrics.connections--;
      log.debug('disconnected');
    });
  }

  /**
   * The peer ended (FIN) or reset the connection: a frame it had begun is lost, which the terminal may
   * not know (it takes its request as sent). Warned once, with counts only: the bytes may hold a PAN
   * or track data. Not while stopping: the switch is closing the connections itself then.
   */
  private peerClosed(connection: Connection): void {
    const partial = connection.deframer.partial;
    if (!partial || this.closing || connection.cutShortLogged) return;
    connection.cutShortLogged = true;
    const { announced, received, headerSize } = partial;
    if (announced === undefined) connection.log.warn({ received, headerSize }, `connection closed mid-frame: ${received} of the ${headerSize} bytes of the length header received`);
    else connection.log.warn({ announced, received, missing: announced - received }, `connection closed mid-frame: ${received} of ${announced} announced bytes received`);
  }

  private async handle(connection: Connection, raw: Buffer): Promise<void> {
    const { parts, steps, metrics, faults } = this.options;
    const { socket, log: connectionLog } = connection;
    const started = process.hrtime.bigint();
    let ctx: Context;
    try {
      ctx = decode(parts, raw, connectionLog);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      metrics.badFrames++;
      connectionLog.warn({ reason: error.message }, 'undecodable message: connection closed');
      socket.destroy();
      return;
    }
    let bytes: Buffer;
    let delay: number;
    try {
      try {
        await run(ctx, steps);
      } catch (error) {
        // A commit that may have happened (or a journal that cannot promise it) gets no answer: a
        // terminal takes 96 for a decline and would not reverse a debit that stands. Silence makes it reverse.
        if (unanswerable(error)) {
          connectionLog.error({ err: safeError(error), terminal: ctx.terminalId, stan: ctx.stan }, 'journal outcome unknown: no answer (the terminal reverses)');
          return;
        }
        // Rolled back for sure: nothing was journaled as approved, answer 96 (the terminal reverses or retries).
        connectionLog.error({ err: safeError(error), terminal: ctx.terminalId, stan: ctx.stan }, 'processing failed');
        ctx.answer = { '39': '96' };
      }
      if (ctx.outcome === 'drop') {
        metrics.dropped++;
        connectionLog.info(summary(ctx), 'no answer (forced by amount)');
        return;
      }
      const fault = faults.for(ctx.terminalId, ctx.mti);
      if (fault?.drop || fault?.disconnect) {
        metrics.faultDropped++;
        connectionLog.info({ ...summary(ctx), fault }, 'fault injected');
        if (fault.disconnect) socket.destroy();
        return;
      }
      const arpc = ctx.answer['55.91'];
      if (fault?.corruptArpc && arpc) ctx.answer = { ...ctx.answer, '55.91': (parseInt(arpc.slice(0, 2), 16) ^ 0x01).toString(16).padStart(2, '0').toUpperCase() + arpc.slice(2) };
      try {
        bytes = frame(await packAnswer(ctx, fault?.corruptMac === true), this.options.framing);
      } catch (error) {
        connectionLog.error({ err: safeError(error), ...summary(ctx) }, 'answer could not be packed: connection closed');
        socket.destroy();
        return;
      }
      delay = (ctx.outcome === 'late' ? this.options.lateAnswerMs : 0) + (fault?.delayMs ?? 0);
      // Every answer a fault changes says so, as a dropped or cut one does: a tester reads why a terminal refused it.
      if (fault?.delayMs || (fault?.corruptArpc && arpc) || fault?.corruptMac) connectionLog.info({ ...summary(ctx), fault }, 'fault injected');
    } finally {
      // The answer is MAC'd (or there is none): an evicted terminal's keys may go now, not before.
      parts.release(ctx.terminal, ctx.keyGeneration);
    }
    // A method, not a closure per request: only a delayed answer needs one.
    if (delay <= 0) return this.send(socket, bytes, ctx, started, connectionLog);
    // Stopping: no timer is armed (it would keep the process alive); the request is journaled and the terminal reverses what it did not hear.
    if (this.closing) {
      connectionLog.info(summary(ctx), 'delayed answer not sent: switch stopping');
      return;
    }
    // Still owed while it waits: the idle timeout must not close the connection before it is sent.
    this.owe(connection);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      connection.delayed.delete(timer);
      this.send(socket, bytes, ctx, started, connectionLog);
      this.settle(connection);
      connection.pump();
    }, delay);
    this.timers.add(timer);
    connection.delayed.add(timer);
  }

  private send(socket: net.Socket, bytes: Buffer, ctx: Context, started: bigint, connectionLog: Logger): void {
    if (socket.destroyed || this.abandoned) return;
    socket.write(bytes);
    // A peer that does not read its answers must not make the switch hold them without bound.
    if (socket.writableLength > this.options.maxUnwrittenBytes) {
      connectionLog.warn({ unwritten: socket.writableLength }, 'peer does not read its answers: connection closed');
      socket.destroy();
      return;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics.answered(answerMti(ctx.mti), ctx.answer['39'] ?? '', seconds);
    if (ctx.answer['39'] !== '00' && ctx.reason) connectionLog.info(summary(ctx), 'declined');
    else if (connectionLog.isLevelEnabled('debug')) connectionLog.debug(summary(ctx), 'answered');
  }
}

/** A request's log fields; built only when a line is written (an approval logs at debug, which the hot path usually skips). */
function summary(ctx: Context): Record<string, unknown> {
  return {
    terminal: ctx.terminalId, stan: ctx.stan, mti: ctx.mti, kind: ctx.kind, code: ctx.answer['39'],
    ...(ctx.pan ? { pan: maskPan(ctx.pan) } : {}), ...(ctx.reason ? { reason: ctx.reason } : {}),
  };
}

/** Error fields for logs: message and code only (driver errors can quote SQL parameters in `detail`). */
function safeError(error: unknown): { message: string; code?: string } {
  const e = error as { message?: string; code?: string };
  return { message: String(e?.message ?? error), ...(e?.code ? { code: e.code } : {}) };
}
