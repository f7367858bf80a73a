/**
 * The message MAC of CONTRACTS.md: ISO 9797-1 algorithm 3 (retail MAC), padding method 1, 8 bytes,
 * under the TAK, over the packed message from the MTI to the end of the last field before the MAC
 * field. The caller hands over exactly those bytes.
 */
import { retailMac, RetailMacKey } from './mac.js';
import { equalBytes } from './primitives.js';

export function messageMac(tak: Buffer, macInput: Buffer): Buffer {
  return retailMac(tak, macInput, 1, 8);
}

export function verifyMessageMac(tak: Buffer, macInput: Buffer, mac: Buffer): boolean {
  return equalBytes(messageMac(tak, macInput), mac);
}

/** The message MAC under one TAK, prepared once for many messages (its DES key schedules are computed once: see RetailMacKey). */
export class MessageMacKey {
  readonly #key: RetailMacKey;

  constructor(tak: Buffer) {
    this.#key = new RetailMacKey(tak);
  }

  mac(macInput: Buffer): Buffer {
    return this.#key.mac(macInput, 1, 8);
  }

  verify(macInput: Buffer, mac: Buffer): boolean {
    return equalBytes(this.mac(macInput), mac);
  }
}
