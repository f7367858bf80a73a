/**
 * The PIN pad seam (CONTRACTS.md): asked for a PIN for a PAN and an amount, it answers an
 * enciphered ISO 9564 format 0 PIN block and the KSN it was made under — never the PIN. The
 * virtual PIN pad is a TDES DUKPT originating device (X9.24-1): each PIN block uses the next KSN
 * and the PIN variant of that KSN's transaction key. Without DUKPT keys it enciphers under the TPK
 * the terminal loads into it at each sign-on, and answers no KSN (then the host finds no DE53 and
 * uses the TPK). A tester tells it what the cardholder "types".
 */
import { encipherPinBlock, nextTdesKsn, tdesTransactionKey, tdesWorkingKey } from '../protocols/crypto/index.js';
import { fromHex } from '../protocols/bytes.js';

/** `ksn` absent: the block is under the TPK. */
export type PinResult = { pinBlock: Buffer; ksn?: Buffer } | { cancelled: true };

export interface PinPad {
  requestPin(request: { pan: string; amount: number; signal?: AbortSignal }): Promise<PinResult>;
  /** The TPK from the latest sign-on (undefined once the session is gone), for a pad without DUKPT keys. */
  loadPinKey?(tpk: Buffer | undefined): void;
}

/** A PIN was asked for but the PIN pad has no key to encipher it under. */
export class NoPinKeyError extends Error {
  override readonly name = 'NoPinKeyError';
}

/** A key press reached the PIN pad while no PIN entry was waiting: refused, never kept for a later sale. */
export class PinPadIdleError extends Error {
  override readonly name = 'PinPadIdleError';
  readonly statusCode = 409;
}

/** What the virtual cardholder does at the next PIN prompt. */
export type PinAction = { pin: string } | { cancel: true } | { timeout: true };

export class VirtualPinPad implements PinPad {
  private readonly dukpt: { ipek: Buffer; ksn: Buffer } | undefined;
  private tpk: Buffer | undefined;
  private readonly script: PinAction[] = [];
  private waiting: ((action: PinAction) => void) | undefined;
  /** PIN prompts seen, for tests (amount and masked nothing: the PAN is not kept). */
  prompts = 0;

  private readonly onKsn: ((ksn: Buffer) => void) | undefined;

  /**
   * DUKPT: `iksn` is the initial KSN (counter 0); the first PIN block uses counter 1. No options: under the loaded TPK.
   * `onKsn` is told each KSN before a PIN block under it exists (write-ahead: the owner saves it; if it throws, no
   * block is made), so a crash may skip counters but a restart from what was saved never reuses one.
   */
  constructor(options?: { ipek: string; iksn: string; ksn?: string; onKsn?: (ksn: Buffer) => void }) {
    if (options) this.dukpt = { ipek: fromHex(options.ipek, 'DUKPT IPEK'), ksn: fromHex(options.ksn ?? options.iksn, 'DUKPT KSN') };
    this.onKsn = options?.onKsn;
  }

  loadPinKey(tpk: Buffer | undefined): void {
    this.tpk?.fill(0);
    this.tpk = tpk && Buffer.from(tpk);
  }

  /**
   * A live key press (the tester panel): answers the prompt that is waiting, else PinPadIdleError —
   * a press queued while idle would be used silently by the next PIN sale.
   */
  press(action: PinAction): void {
    if (!this.waiting) throw new PinPadIdleError('no PIN entry is waiting: start a sale that asks for a PIN first');
    this.enter(action);
  }

  /** Scripts what the cardholder does at the next prompt (tests); a prompt with nothing scripted waits for it. */
  enter(action: PinAction): void {
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting(action);
    } else this.script.push(action);
  }

  /** The KSN the next PIN block will use (undefined without DUKPT). */
  get currentKsn(): Buffer | undefined {
    return this.dukpt && Buffer.from(this.dukpt.ksn);
  }

  /**
   * Waits for a key press. The abort listener goes once the prompt is answered and clears `waiting`
   * only while it is still this prompt's: a signal that aborts later (an expired PIN timeout of an
   * answered prompt) must not close the next sale's prompt.
   */
  private prompt(signal: AbortSignal | undefined): Promise<PinAction> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        if (this.waiting === answer) this.waiting = undefined;
        reject(signal!.reason);
      };
      const answer = (action: PinAction) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(action);
      };
      this.waiting = answer;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async requestPin({ pan, signal }: { pan: string; amount: number; signal?: AbortSignal }): Promise<PinResult> {
    this.prompts++;
    const action = this.script.shift() ?? (await this.prompt(signal));
    if ('cancel' in action) return { cancelled: true };
    if ('timeout' in action) return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    if (!this.dukpt) {
      if (!this.tpk) throw new NoPinKeyError('no PIN key: the terminal is not signed on');
      return { pinBlock: encipherPinBlock(this.tpk, { format: 0, pin: action.pin, pan }) };
    }
    const ksn = (this.dukpt.ksn = nextTdesKsn(this.dukpt.ksn));
    this.onKsn?.(Buffer.from(ksn));
    const key = tdesWorkingKey(tdesTransactionKey(this.dukpt.ipek, ksn), 'pin');
    return { pinBlock: encipherPinBlock(key, { format: 0, pin: action.pin, pan }), ksn: Buffer.from(ksn) };
  }
}
