/**
 * Magnetic stripe tracks (ISO/IEC 7813, 7811-2): track 1 (IATA, `%B PAN ^ NAME ^ YYMM SVC DD ?`)
 * and track 2 (ABA, `; PAN = YYMM SVC DD ?`), their LRCs, and what the service code says. Readers
 * usually strip the sentinels' LRC character and send ASCII; both forms are accepted.
 */
import { DecodeError, EncodeError } from '../errors.js';

export interface ServiceCode {
  code: string;
  /** Digit 1: interchange and technology. */
  interchange: string;
  /** Digit 2: authorization processing. */
  authorization: string;
  /** Digit 3: allowed services and PIN requirements. */
  services: string;
  /** First digit 2 or 6: the card has a chip, and a chip-capable terminal must read the chip instead. */
  requiresChip: boolean;
  pinRequired: boolean;
}

export interface Track1 {
  format: 'B';
  pan: string;
  name: string;
  /** YYMM; empty when the field was left out. */
  expiry: string;
  serviceCode: string;
  discretionary: string;
}

export interface Track2 {
  pan: string;
  expiry: string;
  serviceCode: string;
  discretionary: string;
}

const interchange: Record<string, string> = {
  '1': 'international interchange',
  '2': 'international interchange, integrated circuit card',
  '5': 'national interchange only',
  '6': 'national interchange only, integrated circuit card',
  '7': 'no interchange except under bilateral agreement',
  '9': 'test card',
};
const authorization: Record<string, string> = {
  '0': 'normal authorization',
  '2': 'contact issuer via online means',
  '4': 'contact issuer via online means except under bilateral agreement',
};
const services: Record<string, string> = {
  '0': 'no restrictions, PIN required',
  '1': 'no restrictions',
  '2': 'goods and services only',
  '3': 'ATM only, PIN required',
  '4': 'cash only',
  '5': 'goods and services only, PIN required',
  '6': 'no restrictions, prompt for PIN if PIN pad present',
  '7': 'goods and services only, prompt for PIN if PIN pad present',
};

export function serviceCode(code: string): ServiceCode {
  if (!/^\d{3}$/.test(code)) throw new EncodeError('service code', '', 'must be 3 digits');
  const [first, second, third] = code as unknown as [string, string, string];
  return {
    code,
    interchange: interchange[first] ?? 'reserved',
    authorization: authorization[second] ?? 'reserved',
    services: services[third] ?? 'reserved',
    requiresChip: first === '2' || first === '6',
    pinRequired: third === '0' || third === '3' || third === '5',
  };
}

/** Track 1 LRC: XOR of the 6-bit characters (char − 0x20) from % through ?, with odd parity in bit 7 ignored here. */
export function track1Lrc(textWithSentinels: string): string {
  let lrc = 0;
  for (const char of textWithSentinels) lrc ^= (char.charCodeAt(0) - 0x20) & 0x3f;
  return String.fromCharCode(lrc + 0x20);
}

/** Track 2 LRC: XOR of the 4-bit characters (char − 0x30) from ; through ?. */
export function track2Lrc(textWithSentinels: string): string {
  let lrc = 0;
  for (const char of textWithSentinels) lrc ^= (char.charCodeAt(0) - 0x30) & 0x0f;
  return String.fromCharCode(lrc + 0x30);
}

// After the expiry (or its separator) comes the 3-digit service code (or its separator) before any
// discretionary data (ISO/IEC 7813): '=25122?' is a cut service code, not service code '' and data '2'.
const track1Pattern = /^%B(\d{1,19})\^([^^]{0,26})\^(?:(\d{4}|\^)(?:(\d{3}|\^)([^?]*))?)?\?(.)?$/;
const track2Pattern = /^;(\d{1,19})=(?:(\d{4}|=)(?:(\d{3}|=)([0-9]*))?)?\?(.)?$/;

/** Parses track 1; a trailing LRC character, if present, must match. */
export function parseTrack1(text: string): Track1 {
  if (!text.startsWith('%')) throw new DecodeError('track 1', '', 0, 'does not start with the % sentinel');
  if (text.length > 79 + 1) throw new DecodeError('track 1', '', 79, 'longer than 79 characters');
  if (text[1] !== 'B') throw new DecodeError('track 1', 'format code', 1, 'format code is not B');
  const match = track1Pattern.exec(text);
  if (!match) throw new DecodeError('track 1', '', locateFault(text, ['%', 'B', 'digits', '^']), 'not %B PAN ^ NAME ^ YYMM SVC … ?');
  const [, pan, name, expiry, svc, discretionary = '', lrc] = match as unknown as [string, string, string, string | undefined, string | undefined, string | undefined, string | undefined];
  if (lrc !== undefined && lrc !== track1Lrc(text.slice(0, -1))) throw new DecodeError('track 1', 'LRC', text.length - 1, 'LRC does not match');
  return { format: 'B', pan, name: name.trim(), expiry: expiry && expiry !== '^' ? expiry : '', serviceCode: svc && svc !== '^' ? svc : '', discretionary };
}

