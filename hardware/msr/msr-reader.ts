/**
 * Magnetic stripe reader over serial (MagTek/IDTech-style serial MSRs, USB-serial ones included):
 * each swipe arrives as one ASCII line — `%B…^…^…?` track 1, `;…=…?` track 2, the LRC usually
 * already checked and stripped — terminated by CR (or CRLF), read with @serialport/parser-delimiter
 * and parsed by protocols/magstripe. A track the head could not read comes as `%E?` / `;E?`.
 *
 * Emits `swipe` { track1?, track2? } (each with its sentinels, the LRC removed) and `error` with a
 * typed error for an unreadable swipe or garbage; neither ever carries track data. A line longer
 * than any swipe (no terminator coming) is dropped with an error rather than buffered forever.
 */
import { EventEmitter } from 'node:events';
import { DecodeError } from '../../protocols/errors.js';
import { parseSwipe } from '../../protocols/magstripe/index.js';
import { DeviceLink, reportInputError } from '../device-link.js';
import { LineSplitter } from '../line-splitter.js';
import type { ByteTransport } from '../transport.js';

export interface Swipe {
  track1?: string;
  track2?: string;
}

interface SerialMsrEvents {
  swipe: [Swipe];
  error: [Error];
  /** The reader is (again) connected. */
  open: [];
  gone: [Error];
}

/** The reader saw a card but could read none of its tracks (`%E?` / `;E?`): ask for another swipe. */
export class SwipeUnreadableError extends Error {
  override readonly name = 'SwipeUnreadableError';
  constructor(readonly tracks: Array<'track 1' | 'track 2'>) {
    super(`swipe unreadable: ${tracks.join(' and ')} could not be read; swipe again`);
  }
}

/** The line from the reader is no swipe we understand (the DecodeError says what and where, never the data). */
export class SwipeFormatError extends Error {
  override readonly name = 'SwipeFormatError';
  constructor(override readonly cause: DecodeError | string) {
    super(`swipe not understood: ${typeof cause === 'string' ? cause : cause.message}`);
  }
}

export interface SerialMsrOptions {
  /** Line terminator. Default CR; a CRLF reader works with either (the LF is dropped). */
  terminator?: 'CR' | 'LF';
  /** Longest line accepted; longer ones are dropped with a SwipeFormatError. Default 512 (track 1+2+3 fit in 300). */
  maxLineLength?: number;
}

const unreadable1 = /%E\?/;
const unreadable2 = /;E\?/;

/** Parses one line a serial MSR sent for a swipe (framing already removed). */
export function swipeFromLine(line: string): Swipe {
  const bad: Array<'track 1' | 'track 2'> = [];
  let text = line;
  if (unreadable1.test(text)) {
    bad.push('track 1');
    text = text.replace(unreadable1, '');
  }
  if (unreadable2.test(text)) {
    bad.push('track 2');
    text = text.replace(unreadable2, '');
  }
  const hasTrack = /%[^?]*\?|;[^?]*\?/.test(text);
  if (!hasTrack && bad.length) throw new SwipeUnreadableError(bad);
  const parsed = parseSwipe(text); // throws DecodeError naming the track and offset
  const swipe: Swipe = {};
  if (parsed.track1) swipe.track1 = /%[^?]*\?/.exec(text)![0];
  if (parsed.track2) swipe.track2 = /;[^?]*\?/.exec(text)![0];
  return swipe;
}

export class SerialMsr extends EventEmitter<SerialMsrEvents> {
  private readonly lines: LineSplitter;
  private readonly link: DeviceLink;

  constructor(
    readonly transport: ByteTransport,
    options: SerialMsrOptions = {},
  ) {
    super();
    this.lines = new LineSplitter({
      terminator: options.terminator,
      maxLength: options.maxLineLength ?? 512,
      onLine: (line) => this.line(line),
      onOverlong: (max) => reportInputError(this, new SwipeFormatError(`no line terminator within ${max} bytes`)),
    });
    this.link = new DeviceLink(this, transport, {
      data: (chunk) => this.lines.push(chunk),
      reset: () => this.lines.clear(), // half a swipe from before the unplug is worthless
    });
  }

  start(): Promise<void> {
    return this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  private line(bytes: Buffer): void {
    // CRLF / LFCR readers leave the other half; some readers frame with STX … ETX.
    const line = bytes.toString('latin1').replace(/^[\r\n\x02]+|[\r\n\x03]+$/g, '');
    if (line === '') return;
    let swipe: Swipe;
    try {
      swipe = swipeFromLine(line);
    } catch (error) {
      if (error instanceof SwipeUnreadableError) reportInputError(this, error);
      else if (error instanceof DecodeError) reportInputError(this, new SwipeFormatError(error));
      else reportInputError(this, new SwipeFormatError('unexpected error while parsing'));
      return;
    }
    this.emit('swipe', swipe);
  }
}
