/**
 * A minimal ISO 8583 terminal connection for `pos load` and the switch's tests: TCP with a length
 * header, sign-on to get the TPK and TAK (checked by their KCVs), requests MACed under the TAK,
 * answers matched by STAN and their MACs checked. It speaks only the wire contract, so it needs
 * neither the switch nor the terminal.
 */
import net from 'node:net';
import { MessageMacKey, unwrapWorkingKeys } from '../../protocols/crypto/index.js';
import { Deframer, frame, type LengthHeader } from '../../protocols/framing/index.js';
import { packBcdInto } from '../../protocols/iso8583/bcd.js';
import { setBits } from '../../protocols/iso8583/bitmap.js';
import { compileSpec, IsoMessage, responseMti, specs, type MessageSpec } from '../../protocols/iso8583/index.js';

export interface IsoClientOptions {
  host?: string;
  port: number;
  spec?: MessageSpec;
  framing?: LengthHeader;
  terminalId: string;
  merchantId: string;
  /** Terminal master key, hex. */
  tmk: string;
  /** Answer timeout, ms. */
  timeoutMs?: number;
  /** Check the MAC of every answer (an answer with a bad MAC counts as no answer). Default true. */
  verifyAnswers?: boolean;
}

export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

/** Requests MACed under the TAK; 0221 and 0421 are the repeats of 0220 and 0420 (ISO 8583-1:1987). */
const macMtis = new Set(['0100', '0200', '0220', '0221', '0320', '0400', '0420', '0421', '0500']);
/** The answers of those classes, which carry a MAC too (a repeat's answer is its first's: 0230, 0430). */
const macAnswerMtis = new Set([...macMtis].filter((mti) => !mti.endsWith('1')).map(responseMti));

/** MMDDhhmmss in UTC. */
export function transmissionTime(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

let lastSecond = -1;
let lastTime = '';
/** transmissionTime() of now, formatted once per second. */
function now(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond) [lastSecond, lastTime] = [second, transmissionTime(new Date(second * 1000))];
  return lastTime;
}

/** A fixed-length numeric field's place in a packed template and how its digits are encoded. */
interface Slot {
  at: number;
  length: number;
  encode(digits: string, out: Buffer, at: number): void;
}

/**
 * A request packed and framed once; each use copies it and patches DE7, DE11 and DE4 in place, then
 * MACs it: the same bytes as packing the message, without the ISO 8583 work per request.
 */
export interface RequestTemplate {
  readonly bytes: Buffer;
  readonly time: Slot;
  readonly stan: Slot;
  readonly amount: Slot;
  /** Start of the MACed part (after the length header and the TPDU); the MAC is the last 8 bytes. */
  readonly macFrom: number;
}

/** A filled template, ready for sendFramed(). */
export interface PatchedRequest {
  bytes: Buffer;
  stan: string;
  transmitted: string;
}

/**
 * An answer as the load generator reads it: MTI, STAN, DE39, DE37 and the MAC, read at the offsets
 * of its layout when it has one; message() unpacks it whole (once) for anything else.
 */
export class Answer {
  #message?: IsoMessage;

  constructor(
    readonly mti: string,
    readonly stan: string | undefined,
    readonly responseCode: string | undefined,
    readonly rrn: string | undefined,
    /** DE128, else DE64. */
    readonly mac: Buffer | undefined,
    private readonly raw: Buffer,
    private readonly spec: MessageSpec,
    message?: IsoMessage,
  ) {
    this.#message = message;
  }

  static of(message: IsoMessage, raw: Buffer): Answer {
    const text = (id: string) => message.getString(id);
    return new Answer(message.mti, text('11'), text('39'), text('37'), message.getBuffer('128') ?? message.getBuffer('64'), raw, message.spec, message);
  }

