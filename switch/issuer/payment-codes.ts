/**
 * The wallet check of a scanned payment code (DE48 QR) against the wallet it is sent to (DE48 WS),
 * by the default rules of protocols/qr (classify.ts; EMVCo CPM payloads by structure). The issuer
 * simulator knows only those rules: a terminal configured with other patterns for these wallets
 * (docs/qr.md) sends codes the simulator refuses.
 */
import { paymentCodeClassifier } from '../../protocols/qr/index.js';

const classifier = paymentCodeClassifier();

/**
 * Why `code` cannot pay through `wallet`, or undefined when it can. No code, or one that fits no
 * wallet's format, is a format error (30); one of another wallet's format is an invalid card number
 * (14): the wallet it was sent to does not know it, as WeChat Pay (AUTHCODEINVALID) and Alipay
 * (ACQ.PAYMENT_AUTH_CODE_INVALID) answer a code that is not theirs. The code itself is never in the
 * reason (a one-time payment credential): only its shape.
 */
export function paymentCodeRefusal(wallet: string, code: string | undefined): { responseCode: '30' | '14'; reason: string } | undefined {
  if (code === undefined) return { responseCode: '30', reason: `format: field 48.QR (payment code) missing for wallet ${wallet}` };
  // The format check reads the code trimmed (a scanner's line end), the account its first two characters as sent: a code with spaces around it would pay from an account of its own.
  if (code !== code.trim()) return { responseCode: '30', reason: 'format: field 48.QR has spaces before or after the code' };
  const found = classifier.classify(code);
  if (found.scheme === undefined) return { responseCode: '30', reason: `format: field 48.QR is no payment code: ${found.reason}` };
  if (found.scheme !== wallet) return { responseCode: '14', reason: `payment code of the ${found.scheme} format sent to wallet ${wallet}` };
  return undefined;
}