/** Parses track 2; a trailing LRC character, if present, must match. */
export function parseTrack2(text: string): Track2 {
  if (!text.startsWith(';')) throw new DecodeError('track 2', '', 0, 'does not start with the ; sentinel');
  if (text.length > 40 + 1) throw new DecodeError('track 2', '', 40, 'longer than 40 characters');
  const match = track2Pattern.exec(text);
  if (!match) throw new DecodeError('track 2', '', locateFault(text, [';', 'digits', '=']), 'not ; PAN = YYMM SVC … ?');
  const [, pan, expiry, svc, discretionary = '', lrc] = match as unknown as [string, string, string | undefined, string | undefined, string | undefined, string | undefined];
  if (lrc !== undefined && lrc !== track2Lrc(text.slice(0, -1))) throw new DecodeError('track 2', 'LRC', text.length - 1, 'LRC does not match');
  return { pan, expiry: expiry && expiry !== '=' ? expiry : '', serviceCode: svc && svc !== '=' ? svc : '', discretionary };
}

/** The offset of the first character that breaks the expected start (for errors that say where). */
function locateFault(text: string, start: string[]): number {
  let at = 0;
  for (const part of start) {
    if (part === 'digits') {
      const digits = /^\d*/.exec(text.slice(at))![0].length;
      if (digits === 0) return at;
      at += digits;
    } else if (text.startsWith(part, at)) at += part.length;
    else return at;
  }
  return Math.min(at, text.length);
}

export function formatTrack2(track: Track2, options: { lrc?: boolean } = {}): string {
  if (!/^\d{1,19}$/.test(track.pan) || !/^(\d{4})?$/.test(track.expiry) || !/^(\d{3})?$/.test(track.serviceCode) || !/^\d*$/.test(track.discretionary))
    throw new EncodeError('track 2', '', 'PAN, expiry, service code and discretionary data must be digits of their lengths');
  const text = `;${track.pan}=${track.expiry || '='}${track.serviceCode || '='}${track.discretionary}?`;
  if (text.length > 40) throw new EncodeError('track 2', '', 'longer than 40 characters');
  return options.lrc ? text + track2Lrc(text) : text;
}

export function formatTrack1(track: Omit<Track1, 'format'>, options: { lrc?: boolean } = {}): string {
  if (!/^\d{1,19}$/.test(track.pan) || /[\^?%]/.test(track.name + track.discretionary))
    throw new EncodeError('track 1', '', 'PAN must be digits; name and discretionary data may not hold ^ ? %');
  const text = `%B${track.pan}^${track.name.padEnd(2, ' ')}^${track.expiry || '^'}${track.serviceCode || '^'}${track.discretionary}?`;
  if (text.length > 79) throw new EncodeError('track 1', '', 'longer than 79 characters');
  return options.lrc ? text + track1Lrc(text) : text;
}

/** The track 2 equivalent an ISO 8583 DE35 carries: PAN=YYMMSVCdiscretionary, without sentinels. */
export function track2Data(track: Track2): string {
  return `${track.pan}=${track.expiry}${track.serviceCode}${track.discretionary}`;
}

/** Parses what a reader sends for one swipe: track 1 and/or track 2, in either order, separated or not. */
export function parseSwipe(text: string): { track1?: Track1; track2?: Track2 } {
  const result: { track1?: Track1; track2?: Track2 } = {};
  // A character right after the end sentinel is the track's LRC, unless it starts the next track.
  const t1 = /%[^?]*\?[^%;\r\n]?/.exec(text);
  const t2 = /;[^?]*\?[^%;\r\n]?/.exec(text);
  if (t1) result.track1 = parseTrack1(t1[0]);
  if (t2) result.track2 = parseTrack2(t2[0]);
  if (!t1 && !t2) throw new DecodeError('swipe', '', 0, 'holds no track (no %…? or ;…?)');
  return result;
}
