/**
 * The working keys the host hands out at sign-on (CONTRACTS.md: DE96 = TPK and TAK under the TMK,
 * with KCVs) and the message MAC made with the TAK: ISO 9797-1 algorithm 3, padding 1, over the
 * packed message from the MTI to the end of the field before the MAC (header excluded). DE64 holds
 * the MAC, or DE128 when the message has a secondary bitmap. Keys stay in memory only.
 */
import { messageMac, unwrapWorkingKeys, verifyMessageMac } from '../protocols/crypto/index.js';
import type { IsoMessage } from '../protocols/iso8583/index.js';
import type { MacHooks } from './host-link.js';

const macMtis = new Set(['0100', '0110', '0200', '0210', '0220', '0230', '0320', '0330', '0400', '0410', '0420', '0430', '0500', '0510']);

/** A financial message cannot be MACed because sign-on has not given the terminal a TAK. */
export class NotSignedOnError extends Error {
  override readonly name = 'NotSignedOnError';
}

export class SessionKeys implements MacHooks {
  private tak: Buffer | undefined;
  private tpk: Buffer | undefined;

  constructor(private readonly tmk: Buffer) {}

  get ready(): boolean {
    return this.tak !== undefined;
  }

  /** Unwraps and checks DE96; throws (CryptoError/DecodeError) and keeps the old keys when it does not verify. */
  install(de96: Buffer): void {
    const { tpk, tak } = unwrapWorkingKeys(de96, this.tmk);
    this.tpk = tpk;
    this.tak = tak;
  }

  /** The TPK, for PIN blocks made under it when there is no DUKPT PIN pad. */
  get pinKey(): Buffer | undefined {
    return this.tpk;
  }

  clear(): void {
    this.tak = undefined;
    this.tpk = undefined;
  }

  sign(message: IsoMessage): void {
    if (!macMtis.has(message.mti)) return;
    if (!this.tak) throw new NotSignedOnError('the terminal is not signed on: no MAC key');
    message.unset('64').unset('128');
    const field = message.fieldIds().some((id) => id > 64) ? '128' : '64';
    message.set(field, Buffer.alloc(8));
    const packed = message.pack();
    message.set(field, messageMac(this.tak, macInput(message, packed)));
  }

  verify(message: IsoMessage, raw: Buffer): boolean {
    if (!macMtis.has(message.mti)) return true;
    const mac = message.getBuffer('128') ?? message.getBuffer('64');
    // The switch answers A0 without a MAC when ours failed (CONTRACTS.md): a decline, safe to accept.
    if (!mac) return message.getString('39') === 'A0';
    return this.tak !== undefined && verifyMessageMac(this.tak, macInput(message, raw), mac);
  }
}

function macInput(message: IsoMessage, packed: Buffer): Buffer {
  return packed.subarray(message.spec.headerLength ?? 0, packed.length - 8);
}
