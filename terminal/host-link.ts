/**
 * The terminal's ISO 8583 client: one TCP connection to the host with the configured spec and
 * length framing; answers matched to requests by terminal ID (DE41) and STAN (DE11) and checked
 * for the expected MTI; a timeout per request; reconnect with exponential backoff (the devices'
 * Reconnect; one connect in flight at a time, shared by its callers); an echo (0800 301) when the line has been idle. MACing is delegated to the `mac`
 * hooks so that the link does not hold keys. An answer that fails to decode or matches no pending request is logged and
 * dropped: the waiting request then times out, which the caller treats as "no answer". An answer to a pending request
 * whose MAC fails is logged and ends that request at once as "no usable answer" (HostBadMacError, a HostTimeoutError): waiting on could
 * bring nothing better, and the cashier would wait out the whole timeout before the reversal.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { Reconnect } from '../hardware/reconnect.js';
import { frame, Deframer, type LengthHeader } from '../protocols/framing/index.js';
import { IsoMessage, responseMti, type MessageSpec } from '../protocols/iso8583/index.js';
import { transmissionDateTime } from './clock.js';
import type { Logger } from './logger.js';

export interface HostLinkOptions {
  host: string;
  port: number;
  spec: MessageSpec;
  framing: LengthHeader;
  terminalId: string;
  merchantId: string;
  /** The STAN source (the journal's disk counter). */
  nextStan: () => string;
  timeoutMs: number;
  connectTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Idle time after which an echo test is sent; 0 turns echo off. */
  echoIntervalMs: number;
  logger: Logger;
}

/** Hooks that add and check MACs (the terminal's session keys stay with the caller). */
export interface MacHooks {
  /** Sets DE64/DE128 on a financial message, or leaves it alone (no MAC for this MTI or no keys yet). */
  sign(message: IsoMessage): void;
  /** True when the answer's MAC is right, or when the MTI carries none. */
  verify(message: IsoMessage, raw: Buffer): boolean;
}

/** The request never left the terminal: nothing to reverse. */
export class HostUnavailableError extends Error {
  override readonly name = 'HostUnavailableError';
}

/** The request went out and no usable answer came in time: its outcome is unknown. */
export class HostTimeoutError extends Error {
  override readonly name: string = 'HostTimeoutError';
}

/** The answer came but its MAC is wrong: no usable answer, as unknown as a timeout, told apart for support. */
export class HostBadMacError extends HostTimeoutError {
  override readonly name = 'HostBadMacError';
}

/** How long stop() lets queued bytes drain before it closes anyway: a host that no longer reads must not hold a stopping terminal. */
const stopGraceMs = 1000;

/** Ends the socket after what is queued has gone out, or destroys it after `graceMs`; either way it is closed when this resolves. */
function endWithin(socket: Socket, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end(() => socket.destroy());
  });
}

