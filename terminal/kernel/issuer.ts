/**
 * What the kernel does with the host's answer: checks the issuer authentication data (91) against
 * the layout the scheme's ARPC method gives it (method 1: ARPC(8)‖ARC(2) with ARC = the response
 * code in ASCII; method 2: ARPC(4)‖CSU(4)), and, when the card's AIP says it supports issuer
 * authentication, hands 91 to the card with EXTERNAL AUTHENTICATE while it is still in the field.
 * The terminal cannot recompute an ARPC (the issuer keys stay in the HSM); an answer that
 * approves with no 91, or with a 91 that does not fit, is a failed issuer authentication.
 */
import { CardGoneError, type CardReader } from '../../hardware/nfc/card-reader.js';
import { externalAuthenticate, type KernelResult } from './kernel.js';

export type IssuerOutcome =
  | { ok: true; cardUpdated: boolean }
  | { ok: false; reasonCode: 'arpc-failed' | 'card-removed' | 'reader-error'; reason: string };

export async function processIssuerAnswer(
  result: KernelResult,
  answer: { responseCode: string; issuerAuthenticationData: Buffer | undefined },
  reader: CardReader | undefined,
): Promise<IssuerOutcome> {
  const data = answer.issuerAuthenticationData;
  if (!data) {
    if (answer.responseCode !== '00') return { ok: true, cardUpdated: false };
    result.tvr.set('issuerAuthenticationFailed');
    return { ok: false, reasonCode: 'arpc-failed', reason: 'the host approved without issuer authentication data (91)' };
  }
  const fits =
    result.arpcMethod === 1
      ? data.length === 10 && data.subarray(8).toString('latin1') === answer.responseCode
      : data.length === 8;
  if (!fits) {
    result.tvr.set('issuerAuthenticationFailed');
    return { ok: false, reasonCode: 'arpc-failed', reason: 'the issuer authentication data (91) does not match the answer' };
  }
  const aip = result.data.get('82');
  if (!reader || !aip || (aip[0]! & 0x04) === 0) return { ok: true, cardUpdated: false };
  let response: Buffer;
  try {
    response = await reader.transceive(externalAuthenticate(data));
  } catch (error) {
    if (error instanceof CardGoneError) return { ok: false, reasonCode: 'card-removed', reason: 'the card was removed before the issuer’s answer reached it' };
    // The card may still be in the field (a lost frame: the reader never sends a card command twice, docs/hardware.md).
    return { ok: false, reasonCode: 'reader-error', reason: `the reader failed while completing with the card: ${(error as Error).message}` };
  }
  const sw = response.subarray(-2).toString('hex').toUpperCase();
  result.tsi.set('issuerAuthenticationPerformed');
  if (sw === '9000') return { ok: true, cardUpdated: true };
  if (sw === '6300') {
    result.tvr.set('issuerAuthenticationFailed');
    return { ok: false, reasonCode: 'arpc-failed', reason: 'the card rejected the issuer authentication (6300)' };
  }
  return { ok: true, cardUpdated: false }; // the card does not support the command (6D00 …): nothing to complete
}
