/**
 * The error every protocols/crypto function throws on bad input: it names the argument and what is
 * wrong with it ("key: 15 bytes, expected 16, 24 or 32"). Messages carry lengths, formats and
 * positions only — never key, PIN, PIN block or PAN material — so they are safe to log.
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    /** The argument or structure at fault: "key", "PIN block", "KSN", "TR-31 header", … */
    readonly what: string,
    /** What is wrong, without the data itself. */
    readonly reason: string,
  ) {
    super(`${what}: ${reason}`);
  }
}

/** Throws unless `bytes` has one of the allowed lengths. */
export function expectLength(what: string, bytes: Buffer, allowed: readonly number[]): void {
  if (allowed.includes(bytes.length)) return;
  const list = allowed.length === 1 ? `${allowed[0]}` : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
  throw new CryptoError(what, `${bytes.length} bytes, expected ${list}`);
}