  message(): IsoMessage {
    return (this.#message ??= IsoMessage.unpack(this.spec, this.raw));
  }
}

/** Where each field of answers with one MTI and bitmap starts, when all their fields are fixed-length (so is the answer). */
interface AnswerLayout {
  mti: string;
  length: number;
  offsets: number[];
}

/**
 * Answer layouts by spec, then by the MTI and bitmap bytes; null when a field is variable-length
 * (those answers are unpacked). Found once per MTI and bitmap by unpacking an answer and walking its
 * fields; later answers are read at the offsets, since unpacking every field of every answer is the
 * larger part of reading one. Few MTI/bitmap pairs occur, but a peer could send endless ones: capped.
 */
const answerLayouts = new WeakMap<MessageSpec, Map<string, AnswerLayout | null>>();
const maxAnswerLayouts = 256;

/** An answer being waited for, settled by receive(), by the sweep once `deadline` (performance.now() ms) has passed, or by fail(). */
interface Waiter {
  resolve(answer: Answer): void;
  reject(error: Error): void;
  deadline: number;
}

/** Where DE7, DE11 and DE4 sit in a template (null: the spec's fields cannot be patched), and the template's length. */
type Layout = Pick<RequestTemplate, 'time' | 'stan' | 'amount'> & { length: number };

/**
 * Layouts by spec, then by framing, MTI, fields and ID lengths: the same for every connection, so one
 * is searched (four packs) once per process rather than once per connection.
 */
const layouts = new WeakMap<MessageSpec, Map<string, Layout | null>>();

/** Where the fields of an unpacked answer start, or null when one is variable-length or not text where read as such. */
function findAnswerLayout(spec: MessageSpec, message: IsoMessage, raw: Buffer, bitmapAt: number, fieldsAt: number): AnswerLayout | null {
  const { fields, paths } = compileSpec(spec);
  const offsets: number[] = [];
  let at = fieldsAt;
  for (const id of setBits(raw.subarray(bitmapAt, fieldsAt))) {
    if (id === 1) continue;
    const codec = fields[id]!;
    if (codec.spec.prefix) return null;
    offsets[id] = at;
    at = codec.decode(raw, at, raw.length, paths[id]!).next;
  }
  const textOk = ['11', '37', '39'].every((id) => message.get(id) === undefined || typeof message.get(id) === 'string');
  const macOk = ['64', '128'].every((id) => message.get(id) === undefined || (Buffer.isBuffer(message.get(id)) && message.get(id)!.length === 8));
  return textOk && macOk ? { mti: message.mti, length: raw.length, offsets } : null;
}

const wholeMessage = (answer: Answer) => answer.message();

/** DE11 is six digits; 000000 is never sent. */
export const maxStan = 999999;

export class IsoClient {
  readonly spec: MessageSpec;
  tpk?: Buffer;
  tak?: Buffer;
  /** The TAK prepared for MACing many messages. */
  private takMac?: MessageMacKey;
  private stan = 0;
  private readonly templates = new Map<string, RequestTemplate | null>();
  private readonly waiting = new Map<string, Waiter>();
  /** The spec's codecs and this spec's answer layouts, looked up once rather than per answer. */
  private readonly compiled: ReturnType<typeof compileSpec>;
  private readonly answerLayouts: Map<string, AnswerLayout | null>;
  private readonly timeoutMs: number;
  /**
   * One coarse timer per connection instead of a setTimeout per request: arming and clearing a timer
   * for every request costs more than scanning the few waiting requests a few times per timeout. So an
   * answer times out up to an eighth of the timeout late.
   */
  private readonly sweep: NodeJS.Timeout;
  private closedError?: Error;

