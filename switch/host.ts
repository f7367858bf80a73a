/**
 * The TCP host: many terminal connections, each with its own deframer. Requests on one connection
 * are processed concurrently and answered as they finish (terminals match answers by STAN).
 * A frame that is oversize, garbage or undecodable closes that one connection with a logged reason.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { DecodeError } from '../protocols/errors.js';
import { Deframer, frame, type FramingOptions } from '../protocols/framing/index.js';
import { responseMti } from '../protocols/iso8583/index.js';
import { maskPan } from '../protocols/mask.js';
import type { Faults } from './faults.js';
import type { Metrics } from './metrics.js';
import { decode, packAnswer, run, type Context, type Step, type SwitchParts } from './pipeline.js';

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
  log: Logger;
}

export class Host {
  readonly server = net.createServer((socket) => this.accept(socket));
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests being processed, counted (not a set of their promises: a request then costs no extra promise). */
  private inFlight = 0;
  /** close()'s resolvers, called when the last request in flight finishes. */
  private readonly idleWaiters: Array<() => void> = [];
  private closing = false;
  private connections = 0;

  constructor(private readonly options: HostOptions) {}

  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    if (this.inFlight) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await closed;
  }

  private accept(socket: net.Socket): void {
    const { metrics, framing, idleTimeoutMs } = this.options;
    const log = this.options.log.child({ connection: ++this.connections, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const deframer = new Deframer(framing);
    // Flow control: at most maxInFlightPerConnection requests processed at once; frames beyond it
    // wait here (no more than the chunk that brought them: reading is paused meanwhile).
    const pending: Buffer[] = [];
    let active = 0;
    const done = (): void => {
      active--;
      this.inFlight--;
      // Pump first: a queued frame it starts keeps the host busy, so close() is released only when none is left.
      pump();
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
    const failed = (error: unknown): void => {
      log.error({ err: safeError(error) }, 'request failed');
      done();
    };
    const pump = (): void => {
      // A destroyed connection (or a closing host) starts nothing more: no answer could be sent, and
      // close() must not return while queued frames could still reach the journal.
      if (socket.destroyed || this.closing) {
        pending.length = 0;
        return;
      }
      while (active < this.options.maxInFlightPerConnection && pending.length) {
        active++;
        this.inFlight++;
        this.handle(socket, pending.shift()!, log).then(done, failed);
      }
      if (pending.length || active >= this.options.maxInFlightPerConnection) socket.pause();
      else if (socket.isPaused()) socket.resume();
    };
    this.sockets.add(socket);
    metrics.connections++;
    metrics.connectionsTotal++;
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => {
      log.info('idle connection closed');
      socket.destroy();
    });
    log.debug('connected');
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = deframer.push(chunk);
      } catch (error) {
        metrics.badFrames++;
        log.warn({ reason: (error as Error).message }, 'bad frame: connection closed');
        socket.destroy();
        return;
      }
      pending.push(...messages);
      pump();
    });
    socket.on('error', (error) => log.debug({ reason: error.message }, 'socket error'));
    socket.on('close', () => {
      this.sockets.delete(socket);
      metrics.connections--;
      log.debug('disconnected');
    });
  }

  private async handle(socket: net.Socket, raw: Buffer, connectionLog: Logger): Promise<void> {
    const { parts, steps, metrics, faults } = this.options;
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
    try {
      await run(ctx, steps);
    } catch (error) {
      // Nothing was journaled as approved: answer 96 (the terminal reverses or retries).
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
    let bytes: Buffer;
    try {
      bytes = frame(await packAnswer(ctx, fault?.corruptMac === true), this.options.framing);
    } catch (error) {
      connectionLog.error({ err: safeError(error), ...summary(ctx) }, 'answer could not be packed: connection closed');
      socket.destroy();
      return;
    }
    const delay = (ctx.outcome === 'late' ? this.options.lateAnswerMs : 0) + (fault?.delayMs ?? 0);
    // A method, not a closure per request: only a delayed answer needs one.
    if (delay <= 0) return this.send(socket, bytes, ctx, started, connectionLog);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.send(socket, bytes, ctx, started, connectionLog);
    }, delay);
    this.timers.add(timer);
  }

  private send(socket: net.Socket, bytes: Buffer, ctx: Context, started: bigint, connectionLog: Logger): void {
    if (socket.destroyed) return;
    socket.write(bytes);
    // A peer that does not read its answers must not make the switch hold them without bound.
    if (socket.writableLength > this.options.maxUnwrittenBytes) {
      connectionLog.warn({ unwritten: socket.writableLength }, 'peer does not read its answers: connection closed');
      socket.destroy();
      return;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics.answered(responseMti(ctx.mti), ctx.answer['39'] ?? '', seconds);
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
