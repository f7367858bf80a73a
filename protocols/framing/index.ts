/**
 * TCP length headers for ISO 8583: 2-byte binary (NAC/Post style), 2-byte BCD, 4 ASCII digits, or
 * none (one message per chunk: no pipelining). With a header the Deframer reassembles messages from
 * split and coalesced chunks, and refuses a length above the limit before it buffers a byte of the body.
 */
import { DecodeError, EncodeError } from '../errors.js';

export type LengthHeader = 'none' | 'binary2' | 'bcd2' | 'ascii4';

export interface FramingOptions {
  length: LengthHeader;
  /** Largest message accepted or sent, in bytes. Default 8192. */
  maxMessageLength?: number;
}

export const lengthHeaders: readonly LengthHeader[] = ['none', 'binary2', 'bcd2', 'ascii4'];
const headerSize: Record<LengthHeader, number> = { none: 0, binary2: 2, bcd2: 2, ascii4: 4 };
const headerMax: Record<LengthHeader, number> = { none: Infinity, binary2: 0xffff, bcd2: 9999, ascii4: 9999 };
const what = 'frame length header';

function writeLength(length: number, header: LengthHeader): Buffer {
  switch (header) {
    case 'none':
      return Buffer.alloc(0);
    case 'binary2':
      return Buffer.from([length >> 8, length & 0xff]);
    case 'bcd2':
      return Buffer.from(String(length).padStart(4, '0'), 'hex');
    case 'ascii4':
      return Buffer.from(String(length).padStart(4, '0'), 'latin1');
  }
}

function readLength(bytes: Buffer, at: number, header: LengthHeader, offset: number): number {
  if (header === 'binary2') return bytes.readUInt16BE(at);
  const text = header === 'bcd2' ? bytes.toString('hex', at, at + 2) : bytes.toString('latin1', at, at + 4);
  if (!/^[0-9]{4}$/.test(text)) throw new DecodeError(what, header, offset, `is not ${header === 'bcd2' ? 'BCD' : 'ASCII'} digits`);
  return Number(text);
}

/** Prefixes one message with its length header. */
export function frame(message: Buffer, options: FramingOptions): Buffer {
  const max = Math.min(options.maxMessageLength ?? 8192, headerMax[options.length]);
  if (message.length > max) throw new EncodeError('frame', options.length, `message of ${message.length} bytes exceeds the limit of ${max}`);
  return Buffer.concat([writeLength(message.length, options.length), message]);
}

/** Splits a byte stream into messages. One instance per connection. */
export class Deframer {
  private pending: Buffer = Buffer.alloc(0);
  /** Stream offset of pending[0], for error positions. */
  private consumed = 0;
  private readonly max: number;

  constructor(private readonly options: FramingOptions) {
    this.max = Math.min(options.maxMessageLength ?? 8192, headerMax[options.length]);
  }

  /** Feeds one chunk; returns the messages it completed, in order. Throws DecodeError on a bad or oversize length. */
  push(chunk: Buffer): Buffer[] {
    const header = this.options.length;
    // No length header: each chunk (one TCP read) is one message, for links that frame below TCP. A
    // message split across reads, or two in one, cannot be told apart here and fails to decode.
    if (header === 'none') {
      if (chunk.length > this.max) throw new DecodeError(what, header, this.consumed, `chunk of ${chunk.length} bytes exceeds the limit of ${this.max}`);
      this.consumed += chunk.length;
      return chunk.length ? [chunk] : [];
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const size = headerSize[header];
    const messages: Buffer[] = [];
    let at = 0;
    while (this.pending.length - at >= size) {
      const length = readLength(this.pending, at, header, this.consumed + at);
      if (length > this.max) throw new DecodeError(what, header, this.consumed + at, `announces ${length} bytes, above the limit of ${this.max}`);
      if (this.pending.length - at - size < length) break;
      messages.push(Buffer.from(this.pending.subarray(at + size, at + size + length)));
      at += size + length;
    }
    this.consumed += at;
    this.pending = this.pending.subarray(at);
    return messages;
  }

  /** Bytes received that do not yet form a whole message. */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * The frame begun and not yet whole, for a report when its stream ends: the body length its header
   * announces (undefined while the header is incomplete), the bytes received after the header (of the
   * header while it is incomplete) and the header's size. Undefined when no frame is begun. Counts
   * only, never the bytes (they may hold a PAN or track data). Meaningless after a push() that threw.
   */
  get partial(): { announced: number | undefined; received: number; headerSize: number } | undefined {
    if (this.pending.length === 0) return undefined;
    const size = headerSize[this.options.length];
    if (this.pending.length < size) return { announced: undefined, received: this.pending.length, headerSize: size };
    // push() has read and checked this header already (it is the frame's that broke off): it reads again the same.
    return { announced: readLength(this.pending, 0, this.options.length, this.consumed), received: this.pending.length - size, headerSize: size };
  }
}
