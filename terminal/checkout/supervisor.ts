/**
 * The supervisor's confirmation for voids and refunds: the PIN compared in constant time, and a
 * lockout after repeated failures so nobody who can reach the page can simply try every PIN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type SupervisorVerdict = 'ok' | 'wrong' | 'locked';

export interface SupervisorGateOptions {
  pin: string;
  /** Consecutive wrong PINs before the lockout. Default 5. */
  maxFailures?: number;
  /** How long the lockout lasts. Default 60 s. */
  lockoutMs?: number;
  now?: () => number;
}

export class SupervisorGate {
  private readonly digest: Buffer;
  private readonly maxFailures: number;
  private readonly lockoutMs: number;
  private readonly now: () => number;
  private failures = 0;
  private lockedUntil = 0;

  constructor(options: SupervisorGateOptions) {
    this.digest = sha256(options.pin);
    this.maxFailures = options.maxFailures ?? 5;
    this.lockoutMs = options.lockoutMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  check(pin: string): SupervisorVerdict {
    if (this.now() < this.lockedUntil) return 'locked';
    // Digests of equal length, so the comparison takes the same time whatever was typed.
    if (timingSafeEqual(sha256(pin), this.digest)) {
      this.failures = 0;
      return 'ok';
    }
    if (++this.failures >= this.maxFailures) {
      this.failures = 0;
      this.lockedUntil = this.now() + this.lockoutMs;
    }
    return 'wrong';
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
