/**
 * A virtual PN532 that speaks HSU frames over a byte stream (the device side of a PTY, or any
 * ByteTransport), so the real driver — or libnfc, or any program — talks to it as to the chip.
 * It answers wake-up, SAMConfiguration, GetFirmwareVersion, RFConfiguration, InListPassiveTarget
 * (106 kbps type A), InDataExchange (with MI chaining both ways and extended frames) and
 * InRelease; ACKs each command, retransmits its last response on a NACK, aborts on an ACK, drops
 * frames with a bad checksum (as the chip does) and answers unknown commands with the
 * application error frame. Output is paced at the simulated baud rate (LineClock).
 *
 * Simulation choices where the chip's behaviour is not published: before SAMConfiguration,
 * commands other than SAMConfiguration and GetFirmwareVersion get the application error frame;
 * an InDataExchange to a card that left the field answers status 01 (time out) after `rfTimeoutMs`.
 */
import { EventEmitter } from 'node:events';
import {
  ACK_FRAME,
  Command,
  DATA_EXCHANGE_MAX,
  ERROR_FRAME,
  FrameParser,
  STATUS_MORE_INFORMATION,
  TFI_HOST_TO_PN532,
  encodePassiveTarget,
  encodeResponse,
  parseInDataExchangeRequest,
} from '../../protocols/pn532/index.js';
import { LineClock } from './line-clock.js';
import type { ContactlessCard } from './virtual-cards/contactless-card.js';

/** The byte stream the virtual chip sits on: a ByteTransport, or anything with write and data events. */
export interface DeviceLink {
  write(bytes: Uint8Array): Promise<void>;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

export interface VirtualPn532Options {
  /** Default 115200 (the PN532 HSU default). */
  baudRate?: number;
  /** IC, Ver, Rev, Support of GetFirmwareVersion. Default 32 01 06 07 (PN532 v1.6). */
  firmware?: [number, number, number, number];
  /** Starts in power-down/Low-VBAT, ignoring frames until a wake-up (0x55). Default true. */
  startAsleep?: boolean;
  /** How long an exchange with a card that left takes to fail. Default 5 ms. */
  rfTimeoutMs?: number;
}

/** Device-level faults; each counter is consumed as it fires. */
export interface Pn532Faults {
  /** Corrupt the DCS of the next N response frames (the host should NACK; the retransmission is clean). */
  corruptResponses: number;
  /** Junk bytes sent before the next response frame. */
  junkBeforeResponse: Buffer | undefined;
  /** Ignore the next N command frames, as if they were lost on the wire (no ACK). */
  dropCommands: number;
}

export interface VirtualPn532Stats {
  commands: number;
  apdus: number;
  nacksReceived: number;
  badFrames: number;
  bytesIn: number;
  bytesOut: number;
}

interface FieldCard {
  card: ContactlessCard;
  /** Leaves the field after answering this many more APDUs (fault: removed mid-transaction). */
  removeAfterApdus: number | undefined;
}

interface Activation {
  tg: number;
  entry: FieldCard;
  /** C-APDU pieces received with MI set. */
  incoming: Buffer[];
  /** R-APDU remainder to return on the next (empty) InDataExchange. */
  outgoing: Buffer | undefined;
}

export interface VirtualPn532Events {
  command: [code: number];
  /** Every APDU a card answered. Responses hold the PAN and track 2: never log them unmasked. */
  apdu: [card: string, command: Buffer, response: Buffer];
  field: [labels: string[]];
}

export class VirtualPn532 extends EventEmitter<VirtualPn532Events> {
  readonly faults: Pn532Faults = { corruptResponses: 0, junkBeforeResponse: undefined, dropCommands: 0 };
  readonly stats: VirtualPn532Stats = { commands: 0, apdus: 0, nacksReceived: 0, badFrames: 0, bytesIn: 0, bytesOut: 0 };

  private readonly clock: LineClock;
  private readonly parser = new FrameParser();
  private readonly firmware: Buffer;
  private readonly rfTimeoutMs: number;
  private asleep: boolean;
  private samConfigured = false;
  private field: FieldCard[] = [];
  private active: Activation[] = [];
  private lastResponse: Buffer | undefined;
  /** Bumped by an abort (host ACK) or a reset, so late answers of a slow card are dropped. */
  private generation = 0;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);

