/**
 * The PIN pad seam (CONTRACTS.md): asked for a PIN for a PAN and an amount, it answers an
 * enciphered ISO 9564 format 0 PIN block and the KSN it was made under — never the PIN. The
 * virtual PIN pad is a TDES DUKPT originating device (X9.24-1): each PIN block uses the next KSN
 * and the PIN variant of that KSN's transaction key. A tester tells it what the cardholder "types".
 */
import { encipherPinBlock, nextTdesKsn, tdesTransactionKey, tdesWorkingKey } from '../protocols/crypto/index.js';
import { fromHex } from '../protocols/bytes.js';

export type PinResult = { pinBlock: Buffer; ksn: Buffer } | { cancelled: true };

export interface PinPad {
  requestPin(request: { pan: string; amount: number; signal?: AbortSignal }): Promise<PinResult>;
}

/** What the virtual cardholder does at the next PIN prompt. */
export type PinAction = { pin: string } | { cancel: true } | { timeout: true };

export class VirtualPinPad implements PinPad {
  private ksn: Buffer;
  private readonly ipek: Buffer;
  private readonly script: PinAction[] = [];
  private waiting: ((action: PinAction) => void) | undefined;
  /** PIN prompts seen, for tests (amount and masked nothing: the PAN is not kept). */
  prompts = 0;

  /** `iksn` is the initial KSN (counter 0); the first PIN block uses counter 1. */
  constructor(options: { ipek: string; iksn: string; ksn?: string }) {
    this.ipek = fromHex(options.ipek, 'DUKPT IPEK');
    this.ksn = fromHex(options.ksn ?? options.iksn, 'DUKPT KSN');
  }

  /** Queues what the cardholder does at the next prompt; a prompt with nothing queued waits for it. */
  enter(action: PinAction): void {
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting(action);
    } else this.script.push(action);
  }

  /** The KSN the next PIN block will use. */
  get currentKsn(): Buffer {
    return Buffer.from(this.ksn);
  }

  async requestPin({ pan, signal }: { pan: string; amount: number; signal?: AbortSignal }): Promise<PinResult> {
    this.prompts++;
    const action =
      this.script.shift() ??
      (await new Promise<PinAction>((resolve, reject) => {
        this.waiting = resolve;
        signal?.addEventListener('abort', () => {
          this.waiting = undefined;
          reject(signal.reason);
        });
      }));
    if ('cancel' in action) return { cancelled: true };
    if ('timeout' in action) return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    this.ksn = nextTdesKsn(this.ksn);
    const key = tdesWorkingKey(tdesTransactionKey(this.ipek, this.ksn), 'pin');
    return { pinBlock: encipherPinBlock(key, { format: 0, pin: action.pin, pan }), ksn: Buffer.from(this.ksn) };
  }
}
