/**
 * A CardReader over virtual cards without a PN532 in between: the kernel's fast test path. The
 * card leaves the field after `removeAfterApdus` exchanges, as VirtualPn532's tap option does.
 */
import { EventEmitter } from 'node:events';
import { CardGoneError, type CardInfo, type CardReader, type CardReaderEvents } from '../../hardware/nfc/card-reader.js';
import type { ContactlessCard } from '../../hardware/nfc/virtual-cards/contactless-card.js';

export class DirectCardReader extends EventEmitter<CardReaderEvents> implements CardReader {
  private card: ContactlessCard | undefined;
  private remaining = Infinity;
  private waiter: ((info: CardInfo) => void) | undefined;
  readonly sent: Buffer[] = [];

  tap(card: ContactlessCard, options: { removeAfterApdus?: number } = {}): void {
    this.card = card;
    this.remaining = options.removeAfterApdus ?? Infinity;
    card.activate();
    const info = this.info();
    this.emit('present', info);
    this.waiter?.(info);
    this.waiter = undefined;
  }

  remove(): void {
    this.card = undefined;
    this.emit('gone');
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  waitForCard(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CardInfo> {
    if (this.card) return Promise.resolve(this.info());
    return new Promise((resolve, reject) => {
      const timer = options.timeoutMs ? setTimeout(() => reject(new Error('no card')), options.timeoutMs) : undefined;
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.waiter = undefined;
        reject(options.signal!.reason);
      });
      this.waiter = (info) => {
        clearTimeout(timer);
        resolve(info);
      };
    });
  }

  async transceive(apdu: Buffer): Promise<Buffer> {
    if (!this.card || this.remaining <= 0) {
      this.card = undefined;
      throw new CardGoneError('the card left the field');
    }
    this.remaining--;
    this.sent.push(apdu);
    return this.card.transmit(apdu).response;
  }

  private info(): CardInfo {
    return { uid: this.card!.uid, atqa: this.card!.atqa, sak: this.card!.sak, ats: this.card!.ats };
  }
}
