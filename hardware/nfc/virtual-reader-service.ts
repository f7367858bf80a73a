/**
 * A virtual PN532 on a real pseudo-terminal, with a small HTTP control API: what
 * `pos virtual reader` runs. Any program that speaks PN532 HSU (our driver, libnfc with
 * `pn532_uart:PATH`, a Python script) opens the PTY path as it would a USB-serial PN532 board.
 *
 * Control API (JSON over HTTP on 127.0.0.1):
 *   GET  /status                      field, faults, counters
 *   POST /tap     {card, removeAfterApdus?, uid?, atc?}   put a card of a profile in the field
 *   POST /remove  {card?}             take one profile's cards (or all) out of the field
 *   POST /faults  {device?: {...}, card?: {...}}   set faults (see docs/virtual-devices.md)
 *   POST /reset                       clear all faults
 * Errors answer 400 with {error} naming the bad field. Card keys and PANs are never in answers
 * beyond the masked PAN.
 */
import { toHex } from '../../protocols/bytes.js';
import { maskPan } from '../../protocols/mask.js';
import { testCards, testCardProfileIds, type TestCardProfileId } from '../../protocols/testcards.js';
import { ControlError, VirtualDeviceService, asObject, openDevicePty, type DevicePty } from '../virtual-service.js';
import { VirtualPn532 } from './virtual-pn532.js';
import { createVirtualCard, type ApduCommandName, type CardFaults, type VirtualEmvCard } from './virtual-cards/emv-card.js';

export interface VirtualReaderOptions {
  /**
   * The path programs open. If it is an existing character device (one end of a PTY pair someone
   * else made), the virtual PN532 attaches to it; otherwise socat creates a pair with this path
   * as the host end and `PATH.device` as ours.
   */
  pty: string;
  /** A card profile to tap at start. */
  card?: TestCardProfileId;
  /** That card's ATC (above what a switch journal that kept its history saw of it). */
  atc?: number;
  baudRate?: number;
  /** HTTP control port on 127.0.0.1; 0 picks a free one; undefined: no HTTP API. */
  controlPort?: number;
  /** Where other processes emulating the same cards keep their ATCs (`pos virtual reader --data`). */
  atcs?: AtcSource;
  /** Told why a card refused a tap (its ATC exhausted): one JSON line, as `pos sale --virtual-card` logs it. */
  warn?: (line: string) => void;
}

/** ATCs shared with other processes: the last saved one, and the next reserved before the card uses it (a throw refuses the tap, 6985). */
export interface AtcSource {
  saved(profile: TestCardProfileId): number | undefined;
  reserve(profile: TestCardProfileId, current: number): number;
}

const commandNames: ApduCommandName[] = ['SELECT', 'GET PROCESSING OPTIONS', 'READ RECORD', 'GENERATE AC'];

export class VirtualReaderService extends VirtualDeviceService<VirtualPn532> {
  /** Card faults applied to every card in the field and to cards tapped later. */
  readonly cardFaults: CardFaults = { noMatchingAid: false, statusWords: {}, delayMs: 0, malformedTlv: undefined };
  private cards: VirtualEmvCard[] = [];
  /**
   * The last ATC each profile used in this reader: a card tapped again is the same card to the
   * switch, which refuses (05) an ATC it has seen, so a new tap goes on from here.
   */
  private readonly atcs = new Map<TestCardProfileId, number>();

  private constructor(
    path: string,
    device: VirtualPn532,
    line: DevicePty,
    private readonly shared: AtcSource | undefined,
    private readonly warn: (line: string) => void,
  ) {
    super(path, device, line);
  }

  static async start(options: VirtualReaderOptions): Promise<VirtualReaderService> {
    const baudRate = options.baudRate ?? 115200;
    if (options.card !== undefined && !testCardProfileIds.includes(options.card))
      throw new ControlError(`card: unknown profile (one of: ${testCardProfileIds.join(', ')})`);
    const line = await openDevicePty(options.pty, baudRate);
    const service = new VirtualReaderService(options.pty, new VirtualPn532(line.transport, { baudRate }), line, options.atcs, options.warn ?? (() => {}));
    try {
      if (options.card) service.tap(options.card, options.atc === undefined ? {} : { atc: options.atc });
    } catch (error) {
      await service.stop(); // the PTY (socat) must not keep the process alive after a refused start
      throw error;
    }
    await service.listen(options.controlPort);
    return service;
  }

