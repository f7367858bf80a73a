/**
 * PN532 host-controller frames (NXP UM0701-02 §6.2.1), as sent over the HSU (UART) link.
 *
 *   normal information frame    00 00 FF LEN LCS TFI PD0..PDn DCS 00        LEN + LCS ≡ 0, TFI + ΣPD + DCS ≡ 0
 *   extended information frame  00 00 FF FF FF LENM LENL LCS TFI PD.. DCS 00  LENM + LENL + LCS ≡ 0
 *   ACK                         00 00 FF 00 FF 00
 *   NACK                        00 00 FF FF 00 00
 *   application error frame     00 00 FF 01 FF 7F 81 00
 *
 * LEN counts TFI plus data. TFI is D4 host→PN532 and D5 PN532→host.
 */
import { DecodeError, EncodeError } from '../errors.js';

export const TFI_HOST_TO_PN532 = 0xd4;
export const TFI_PN532_TO_HOST = 0xd5;
/** The TFI position of the application error frame ("syntax error" from the PN532). */
export const ERROR_FRAME_CODE = 0x7f;

export const ACK_FRAME: Buffer = Buffer.from([0x00, 0x00, 0xff, 0x00, 0xff, 0x00]);
export const NACK_FRAME: Buffer = Buffer.from([0x00, 0x00, 0xff, 0xff, 0x00, 0x00]);
export const ERROR_FRAME: Buffer = Buffer.from([0x00, 0x00, 0xff, 0x01, 0xff, 0x7f, 0x81, 0x00]);

/** Largest data (PD0..PDn, without TFI) a normal frame carries: LEN ≤ 255 includes TFI. */
export const NORMAL_FRAME_MAX_DATA = 254;
/**
 * Largest LEN (TFI + data) we accept in an extended frame. The PN532's own buffer holds 264 data
 * bytes plus the TFI (UM0701 §6.2.1.2, libnfc PN53x_EXTENDED_FRAME__DATA_MAX_LEN); a little slack
 * keeps us compatible without letting a corrupt length make us buffer kilobytes.
 */
export const EXTENDED_FRAME_MAX_LEN = 265;

export type Pn532Frame =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'error' }
  | { kind: 'info'; tfi: number; data: Buffer; extended: boolean };

/** The checksum byte that makes `bytes` sum to zero mod 256 (LCS and DCS). */
export function checksum(bytes: Iterable<number>): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return (0x100 - sum) & 0xff;
}

/**
 * Encodes an information frame. `data` is PD0..PDn (command code first). Uses a normal frame up to
 * 254 data bytes and an extended frame beyond, as libnfc does.
 */
export function encodeFrame(tfi: number, data: Uint8Array): Buffer {
  if (!Number.isInteger(tfi) || tfi < 0 || tfi > 0xff) throw new EncodeError('PN532 frame', 'TFI', 'not a byte');
  const len = data.length + 1;
  if (len > EXTENDED_FRAME_MAX_LEN)
    throw new EncodeError('PN532 frame', 'LEN', `${data.length} data bytes exceed the PN532's ${EXTENDED_FRAME_MAX_LEN - 1}`);
  const dcs = checksum([tfi, ...data]);
  if (data.length <= NORMAL_FRAME_MAX_DATA) {
    return Buffer.from([0x00, 0x00, 0xff, len, checksum([len]), tfi, ...data, dcs, 0x00]);
  }
  const lenM = len >> 8;
  const lenL = len & 0xff;
  return Buffer.from([0x00, 0x00, 0xff, 0xff, 0xff, lenM, lenL, checksum([lenM, lenL]), tfi, ...data, dcs, 0x00]);
}

/** A host→PN532 command frame: TFI D4, then the command code and its parameters. */
export function encodeCommand(command: number, params: Uint8Array = Buffer.alloc(0)): Buffer {
  return encodeFrame(TFI_HOST_TO_PN532, Buffer.from([command, ...params]));
}

/** A PN532→host response frame: TFI D5, then command + 1 and the response data. */
export function encodeResponse(command: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return encodeFrame(TFI_PN532_TO_HOST, Buffer.from([(command + 1) & 0xff, ...data]));
}

export type ParseResult =
  | { type: 'frame'; frame: Pn532Frame; /** stream offset of the start code's leading 00 */ offset: number; length: number }
  | { type: 'error'; error: DecodeError };

export interface FrameParserOptions {
  /** Largest LEN accepted (TFI + data). Default EXTENDED_FRAME_MAX_LEN. */
  maxLen?: number;
}

type Attempt = { status: 'need-more' } | { status: 'frame'; frame: Pn532Frame; end: number } | { status: 'bad'; error: DecodeError };

