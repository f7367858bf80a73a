/**
 * A complete set of virtual checkout devices in one process: a virtual PN532 holding virtual EMV
 * cards, a virtual serial MSR and a virtual serial scanner, each wired to its REAL driver through an
 * in-process serial line (the same bytes a PTY or a USB-serial adapter would carry, paced at the
 * devices' baud rates). The demo, the tap benchmark and end-to-end tests use it; `pos virtual …`
 * puts the same virtual devices on real PTYs instead.
 */
import { magstripeTestCards, testCards, type MagstripeTestCardId, type TestCardProfileId } from '../protocols/testcards.js';
import { inprocPair } from './inproc/index.js';
import { SerialMsr } from './msr/msr-reader.js';
import { VirtualMsr } from './msr/virtual-msr.js';
import { Pn532Reader, type Pn532ReaderOptions } from './nfc/pn532-reader.js';
import { VirtualPn532 } from './nfc/virtual-pn532.js';
import { createVirtualCard, type VirtualEmvCard } from './nfc/virtual-cards/emv-card.js';
import { SerialScanner } from './scanner/serial-scanner.js';
import { VirtualSerialScanner } from './scanner/virtual-serial-scanner.js';

export interface VirtualKitOptions {
  /** PN532 line speed, default 115200 (its HSU default). */
  readerBaudRate?: number;
  readerOptions?: Pn532ReaderOptions;
  /** ATC each profile's card starts from (a demo keeps them across restarts). */
  atcs?: Partial<Record<TestCardProfileId, number>>;
  /** Each card's next ATC (VirtualEmvCardOptions.nextAtc): the demo reserves it in a counter file shared with `pos sale`. */
  nextAtc?: (profile: TestCardProfileId, current: number) => number;
}

export class VirtualKit {
  /** The drivers a terminal is given. */
  readonly reader: Pn532Reader;
  readonly msr: SerialMsr;
  readonly scanner: SerialScanner;
  /** The virtual devices behind them. */
  readonly pn532: VirtualPn532;
  readonly virtualMsr: VirtualMsr;
  readonly virtualScanner: VirtualSerialScanner;
  private readonly deviceEnds;
  private readonly cards = new Map<TestCardProfileId, VirtualEmvCard>();

  constructor(private readonly options: VirtualKitOptions = {}) {
    const [readerHost, readerDevice] = inprocPair('pn532');
    const [msrHost, msrDevice] = inprocPair('msr');
    const [scannerHost, scannerDevice] = inprocPair('scanner');
    this.deviceEnds = [readerDevice, msrDevice, scannerDevice];
    this.pn532 = new VirtualPn532(readerDevice, { baudRate: options.readerBaudRate ?? 115200 });
    this.virtualMsr = new VirtualMsr(msrDevice);
    this.virtualScanner = new VirtualSerialScanner(scannerDevice);
    this.reader = new Pn532Reader(readerHost, options.readerOptions);
    this.msr = new SerialMsr(msrHost);
    this.scanner = new SerialScanner(scannerHost);
  }

  async start(): Promise<void> {
    for (const end of this.deviceEnds) await end.open();
    await this.reader.start();
    await this.msr.start();
    await this.scanner.start();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    await this.msr.stop();
    await this.scanner.stop();
    this.pn532.close();
    this.virtualMsr.close();
    this.virtualScanner.close();
    for (const end of this.deviceEnds) await end.close();
  }

  /** The card of a profile (one per profile, so its ATC keeps counting from tap to tap). */
  card(profile: TestCardProfileId): VirtualEmvCard {
    let card = this.cards.get(profile);
    if (!card) {
      if (!Object.hasOwn(testCards, profile)) throw new RangeError(`card: no virtual card profile of that name (one of: ${Object.keys(testCards).join(', ')})`);
      const atc = this.options.atcs?.[profile];
      const next = this.options.nextAtc;
      card = createVirtualCard(profile, { ...(atc === undefined ? {} : { atc }), ...(next ? { nextAtc: (current: number) => next(profile, current) } : {}) });
      this.cards.set(profile, card);
    }
    return card;
  }

  /** The ATC of each card used so far, to start from next time. */
  atcs(): Partial<Record<TestCardProfileId, number>> {
    return Object.fromEntries([...this.cards].map(([id, card]) => [id, card.atc]));
  }

  /** Puts a profile's card in the reader's field (it stays until removed). */
  tap(profile: TestCardProfileId, options: { removeAfterApdus?: number } = {}): VirtualEmvCard {
    const card = this.card(profile);
    this.pn532.remove(card);
    this.pn532.tap(card, options);
    return card;
  }

  /** Takes every card out of the field. */
  removeCards(): number {
    return this.pn532.remove();
  }

  swipe(id: MagstripeTestCardId): Promise<void> {
    if (!Object.hasOwn(magstripeTestCards, id)) throw new RangeError(`card: no magstripe test card of that name (one of: ${Object.keys(magstripeTestCards).join(', ')})`);
    return this.virtualMsr.swipe(id);
  }

  scan(text: string, symbology?: string): Promise<void> {
    return this.virtualScanner.scan(text, symbology);
  }
}
