import { EncodeError } from './errors.js';

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;

/** Parses hex (spaces allowed between bytes); throws an EncodeError naming `what` on odd length or a non-hex digit. */
export function fromHex(hex: string, what = 'hex'): Buffer {
  const compact = hex.replace(/\s+/g, '');
  if (compact.length % 2 !== 0) throw new EncodeError(what, '', `odd number of hex digits (${compact.length})`);
  if (!hexPattern.test(compact)) {
    const at = compact.search(/[^0-9a-fA-F]/);
    throw new EncodeError(what, '', `not a hex digit at character ${at}`);
  }
  return Buffer.from(compact, 'hex');
}

/** Uppercase hex, the way payment specs and integrators write bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}