  constructor(
    private readonly link: DeviceLink,
    options: VirtualPn532Options = {},
  ) {
    super();
    this.clock = new LineClock(options.baudRate ?? 115200, (bytes) => {
      this.stats.bytesOut += bytes.length;
      this.link.write(bytes).catch(() => {}); // the host side vanished: nothing to tell
    });
    this.firmware = Buffer.from(options.firmware ?? [0x32, 0x01, 0x06, 0x07]);
    this.rfTimeoutMs = options.rfTimeoutMs ?? 5;
    this.asleep = options.startAsleep ?? true;
    link.on('data', this.onData);
  }

  get baudRate(): number {
    return this.clock.baudRate;
  }

  /** Stops answering and detaches from the link. */
  close(): void {
    this.link.off('data', this.onData);
    this.clock.close();
    this.generation++;
  }

  /** Power cycle: back to sleep, RF off, nothing pending. Cards stay where they are. */
  reset(): void {
    this.clock.clear();
    this.parser.reset();
    this.generation++;
    this.asleep = true;
    this.samConfigured = false;
    this.active = [];
    this.lastResponse = undefined;
  }

  /** Puts a card in the field. `removeAfterApdus` makes it leave after answering that many APDUs. */
  tap(card: ContactlessCard, options: { removeAfterApdus?: number } = {}): void {
    this.field.push({ card, removeAfterApdus: options.removeAfterApdus });
    this.emit('field', this.cardsInField());
  }

  /** Takes one card (or all) out of the field. Returns how many left. */
  remove(card?: ContactlessCard): number {
    const before = this.field.length;
    this.field = card ? this.field.filter((e) => e.card !== card) : [];
    if (this.field.length !== before) this.emit('field', this.cardsInField());
    return before - this.field.length;
  }

  cardsInField(): string[] {
    return this.field.map((e) => e.card.label);
  }

  // ------------------------------------------------------------------ receive

  private receive(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    const arrived = this.clock.received(chunk.length);
    if (this.asleep && chunk.includes(0x55)) this.asleep = false; // HSU wake-up: 55 55 00 …
    for (const result of this.parser.push(chunk)) {
      if (result.type === 'error') {
        // the chip ignores a frame with a bad length or data checksum: no ACK (the host resends, but not a card command)
        if (result.error.path !== 'start code') this.stats.badFrames++;
        continue;
      }
      const frame = result.frame;
      if (this.asleep) continue;
      if (frame.kind === 'nack') {
        this.stats.nacksReceived++;
        if (this.lastResponse) this.clock.transmit(this.lastResponse, arrived);
      } else if (frame.kind === 'ack') {
        this.generation++; // abort the command in progress
      } else if (frame.kind === 'info' && frame.tfi === TFI_HOST_TO_PN532 && frame.data.length > 0) {
        if (this.faults.dropCommands > 0) {
          this.faults.dropCommands--;
          continue;
        }
        this.stats.commands++;
        this.clock.transmit(ACK_FRAME, arrived);
        try {
          this.execute(frame.data[0]!, frame.data.subarray(1), arrived);
        } catch {
          // parameters no chip would accept (e.g. a target record that does not fit): a syntax error
          this.sendRaw(ERROR_FRAME, arrived);
        }
      }
    }
  }

  private execute(code: number, params: Buffer, arrived: number): void {
    this.emit('command', code);
    if (!this.samConfigured && code !== Command.SAMConfiguration && code !== Command.GetFirmwareVersion) {
      return this.sendRaw(ERROR_FRAME, arrived);
    }
    switch (code) {
      case Command.SAMConfiguration:
        if (params.length < 1 || params[0]! < 1 || params[0]! > 4) return this.sendRaw(ERROR_FRAME, arrived);
        this.samConfigured = true;
        return this.respond(code, Buffer.alloc(0), arrived);
      case Command.GetFirmwareVersion:
        return this.respond(code, this.firmware, arrived);
      case Command.RFConfiguration:
        if (params.length < 1) return this.sendRaw(ERROR_FRAME, arrived);
        return this.respond(code, Buffer.alloc(0), arrived);
      case Command.InListPassiveTarget:
        return this.listPassiveTargets(params, arrived);
      case Command.InDataExchange:
        return this.dataExchange(params, arrived);
      case Command.InRelease:
        return this.release(params, arrived);
      default:
        return this.sendRaw(ERROR_FRAME, arrived);
    }
  }

