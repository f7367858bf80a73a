/**
 * The contactless reader seam: "card present → exchange APDUs → card gone". The PN532 driver
 * implements it over any ByteTransport; the terminal kernel knows only this.
 */
import type { EventEmitter } from 'node:events';

export interface CardInfo {
  /** NFCID1 (UID) as the reader reported it: 4, 7 or 10 bytes. */
  uid: Buffer;
  /** SENS_RES (ATQA), 2 bytes. */
  atqa: Buffer;
  /** SEL_RES (SAK); bit 0x20 means ISO 14443-4 (an EMV contactless card). */
  sak: number;
  /** The ATS including its length byte TL, for ISO 14443-4 cards. */
  ats?: Buffer;
}

export interface CardReaderEvents {
  present: [CardInfo];
  gone: [];
  error: [Error];
}

export interface CardReader extends EventEmitter<CardReaderEvents> {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when a card is activated in the field; rejects on timeout/abort (ReaderTimeoutError / AbortError). */
  waitForCard(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<CardInfo>;
  /** R-APDU including SW1 SW2; throws CardGoneError if the card left. */
  transceive(apdu: Buffer): Promise<Buffer>;
}

/** The card left the field (or never was there) while the reader was talking to it. */
export class CardGoneError extends Error {
  override readonly name = 'CardGoneError';
}

/** The reader did not answer in time, even after retries. */
export class ReaderTimeoutError extends Error {
  override readonly name = 'ReaderTimeoutError';
}

/** The reader answered something we cannot use: a syntax-error frame, a wrong response code, a status error. */
export class ReaderProtocolError extends Error {
  override readonly name = 'ReaderProtocolError';
  constructor(
    message: string,
    /** The PN532 status error code when the error came from one (low 6 bits of the status byte). */
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

/** The reader itself went away (USB unplugged, PTY closed). A reconnecting transport may bring it back. */
export class ReaderGoneError extends Error {
  override readonly name = 'ReaderGoneError';
}

/** Two or more cards answered: EMV contactless asks the cardholder to present only one. */
export class CardCollisionError extends Error {
  override readonly name = 'CardCollisionError';
}
