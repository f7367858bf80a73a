/**
 * The last settlements the checkout page showed, kept by the terminal's side so a reloaded page (or a
 * restarted demo, with a file) shows the day's report again instead of a blank Batch tab. Newest first.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { SettlementView } from './types.js';

/** Enough to reprint the day's reports; older ones are in the switch's journal. */
const kept = 10;

export class Settlements {
  private readonly list: SettlementView[];

  /** `path`: a JSON file to keep them in across restarts (none: kept in memory only). */
  constructor(private readonly path?: string, logger?: Logger) {
    this.list = path ? read(path, logger) : [];
  }

  get last(): SettlementView | undefined {
    return this.list[0];
  }

  add(settlement: SettlementView): void {
    this.list.unshift(settlement);
    this.list.length = Math.min(this.list.length, kept);
    if (!this.path) return;
    // Written whole then renamed: a crash mid-write leaves the previous file, never half of one.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.list));
    renameSync(`${this.path}.tmp`, this.path);
  }
}

function read(path: string, logger?: Logger): SettlementView[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // none closed yet
  }
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list)) return list.slice(0, kept) as SettlementView[];
    throw new Error('not a list');
  } catch (error) {
    // Only reports to show again: a damaged file costs the reprint, not the page.
    logger?.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'checkout: settlements file unreadable, starting without');
    return [];
  }
}