interface Pending {
  expectMti: string;
  resolve(message: IsoMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface HostLinkEvents {
  connected: [];
  disconnected: [reason: string];
  /** An answer with a wrong MAC, or the host's A0 (it could not verify ours): the working keys are out of step. */
  macFailure: [detail: string];
}

export class HostLink extends EventEmitter<HostLinkEvents> {
  private socket: Socket | undefined;
  private connected = false;
  /** The connect in flight, shared by start(), send() and a reconnect try: two would leave two connections to the host. */
  private connecting: { socket: Socket; done: Promise<void> } | undefined;
  private stopped = true;
  private deframer: Deframer;
  private readonly pending = new Map<string, Pending>();
  private readonly reconnect: Reconnect;
  private echoTimer: NodeJS.Timeout | undefined;
  private lastTraffic = Date.now();
  /** Every request's header: the spec's header length of zeros, TPDU 60 0000 0000 for 5 bytes. */
  private readonly header: Buffer;
  mac: MacHooks = { sign: () => {}, verify: () => true };
  /** Set by the owner when echo needs sign-on first; echo only runs while this says so. */
  echoAllowed: () => boolean = () => true;

  constructor(readonly options: HostLinkOptions) {
    super();
    this.deframer = new Deframer({ length: options.framing });
    this.reconnect = new Reconnect({ ...options.reconnect, unref: true }, () => !this.stopped, () => this.connect());
    const length = options.spec.headerLength ?? 0;
    this.header = length === 5 ? Buffer.from([0x60, 0x00, 0x00, 0x00, 0x00]) : Buffer.alloc(length);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Starts connecting (and reconnecting); resolves after the first attempt, connected or not. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect().catch(() => this.reconnect.schedule());
    if (this.stopped) return; // stop() came during the first attempt
    if (this.options.echoIntervalMs > 0) {
      clearInterval(this.echoTimer); // a start() that overlapped a stop() and a restart already set one
      this.echoTimer = setInterval(() => this.maybeEcho(), Math.max(10, Math.floor(this.options.echoIntervalMs / 2)));
      this.echoTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reconnect.cancel();
    clearInterval(this.echoTimer);
    for (const [key, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new HostTimeoutError('the terminal stopped while waiting for the host'));
      this.pending.delete(key);
    }
    const socket = this.socket;
    this.socket = undefined;
    this.connected = false;
    // A connect in flight is aborted and waited out, so no socket outlives stop().
    const connecting = this.connecting;
    connecting?.socket.destroy(new Error('stopped'));
    if (socket && !socket.destroyed) await endWithin(socket, stopGraceMs);
    await connecting?.done.catch(() => {});
  }

  /** A new request with the fields every message carries: DE7, DE11 (next STAN), DE41, DE42. */
  newMessage(mti: string): IsoMessage {
    return this.bareMessage(mti).set('7', transmissionDateTime()).set('11', this.options.nextStan());
  }

  /** A message with the header, DE41 and DE42 only (a queued message brings its own DE7/DE11). */
  bareMessage(mti: string): IsoMessage {
    const message = new IsoMessage(this.options.spec, mti);
    message.header = Buffer.from(this.header);
    return message.set('41', this.options.terminalId).set('42', this.options.merchantId);
  }

  /**
   * Sends a request and waits for its answer. Throws HostUnavailableError when nothing was sent and
   * HostTimeoutError when it was sent but no usable answer came within `timeoutMs`.
   */
  async send(request: IsoMessage, timeoutMs = this.options.timeoutMs): Promise<IsoMessage> {
    if (!this.connected || !this.socket) {
      await this.connect().catch((error: Error) => {
        throw new HostUnavailableError(`host ${this.options.host}:${this.options.port} is not reachable (${error.message})`);
      });
    }
    const stan = request.getString('11');
    if (!stan) throw new HostUnavailableError('request without a STAN (DE11)');
    const key = `${this.options.terminalId}:${stan}`;
    if (this.pending.has(key)) throw new HostUnavailableError(`STAN ${stan} is already waiting for an answer`);
    this.mac.sign(request);
    const bytes = frame(request.pack(), { length: this.options.framing });
    return new Promise<IsoMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new HostTimeoutError(`no answer to ${request.mti} STAN ${stan} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(key, { expectMti: responseMti(request.mti), resolve, reject, timer });
      const socket = this.socket!;
      socket.write(bytes, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.pending.delete(key);
        // A failed write may still have put bytes on the wire: the outcome is unknown.
        reject(new HostTimeoutError(`sending ${request.mti} STAN ${stan} failed: ${error.message}`));
      });
      this.lastTraffic = Date.now();
    });
  }

  private connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (!this.connecting) {
      const socket = new Socket();
      const done = this.openSocket(socket).finally(() => {
        this.connecting = undefined;
      });
      this.connecting = { socket, done };
    }
    return this.connecting.done;
  }

  private openSocket(socket: Socket): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      socket.setNoDelay(true);
      let timer: NodeJS.Timeout | undefined;
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.connect(this.options.port, this.options.host, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        if (this.stopped) {
          socket.destroy();
          reject(new Error('stopped'));
          return;
        }
        this.attach(socket);
        resolve();
      });
      // Armed after connect(): one that throws at once (a bad port) leaves no timer holding the process.
      timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${this.options.connectTimeoutMs} ms`));
      }, this.options.connectTimeoutMs);
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.connected = true;
    this.deframer = new Deframer({ length: this.options.framing });
    this.reconnect.opened();
    this.lastTraffic = Date.now();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => this.options.logger.warn({ err: error.message }, 'host connection error'));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.connected = false;
      this.emit('disconnected', 'connection closed');
      for (const [key, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new HostTimeoutError('the host connection closed before the answer came'));
        this.pending.delete(key);
      }
      this.reconnect.schedule();
    });
    this.options.logger.info({ host: this.options.host, port: this.options.port }, 'host connected');
    this.emit('connected');
  }

  private onData(chunk: Buffer): void {
    this.lastTraffic = Date.now();
    let messages: Buffer[];
    try {
      messages = this.deframer.push(chunk);
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message }, 'host sent a bad length header: dropping the connection');
      this.socket?.destroy();
      return;
    }
    for (const raw of messages) this.onMessage(raw);
  }

  private onMessage(raw: Buffer): void {
    let message: IsoMessage;
    try {
      message = IsoMessage.unpack(this.options.spec, raw);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'host answer failed to decode: treated as no answer');
      return;
    }
    const key = `${message.getString('41') ?? ''}:${message.getString('11') ?? ''}`;
    const pending = this.pending.get(key);
    if (!pending || pending.expectMti !== message.mti) {
      this.options.logger.warn({ mti: message.mti, stan: message.getString('11') }, 'host answer matches no pending request (late or foreign): dropped');
      return;
    }
    this.pending.delete(key);
    clearTimeout(pending.timer);
    if (!this.mac.verify(message, raw)) {
      this.options.logger.warn({ mti: message.mti, stan: message.getString('11') }, 'host answer has a wrong MAC: treated as no answer');
      pending.reject(new HostBadMacError(`the answer to STAN ${message.getString('11')} has a wrong MAC: no usable answer`));
      this.emit('macFailure', 'an answer with a wrong MAC');
      return;
    }
    pending.resolve(message);
    if (message.getString('39') === 'A0') this.emit('macFailure', 'the host could not verify our MAC (A0)');
  }

  private maybeEcho(): void {
    if (!this.connected || this.pending.size > 0 || !this.echoAllowed()) return;
    if (Date.now() - this.lastTraffic < this.options.echoIntervalMs) return;
    const echo = this.newMessage('0800').set('70', '301');
    this.send(echo).then(
      () => this.options.logger.debug('echo answered'),
      (error: Error) => this.options.logger.warn({ err: error.message }, 'echo failed'),
    );
  }
}