  private listPassiveTargets(params: Buffer, arrived: number): void {
    const maxTargets = params[0];
    const brTy = params[1];
    if (maxTargets === undefined || brTy === undefined || maxTargets < 1 || maxTargets > 2) return this.sendRaw(ERROR_FRAME, arrived);
    this.active = [];
    const found = brTy === 0x00 ? this.field.slice(0, maxTargets) : [];
    const records = found.map((entry, i) => {
      entry.card.activate();
      const tg = i + 1;
      this.active.push({ tg, entry, incoming: [], outgoing: undefined });
      const { uid, atqa, sak, ats } = entry.card;
      return encodePassiveTarget({ tg, sensRes: atqa, selRes: sak, nfcId: uid, ...(sak & 0x20 ? { ats } : {}) });
    });
    this.respond(Command.InListPassiveTarget, Buffer.concat([Buffer.from([records.length]), ...records]), arrived);
  }

  private dataExchange(params: Buffer, arrived: number): void {
    if (params.length < 1) return this.sendRaw(ERROR_FRAME, arrived);
    const request = parseInDataExchangeRequest(params);
    const activation = this.active.find((a) => a.tg === request.tg);
    const status = (code: number, data = Buffer.alloc(0)) =>
      this.respond(Command.InDataExchange, Buffer.concat([Buffer.from([code]), data]), arrived);
    if (!activation) return status(0x27); // no such target: command not acceptable in this context

    if (!this.field.includes(activation.entry)) return this.later(this.rfTimeoutMs, () => status(0x01));

    if (request.more) {
      activation.incoming.push(request.data);
      return status(0x00);
    }
    if (request.data.length === 0 && activation.incoming.length === 0 && activation.outgoing) {
      return this.sendChunk(activation, arrived);
    }
    const apdu = Buffer.concat([...activation.incoming, request.data]);
    activation.incoming = [];
    activation.outgoing = undefined;
    this.stats.apdus++;
    const { response, delayMs } = activation.entry.card.transmit(apdu);
    this.emit('apdu', activation.entry.card.label, apdu, response);
    const entry = activation.entry;
    if (entry.removeAfterApdus !== undefined && --entry.removeAfterApdus <= 0) {
      // the card leaves while answering: the PN532 sees the RF exchange time out
      this.remove(entry.card);
      return this.later(delayMs + this.rfTimeoutMs, () => status(0x01));
    }
    activation.outgoing = response;
    this.later(delayMs, () => this.sendChunk(activation, arrived));
  }

  private sendChunk(activation: Activation, arrived: number): void {
    const rest = activation.outgoing ?? Buffer.alloc(0);
    const piece = rest.subarray(0, DATA_EXCHANGE_MAX);
    const more = rest.length > DATA_EXCHANGE_MAX;
    activation.outgoing = more ? rest.subarray(DATA_EXCHANGE_MAX) : undefined;
    const status = more ? STATUS_MORE_INFORMATION : 0x00;
    this.respond(Command.InDataExchange, Buffer.concat([Buffer.from([status]), piece]), arrived);
  }

  private release(params: Buffer, arrived: number): void {
    const tg = params[0];
    if (tg === undefined) return this.sendRaw(ERROR_FRAME, arrived);
    const before = this.active.length;
    this.active = tg === 0 ? [] : this.active.filter((a) => a.tg !== tg);
    const released = before !== this.active.length || tg === 0;
    this.respond(Command.InRelease, Buffer.from([released ? 0x00 : 0x27]), arrived);
  }

  // ------------------------------------------------------------------ send

  /** Runs `answer` after the card's processing time, unless the host aborted meanwhile. */
  private later(ms: number, answer: () => void): void {
    if (ms <= 0) return answer();
    const generation = this.generation;
    setTimeout(() => {
      if (generation === this.generation) answer();
    }, ms);
  }

  private respond(code: number, data: Buffer, arrived: number): void {
    this.sendRaw(encodeResponse(code, data), arrived);
  }

  private sendRaw(frame: Buffer, arrived: number): void {
    this.lastResponse = frame;
    let bytes = frame;
    if (this.faults.corruptResponses > 0) {
      this.faults.corruptResponses--;
      bytes = Buffer.from(frame);
      bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff; // DCS
    }
    if (this.faults.junkBeforeResponse) {
      bytes = Buffer.concat([this.faults.junkBeforeResponse, bytes]);
      this.faults.junkBeforeResponse = undefined;
    }
    this.clock.transmit(bytes, arrived);
  }
}