  private constructor(
    readonly options: IsoClientOptions,
    private readonly socket: net.Socket,
  ) {
    this.spec = options.spec ?? specs.default;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.compiled = compileSpec(this.spec);
    let layouts = answerLayouts.get(this.spec);
    if (!layouts) answerLayouts.set(this.spec, (layouts = new Map()));
    this.answerLayouts = layouts;
    this.sweep = setInterval(() => this.expire(), Math.max(5, Math.min(250, this.timeoutMs / 8))).unref();
    const deframer = new Deframer({ length: options.framing ?? 'binary2' });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = deframer.push(chunk);
      } catch (error) {
        // A bad length header: the stream cannot be resynchronised, so the connection is lost.
        socket.destroy(error as Error);
        return;
      }
      for (const raw of frames) this.receive(raw);
    });
    socket.on('error', (error) => this.fail(new NoAnswerError(`connection lost: ${error.message}`)));
    socket.on('close', () => this.fail(new NoAnswerError('connection closed')));
  }

  /** Connects within `connectTimeoutMs` (default: the answer timeout); a connect not done by then fails with 'connect timed out'. */
  static connect(options: IsoClientOptions, connectTimeoutMs = options.timeoutMs ?? 5000): Promise<IsoClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: options.host ?? '127.0.0.1', port: options.port }, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new IsoClient(options, socket));
      });
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      // No time in the message: it is a reason the load generator counts terminals by, so it must be the same each time.
      const timer = setTimeout(() => fail(new Error('connect timed out')), connectTimeoutMs);
      socket.once('error', fail);
    });
  }

  /** The next STAN, 000001–999999. */
  nextStan(): string {
    this.stan = (this.stan % maxStan) + 1;
    return String(this.stan).padStart(6, '0');
  }

  /** The next STAN follows `stan` (0–999999): a terminal connected again goes on with its sequence. */
  continueAfter(stan: number): void {
    this.stan = stan;
  }

  /**
   * A request with DE7, DE11, DE41, DE42 filled in; `repeat` gives the DE11 and DE7 of the request it
   * repeats (a 0420 is the same request as its 0400), else the next STAN and now.
   */
  message(mti: string, fields: Record<string, string | number | Buffer> = {}, repeat?: { stan: string; transmitted: string }): IsoMessage {
    return repeat ? this.compose(mti, repeat.transmitted, repeat.stan, fields) : this.compose(mti, now(), this.nextStan(), fields);
  }

  private compose(mti: string, time: string, stan: string, fields: Record<string, string | number | Buffer>): IsoMessage {
    const message = new IsoMessage(this.spec, mti);
    if (this.spec.headerLength === 5) message.header = Buffer.from('6000010000', 'hex');
    message.set('7', time).set('11', stan).set('41', this.options.terminalId);
    if (mti !== '0800') message.set('42', this.options.merchantId);
    for (const [path, value] of Object.entries(fields)) message.set(path, value);
    return message;
  }

  /**
   * The request `message(mti, { ...fields(), '4': amount })` would build, from a template packed once
   * per key on this connection (its TAK): DE7, DE11 and DE4 patched, the MAC computed. Falls back to
   * packing when the spec's DE4/7/11 are not fixed-length numerics or the class has no MAC.
   */
  patched(key: string, mti: string, fields: () => Record<string, string | number | Buffer>, amount: number): PatchedRequest {
    let template = this.templates.get(key);
    if (template === undefined) this.templates.set(key, (template = this.template(mti, fields())));
    const stan = this.nextStan();
    const transmitted = now();
    if (!template) {
      const bytes = this.pack(this.compose(mti, transmitted, stan, { ...fields(), '4': amount }));
      return { bytes: frame(bytes, { length: this.options.framing ?? 'binary2' }), stan, transmitted };
    }
    const { time, amount: amountSlot, macFrom } = template;
    const bytes = Buffer.allocUnsafe(template.bytes.length);
    template.bytes.copy(bytes);
    time.encode(transmitted, bytes, time.at);
    template.stan.encode(stan, bytes, template.stan.at);
    amountSlot.encode(String(amount).padStart(amountSlot.length, '0'), bytes, amountSlot.at);
    this.takMac!.mac(bytes.subarray(macFrom, bytes.length - 8)).copy(bytes, bytes.length - 8);
    return { bytes, stan, transmitted };
  }

  /**
   * Packs the request once with DE7, DE11 and DE4 all zeros; where those fields sit comes from the
   * layout of its spec, framing and fields, searched on the first connection that needs it.
   */
  private template(mti: string, fields: Record<string, string | number | Buffer>): RequestTemplate | null {
    if (!macMtis.has(mti) || !this.takMac) return null;
    let bySpec = layouts.get(this.spec);
    if (!bySpec) layouts.set(this.spec, (bySpec = new Map()));
    const { terminalId, merchantId, framing = 'binary2' } = this.options;
    const key = JSON.stringify([framing, mti, fields, terminalId.length, merchantId.length]);
    let layout = bySpec.get(key);
    if (layout === undefined) bySpec.set(key, (layout = this.findLayout(mti, fields)));
    if (!layout) return null;
    const zeros = (slot: Slot) => '0'.repeat(slot.length);
    const packed = this.pack(this.compose(mti, zeros(layout.time), zeros(layout.stan), { ...fields, '4': zeros(layout.amount) }));
    const bytes = frame(packed, { length: framing });
    if (bytes.length !== layout.length) return null;
    return { bytes, time: layout.time, stan: layout.stan, amount: layout.amount, macFrom: bytes.length - packed.length + (this.spec.headerLength ?? 0) };
  }

  /** Packs the request twice per patched field (all 0s, then that field all 9s) to find where its bytes are. */
  private findLayout(mti: string, fields: Record<string, string | number | Buffer>): Layout | null {
    const ids = ['7', '11', '4'] as const;
    const encoders = ids.map((id) => {
      const spec = this.spec.fields[Number(id)];
      if (!spec || spec.type !== 'n' || spec.prefix) return undefined;
      if (spec.encoding === 'ascii') return { length: spec.length, size: spec.length, encode: (d: string, out: Buffer, at: number) => void out.write(d, at, 'latin1') };
      const pad = spec.bcdPad ?? 'left';
      if (spec.encoding === 'bcd') return { length: spec.length, size: (spec.length + 1) >> 1, encode: (d: string, out: Buffer, at: number) => void packBcdInto(d, pad, out, at) };
      return undefined;
    });
    if (encoders.some((e) => !e)) return null;
    const digits = (digit: string, changed?: string) =>
      Object.fromEntries(ids.map((id, i) => [id, (id === changed ? '9' : digit).repeat(encoders[i]!.length)]));
    const build = (values: Record<string, string>) =>
      frame(this.pack(this.compose(mti, values['7']!, values['11']!, { ...fields, '4': values['4']! })), { length: this.options.framing ?? 'binary2' });
    const base = build(digits('0'));
    const slots = ids.map((id, i): Slot | undefined => {
      const variant = build(digits('0', id));
      if (variant.length !== base.length) return undefined;
      let first = -1;
      let last = -1;
      for (let b = 0; b < base.length - 8; b++) if (base[b] !== variant[b]) [first, last] = [first < 0 ? b : first, b];
      const { size, length, encode } = encoders[i]!;
      return first >= 0 && last - first + 1 === size ? { at: first, length, encode } : undefined;
    });
    if (slots.some((slot) => !slot)) return null;
    return { time: slots[0]!, stan: slots[1]!, amount: slots[2]!, length: base.length };
  }

  /** Signs on; `timeoutMs` (default: the answer timeout) bounds the wait for the answer. */
  async signOn(code: '001' | '101' = '001', timeoutMs = this.timeoutMs): Promise<IsoMessage> {
    const message = this.message('0800', { '70': code });
    const answer = await this.exchange(this.framed(message), message.getString('11')!, timeoutMs).then(wholeMessage);
    const keys = answer.getBuffer('96');
    if (answer.getString('39') === '00' && keys) {
      ({ tpk: this.tpk, tak: this.tak } = unwrapWorkingKeys(keys, Buffer.from(this.options.tmk, 'hex')));
      this.takMac = new MessageMacKey(this.tak);
    }
    return answer;
  }

  /** Packs (with a MAC when the class needs one and the client has a TAK), sends, and waits for the answer with the same STAN. */
  send(message: IsoMessage): Promise<IsoMessage> {
    return this.sendRaw(this.pack(message), message.getString('11')!);
  }

  pack(message: IsoMessage): Buffer {
    if (!macMtis.has(message.mti) || !this.takMac) return message.pack();
    const field = message.fieldIds().some((id) => id > 64) ? '128' : '64';
    message.set(field, Buffer.alloc(8));
    const bytes = message.pack();
    const header = this.spec.headerLength ?? 0;
    this.takMac.mac(bytes.subarray(header, bytes.length - 8)).copy(bytes, bytes.length - 8);
    return bytes;
  }

  sendRaw(bytes: Buffer, stan: string): Promise<IsoMessage> {
    let framed: Buffer;
    try {
      framed = frame(bytes, { length: this.options.framing ?? 'binary2' });
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.sendFramed(framed, stan);
  }

  /** Sends a framed request (e.g. from patched()) and waits for the answer with its STAN. */
  sendFramed(bytes: Buffer, stan: string): Promise<IsoMessage> {
    return this.exchange(bytes, stan).then(wholeMessage);
  }

  /** A request packed (MACed) and framed, for exchange(). */
  framed(message: IsoMessage): Buffer {
    return frame(this.pack(message), { length: this.options.framing ?? 'binary2' });
  }

  /**
   * Sends a framed request and waits for the answer with its STAN, read only as far as the load
   * generator needs. A `timeoutMs` passed (sign-ons, reversals, a run's last moments) gets its own
   * timer, so it is not up to a sweep late; without one, the answer timeout and the sweep apply.
   */
  exchange(bytes: Buffer, stan: string, timeoutMs?: number): Promise<Answer> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      // The answer to this STAN now goes to this request: one still waiting for it would wait forever (the sweep no longer sees it).
      this.waiting.get(stan)?.reject(new NoAnswerError(`no answer to STAN ${stan}: a later request reused it`));
      this.waiting.set(stan, { resolve, reject, deadline: performance.now() + (timeoutMs ?? this.timeoutMs) });
      // +1: a timer may fire a little before performance.now() reaches the deadline.
      if (timeoutMs !== undefined) setTimeout(() => this.expire(), timeoutMs + 1).unref();
      this.socket.write(bytes);
    });
  }

  /** Rejects the requests whose answer is overdue (called by the sweep timer). */
  private expire(): void {
    const now = performance.now();
    for (const [stan, waiter] of this.waiting) {
      if (waiter.deadline > now) continue;
      this.waiting.delete(stan);
      waiter.reject(new NoAnswerError(`no answer to STAN ${stan}`));
    }
  }

  /** Writes bytes as they are (framing included): for garbage and oversize tests. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Ends the connection; one the host does not close within `graceMs` is destroyed. */
  close(graceMs = 200): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), graceMs).unref();
    });
  }

  private receive(raw: Buffer): void {
    let answer: Answer;
    try {
      answer = this.read(raw);
    } catch {
      // An answer that does not decode names no STAN for sure: it is no answer, its request times out.
      return;
    }
    const stan = answer.stan ?? '';
    const waiter = this.waiting.get(stan);
    if (!waiter) return;
    if (this.options.verifyAnswers !== false && this.takMac && answer.responseCode !== 'A0' && macAnswerMtis.has(answer.mti)) {
      const header = this.spec.headerLength ?? 0;
      // A wrong MAC on an answer is treated as no answer (CONTRACTS.md): leave the waiter to time out.
      if (!answer.mac || !this.takMac.verify(raw.subarray(header, raw.length - 8), answer.mac)) return;
    }
    this.waiting.delete(stan);
    waiter.resolve(answer);
  }

  /**
   * Reads an answer at the offsets of its layout, or unpacks it. The fast path decodes only DE11, DE39,
   * DE37 and the MAC (with their field codecs): the other fields are not checked until message().
   */
  private read(raw: Buffer): Answer {
    const { headerLength, mtiSize, bitmapSize, fields, paths } = this.compiled;
    const bitmapAt = headerLength + mtiSize;
    // Layouts only for a binary primary/secondary bitmap, whose extent the first bit gives.
    if (this.spec.bitmap.encoding !== 'binary' || this.spec.bitmap.tertiary || raw.length < bitmapAt + 2 * bitmapSize)
      return Answer.of(IsoMessage.unpack(this.spec, raw), raw);
    const fieldsAt = bitmapAt + (raw[bitmapAt]! & 0x80 ? 2 : 1) * bitmapSize;
    const bySpec = this.answerLayouts;
    const key = raw.toString('latin1', headerLength, fieldsAt);
    let layout = bySpec.get(key);
    if (layout === undefined) {
      const message = IsoMessage.unpack(this.spec, raw);
      if (bySpec.size < maxAnswerLayouts) bySpec.set(key, findAnswerLayout(this.spec, message, raw, bitmapAt, fieldsAt));
      return Answer.of(message, raw);
    }
    if (!layout || raw.length !== layout.length) return Answer.of(IsoMessage.unpack(this.spec, raw), raw);
    const { offsets } = layout;
    const text = (id: number) => (offsets[id] === undefined ? undefined : (fields[id]!.decode(raw, offsets[id], raw.length, paths[id]!).value as string));
    const macAt = offsets[128] ?? offsets[64];
    return new Answer(layout.mti, text(11), text(39), text(37), macAt === undefined ? undefined : raw.subarray(macAt, macAt + 8), raw, this.spec);
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    clearInterval(this.sweep);
    for (const [stan, waiter] of this.waiting) {
      waiter.reject(error);
      this.waiting.delete(stan);
    }
  }
}
