/**
 * The one error type every decoder in protocols/ throws on bad input. It names what was being
 * decoded (a field, a tag, a frame part), where (a path such as "55.9F26" or "127.2"), and the byte
 * offset from the start of the input. Its message never carries the bad data itself, so it is
 * safe to log even when the input held a PAN or a PIN block.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    /** What the decoder was reading: "ISO 8583 field", "BER-TLV length", "PN532 frame", … */
    readonly what: string,
    /** A path inside the message ("2", "55.9F26", "127.2") or "" for the whole input. */
    readonly path: string,
    /** Byte offset from the start of the input handed to the decoder. */
    readonly offset: number,
    /** What is wrong, without the data itself. */
    readonly reason: string,
  ) {
    super(`${what}${path ? ` ${path}` : ''} at byte ${offset}: ${reason}`);
  }
}

/** Thrown by encoders when a value does not fit its definition (too long, wrong characters, …). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  constructor(
    readonly what: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${what}${path ? ` ${path}` : ''}: ${reason}`);
  }
}
