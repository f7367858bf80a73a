/**
 * The sale, void or refund the page started and has not seen end, kept in a small JSON file: when
 * the process stops mid-operation (Ctrl-C, a crash) the page has lost its socket before the outcome,
 * and the next start shows how that operation ended instead of "Ready".
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { TransactionView } from './types.js';

export interface OpenOperation {
  kind: TransactionView['kind'];
  amount: number;
  /** The terminal's id for it, once its first status event named it. */
  txnId?: string;
}

const kinds = new Set(['sale', 'refund', 'void']);

export class InFlightRecord {
  /** `path`: none keeps nothing (a restart then cannot tell). */
  constructor(
    private readonly path: string | undefined,
    private readonly logger?: Logger,
  ) {}

  /** The operation a stopped process left open, or undefined. */
  read(): OpenOperation | undefined {
    if (!this.path) return undefined;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined; // none open
    }
    try {
      const entry = JSON.parse(text) as Partial<OpenOperation>;
      if (typeof entry.kind !== 'string' || !kinds.has(entry.kind)) throw new Error('kind is not sale, refund or void');
      if (!Number.isSafeInteger(entry.amount) || entry.amount! < 0) throw new Error('amount is not a count');
      if (entry.txnId !== undefined && typeof entry.txnId !== 'string') throw new Error('txnId is not text');
      return { kind: entry.kind, amount: entry.amount!, ...(entry.txnId ? { txnId: entry.txnId } : {}) };
    } catch (error) {
      // Only what the page shows after a restart: a damaged file costs that, not the start.
      this.logger?.warn({ path: this.path, err: error instanceof Error ? error.message : String(error) }, 'checkout: in-flight file unreadable, ignored');
      return undefined;
    }
  }

  write(operation: OpenOperation): void {
    this.keep(() => {
      // Written whole then renamed: a crash mid-write leaves the previous file, never half of one.
      writeFileSync(`${this.path}.tmp`, JSON.stringify(operation));
      renameSync(`${this.path}.tmp`, this.path!);
    });
  }

  clear(): void {
    this.keep(() => rmSync(this.path!, { force: true }));
  }

  /** A file that cannot be written costs what a restart shows, never the operation itself. */
  private keep(change: () => void): void {
    if (!this.path) return;
    try {
      change();
    } catch (error) {
      this.logger?.error({ path: this.path, err: error instanceof Error ? error.message : String(error) }, 'checkout: in-flight file not written');
    }
  }
}
