/**
 * A virtual serial magnetic stripe reader: for a swipe it writes what a serial MSR writes — track 1
 * and track 2 in ASCII with their sentinels, LRC checked and stripped, `%E?` / `;E?` for a track it
 * could not read, then CR (or CRLF) — paced at the line speed (9600 baud 8N1 by default, the usual
 * setting of serial MSRs).
 */
import { formatTrack1, formatTrack2 } from '../../protocols/magstripe/index.js';
import { magstripeTestCards, type MagstripeTestCard, type MagstripeTestCardId } from '../../protocols/testcards.js';
import { LineClock } from '../nfc/line-clock.js';

export interface VirtualMsrOptions {
  baudRate?: number;
  terminator?: 'CR' | 'CRLF';
  /** Leave the LRC character after each end sentinel (a few readers do). Default false. */
  lrc?: boolean;
}

export interface SwipeOptions {
  /** Which tracks the stripe has / the head reads. Default both. */
  tracks?: Array<1 | 2>;
  /** Tracks the head fails to read: sent as %E? / ;E?. */
  unreadable?: Array<1 | 2>;
}

/** The device side it writes to: a ByteTransport (PTY end, in-process pair). */
export interface MsrLink {
  write(bytes: Uint8Array): Promise<void>;
}

export class VirtualMsr {
  readonly baudRate: number;
  swipes = 0;
  private readonly clock: LineClock;
  private readonly terminator: string;

  constructor(
    link: MsrLink,
    private readonly options: VirtualMsrOptions = {},
  ) {
    this.baudRate = options.baudRate ?? 9600;
    this.terminator = options.terminator === 'CRLF' ? '\r\n' : '\r';
    this.clock = new LineClock(this.baudRate, (bytes) => void link.write(bytes).catch(() => {}));
  }

  /** The text one swipe of this card puts on the line (terminator included). */
  swipeText(card: MagstripeTestCard | MagstripeTestCardId, options: SwipeOptions = {}): string {
    const c = typeof card === 'string' ? magstripeTestCards[card] : card;
    const tracks = options.tracks ?? [1, 2];
    const bad = options.unreadable ?? [];
    const lrc = { lrc: this.options.lrc ?? false };
    let text = '';
    if (tracks.includes(1))
      text += bad.includes(1) ? '%E?' : formatTrack1({ pan: c.pan, name: c.name, expiry: c.expiry, serviceCode: c.serviceCode, discretionary: c.discretionary }, lrc);
    if (tracks.includes(2))
      text += bad.includes(2) ? ';E?' : formatTrack2({ pan: c.pan, expiry: c.expiry, serviceCode: c.serviceCode, discretionary: c.discretionary }, lrc);
    return text + this.terminator;
  }

  /** Swipes a card; resolves when the last byte would have left the wire. */
  swipe(card: MagstripeTestCard | MagstripeTestCardId, options: SwipeOptions = {}): Promise<void> {
    this.swipes++;
    return this.clock.transmitted(Buffer.from(this.swipeText(card, options), 'latin1'));
  }

  /** Any bytes, as a faulty or misconfigured reader might send them. */
  sendRaw(bytes: Uint8Array): Promise<void> {
    return this.clock.transmitted(Buffer.from(bytes));
  }

  close(): void {
    this.clock.close();
  }
}