  tap(profile: string, options: { removeAfterApdus?: number; uid?: string; atc?: number } = {}): VirtualEmvCard {
    if (!testCardProfileIds.includes(profile as TestCardProfileId))
      throw new ControlError(`card: unknown profile (one of: ${testCardProfileIds.join(', ')})`);
    if (options.uid !== undefined && !/^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{14})$/.test(options.uid))
      throw new ControlError('uid: 4 or 7 bytes of hex');
    if (options.removeAfterApdus !== undefined && !(Number.isInteger(options.removeAfterApdus) && options.removeAfterApdus >= 0))
      throw new ControlError('removeAfterApdus: a whole number ≥ 0');
    if (options.atc !== undefined && !(Number.isInteger(options.atc) && options.atc >= 0 && options.atc <= 0xffff))
      throw new ControlError('atc: a whole number 0..65535');
    const id = profile as TestCardProfileId;
    const card = createVirtualCard(id, {
      ...(options.uid ? { uid: Buffer.from(options.uid, 'hex') } : {}),
      atc: options.atc ?? this.atcs.get(id) ?? this.shared?.saved(id) ?? testCards[id].initialAtc,
      // One counter per profile: two cards of it in the field (a collision test) never share an ATC either.
      // A throw makes the card answer 6985 to GET PROCESSING OPTIONS. Past 65535 the ATC would wrap to 0
      // and the switch refuse every sale as a replay (05): refused as cli/device-counters.ts refuses it.
      nextAtc: (current) => {
        const highest = Math.max(current, this.atcs.get(id) ?? 0);
        let next: number;
        try {
          if (!this.shared && highest >= 0xffff) throw new Error(`${id}: ATC exhausted (65535)`);
          next = this.shared ? this.shared.reserve(id, highest) : highest + 1;
        } catch (error) {
          this.warn(JSON.stringify({ warning: `${(error as Error).message}: the card refused the tap (6985)` }));
          throw error;
        }
        this.atcs.set(id, next);
        return next;
      },
    });
    if (options.atc !== undefined) this.atcs.set(id, options.atc);
    this.applyCardFaults(card);
    this.cards.push(card);
    this.device.tap(card, options.removeAfterApdus === undefined ? {} : { removeAfterApdus: options.removeAfterApdus });
    return card;
  }

  /** Removes the cards of one profile, or all; returns how many left the field. */
  remove(profile?: string): number {
    if (profile !== undefined && !testCardProfileIds.includes(profile as TestCardProfileId))
      throw new ControlError(`card: unknown profile (one of: ${testCardProfileIds.join(', ')})`);
    const leaving = this.cards.filter((c) => profile === undefined || c.profile.id === profile);
    this.cards = this.cards.filter((c) => !leaving.includes(c));
    return leaving.reduce((n, card) => n + this.device.remove(card), 0);
  }

  /** Sets faults from the control API's JSON shape; validates every field first. */
  setFaults(body: unknown): void {
    const { device = {}, card = {} } = asObject(body, 'body', ['device', 'card']) as { device?: unknown; card?: unknown };
    const d = asObject(device, 'device', ['corruptResponses', 'dropCommands', 'junkBeforeResponse']);
    const c = asObject(card, 'card', ['noMatchingAid', 'statusWords', 'delayMs', 'malformedTlv']);
    const count = (value: unknown, name: string) => {
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 1000) throw new ControlError(`${name}: a whole number 0..1000`);
      return value as number;
    };
    const updates: Array<() => void> = [];
    if ('corruptResponses' in d) {
      const n = count(d.corruptResponses, 'device.corruptResponses');
      updates.push(() => (this.device.faults.corruptResponses = n));
    }
    if ('dropCommands' in d) {
      const n = count(d.dropCommands, 'device.dropCommands');
      updates.push(() => (this.device.faults.dropCommands = n));
    }
    if ('junkBeforeResponse' in d) {
      const hex = d.junkBeforeResponse;
      if (typeof hex !== 'string' || !/^([0-9A-Fa-f]{2}){1,64}$/.test(hex)) throw new ControlError('device.junkBeforeResponse: 1..64 bytes of hex');
      updates.push(() => (this.device.faults.junkBeforeResponse = Buffer.from(hex, 'hex')));
    }
    if ('noMatchingAid' in c) {
      if (typeof c.noMatchingAid !== 'boolean') throw new ControlError('card.noMatchingAid: true or false');
      const value = c.noMatchingAid;
      updates.push(() => (this.cardFaults.noMatchingAid = value));
    }
    if ('delayMs' in c) {
      const n = count(c.delayMs, 'card.delayMs');
      updates.push(() => (this.cardFaults.delayMs = n));
    }
    if ('malformedTlv' in c) {
      const name = c.malformedTlv;
      if (name !== null && !commandNames.includes(name as ApduCommandName))
        throw new ControlError(`card.malformedTlv: null or one of ${commandNames.join(', ')}`);
      updates.push(() => (this.cardFaults.malformedTlv = (name ?? undefined) as ApduCommandName | undefined));
    }
    if ('statusWords' in c) {
      const words = asObject(c.statusWords, 'card.statusWords');
      for (const [name, sw] of Object.entries(words)) {
        if (!commandNames.includes(name as ApduCommandName)) throw new ControlError(`card.statusWords: unknown command (one of: ${commandNames.join(', ')})`);
        if (sw !== null && (typeof sw !== 'string' || !/^[0-9A-Fa-f]{4}$/.test(sw))) throw new ControlError(`card.statusWords.${name}: 4 hex digits or null`);
      }
      updates.push(() => {
        for (const [name, sw] of Object.entries(words)) {
          if (sw === null) delete this.cardFaults.statusWords[name as ApduCommandName];
          else this.cardFaults.statusWords[name as ApduCommandName] = (sw as string).toUpperCase();
        }
      });
    }
    for (const update of updates) update();
    for (const existing of this.cards) this.applyCardFaults(existing);
  }

  resetFaults(): void {
    Object.assign(this.device.faults, { corruptResponses: 0, junkBeforeResponse: undefined, dropCommands: 0 });
    Object.assign(this.cardFaults, { noMatchingAid: false, statusWords: {}, delayMs: 0, malformedTlv: undefined });
    for (const card of this.cards) this.applyCardFaults(card);
  }

  status(): Record<string, unknown> {
    const field = new Set(this.device.cardsInField());
    const junk = this.device.faults.junkBeforeResponse;
    return {
      pty: this.path,
      baudRate: this.device.baudRate,
      control: this.controlUrl ?? null,
      field: this.cards
        .filter((c) => field.has(c.label))
        .map((c) => ({ card: c.profile.id, pan: maskPan(c.profile.pan), uid: toHex(c.uid), atc: c.atc })),
      faults: {
        device: { ...this.device.faults, junkBeforeResponse: junk ? toHex(junk) : null },
        card: { ...this.cardFaults, malformedTlv: this.cardFaults.malformedTlv ?? null },
      },
      stats: this.device.stats,
      profiles: testCardProfileIds.map((id) => ({ card: id, scheme: testCards[id].scheme, aid: testCards[id].aid })),
    };
  }

  private applyCardFaults(card: VirtualEmvCard): void {
    card.faults.noMatchingAid = this.cardFaults.noMatchingAid;
    card.faults.delayMs = this.cardFaults.delayMs;
    card.faults.malformedTlv = this.cardFaults.malformedTlv;
    card.faults.statusWords = { ...this.cardFaults.statusWords };
  }

  protected handle(route: string, body: unknown): unknown {
    switch (route) {
      case 'GET /status':
        return this.status();
      case 'POST /tap': {
        const { card, removeAfterApdus, uid, atc } = asObject(body, 'body', ['card', 'removeAfterApdus', 'uid', 'atc']);
        if (typeof card !== 'string') throw new ControlError('card: a profile name');
        const options: { removeAfterApdus?: number; uid?: string; atc?: number } = {};
        if (removeAfterApdus !== undefined) options.removeAfterApdus = removeAfterApdus as number;
        if (uid !== undefined && typeof uid !== 'string') throw new ControlError('uid: 4 or 7 bytes of hex');
        if (uid !== undefined) options.uid = uid;
        if (atc !== undefined) options.atc = atc as number;
        this.tap(card, options);
        return this.status();
      }
      case 'POST /remove': {
        const { card } = asObject(body, 'body', ['card']);
        if (card !== undefined && typeof card !== 'string') throw new ControlError('card: a profile name');
        return { removed: this.remove(card), ...this.status() };
      }
      case 'POST /faults':
        this.setFaults(body);
        return this.status();
      case 'POST /reset':
        this.resetFaults();
        return this.status();
      default:
        return undefined;
    }
  }
}