/**
 * A streaming frame parser for the byte stream of either direction. Feed it chunks as they arrive;
 * it returns every complete frame and a DecodeError for each problem (bytes that are no frame, a
 * bad LCS/DCS, a missing postamble, an unknown TFI, an oversize length). After a problem it
 * resynchronises on the next start code, so one corrupt frame costs only that frame. Offsets in
 * errors and frames count bytes from the first byte ever pushed. It never buffers more than one
 * frame's worth of bytes.
 */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);
  /** Stream offset of pending[0]. */
  private base = 0;
  private readonly maxLen: number;

  constructor(options: FrameParserOptions = {}) {
    this.maxLen = options.maxLen ?? EXTENDED_FRAME_MAX_LEN;
  }

  /** Forget buffered bytes (e.g. after a timeout); the stream offset keeps counting. */
  reset(): void {
    this.base += this.pending.length;
    this.pending = Buffer.alloc(0);
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): ParseResult[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const results: ParseResult[] = [];
    for (;;) {
      const start = findStartCode(this.pending);
      if (start < 0) {
        // keep trailing 00s that may be a preamble and the first half of a start code
        let keep = 0;
        while (keep < 2 && keep < this.pending.length && this.pending[this.pending.length - 1 - keep] === 0x00) keep++;
        const junk = this.pending.length - keep;
        if (junk > 0) results.push(this.junk(0, junk));
        this.consume(junk);
        return results;
      }
      // the frame begins at its preamble when there is one (00 00 FF); the preamble is optional on receipt
      const frameStart = start > 0 && this.pending[start - 1] === 0x00 ? start - 1 : start;
      if (frameStart > 0) {
        results.push(this.junk(0, frameStart));
        this.consume(frameStart);
        continue;
      }
      const attempt = this.tryFrame(start - frameStart);
      if (attempt.status === 'need-more') return results;
      if (attempt.status === 'bad') {
        results.push({ type: 'error', error: attempt.error });
        this.consume(start - frameStart + 2); // skip this start code, look for the next one
        continue;
      }
      results.push({ type: 'frame', frame: attempt.frame, offset: this.base, length: attempt.end });
      this.consume(attempt.end);
    }
  }

  private consume(count: number): void {
    this.pending = this.pending.subarray(count);
    this.base += count;
  }

  private junk(from: number, count: number): ParseResult {
    return {
      type: 'error',
      error: new DecodeError('PN532 frame', 'start code', this.base + from, `${count} byte(s) before a start code skipped`),
    };
  }

  /** Tries to read a frame whose start code (00 FF) is at `sc` in pending. */
  private tryFrame(sc: number): Attempt {
    const bytes = this.pending;
    const at = (i: number) => this.base + i;
    const bad = (part: string, i: number, reason: string): Attempt => ({
      status: 'bad',
      error: new DecodeError('PN532 frame', part, at(i), reason),
    });
    const p = sc + 2; // LEN position
    if (bytes.length < p + 2) return { status: 'need-more' };
    const len = bytes[p]!;
    const lcs = bytes[p + 1]!;
    if (len === 0x00 && lcs === 0xff) return this.expectPostamble(p + 2, { kind: 'ack' });
    if (len === 0xff && lcs === 0x00) return this.expectPostamble(p + 2, { kind: 'nack' });

    let dataLen: number;
    let tfiAt: number;
    let extended = false;
    if (len === 0xff && lcs === 0xff) {
      if (bytes.length < p + 5) return { status: 'need-more' };
      const lenM = bytes[p + 2]!;
      const lenL = bytes[p + 3]!;
      if (((lenM + lenL + bytes[p + 4]!) & 0xff) !== 0) return bad('LCS', p + 4, 'extended length checksum mismatch');
      dataLen = (lenM << 8) | lenL;
      tfiAt = p + 5;
      extended = true;
    } else {
      if (((len + lcs) & 0xff) !== 0) return bad('LCS', p + 1, 'length checksum mismatch');
      dataLen = len;
      tfiAt = p + 2;
    }
    if (dataLen === 0) return bad('LEN', p, 'length 0 in an information frame');
    if (dataLen > this.maxLen) return bad('LEN', p, `length ${dataLen} exceeds ${this.maxLen}`);
    const dcsAt = tfiAt + dataLen;
    if (bytes.length < dcsAt + 2) return { status: 'need-more' };
    const body = bytes.subarray(tfiAt, dcsAt);
    if (checksum(body) !== bytes[dcsAt]) return bad('DCS', dcsAt, 'data checksum mismatch');
    if (bytes[dcsAt + 1] !== 0x00) return bad('postamble', dcsAt + 1, 'postamble is not 00');
    const tfi = body[0]!;
    const end = dcsAt + 2;
    if (tfi === ERROR_FRAME_CODE && dataLen === 1) return { status: 'frame', frame: { kind: 'error' }, end };
    if (tfi !== TFI_HOST_TO_PN532 && tfi !== TFI_PN532_TO_HOST) return bad('TFI', tfiAt, 'TFI is neither D4 nor D5');
    return { status: 'frame', frame: { kind: 'info', tfi, data: Buffer.from(body.subarray(1)), extended }, end };
  }

  private expectPostamble(i: number, frame: Pn532Frame): Attempt {
    if (this.pending.length < i + 1) return { status: 'need-more' };
    if (this.pending[i] !== 0x00)
      return { status: 'bad', error: new DecodeError('PN532 frame', 'postamble', this.base + i, 'postamble is not 00') };
    return { status: 'frame', frame, end: i + 1 };
  }
}

/** Index of the first 00 FF start code, or -1. */
function findStartCode(bytes: Buffer): number {
  for (let i = bytes.indexOf(0x00); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0x00, i + 1)) {
    if (bytes[i + 1] === 0xff) return i;
  }
  return -1;
}

/**
 * Decodes exactly one frame (for tests, tools and fuzzing). Leading junk and trailing bytes are
 * errors here; the streaming FrameParser is the tolerant reader.
 */
export function decodeFrame(bytes: Uint8Array): Pn532Frame {
  const parser = new FrameParser();
  const results = parser.push(bytes);
  const first = results[0];
  if (first === undefined) {
    throw new DecodeError('PN532 frame', '', bytes.length, bytes.length === 0 ? 'empty input' : 'truncated frame');
  }
  if (first.type === 'error') throw first.error;
  if (first.length !== bytes.length || results.length > 1 || parser.buffered > 0)
    throw new DecodeError('PN532 frame', '', first.length, `${bytes.length - first.length} byte(s) after the frame`);
  return first.frame;
}
