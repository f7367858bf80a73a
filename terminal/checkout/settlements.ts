/**
 * The last settlements the checkout page showed, kept by the terminal's side so a reloaded page (or a
 * restarted demo, with a file) shows the day's report again instead of a blank Batch tab. Newest first.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { tenders } from '../tender.js';
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
    if (!Array.isArray(list)) throw new Error('not a list');
    // An entry the page could not show (a hand edit, another version's file) is dropped, not served: it would break the page.
    const valid = list.filter((entry, index) => {
      const problem = settlementProblem(entry);
      if (problem) logger?.warn({ path, index, problem }, 'checkout: settlement entry dropped');
      return !problem;
    });
    return valid.slice(0, kept) as SettlementView[];
  } catch (error) {
    // Only reports to show again: a damaged file costs the reprint, not the page.
    logger?.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'checkout: settlements file unreadable, starting without');
    return [];
  }
}

const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const totalFields = ['salesCount', 'salesAmount', 'refundsCount', 'refundsAmount'] as const;
const known = new Set<string>(tenders);

/** What is wrong with one kept settlement (naming the field), or undefined when the page can show it. */
export function settlementProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'not an object';
  if (!isCount(entry.batch)) return 'batch is not a count';
  if (typeof entry.inBalance !== 'boolean') return 'inBalance is not true or false';
  if (!isCount(entry.uploaded)) return 'uploaded is not a count';
  if (typeof entry.responseCode !== 'string') return 'responseCode is not text';
  if (typeof entry.slip !== 'string') return 'slip is not text';
  if (typeof entry.closedAt !== 'string' || Number.isNaN(Date.parse(entry.closedAt))) return 'closedAt is not a date';
  if (!isRecord(entry.totals)) return 'totals is not an object';
  for (const [tender, total] of Object.entries(entry.totals)) {
    if (!known.has(tender)) return `totals.${tender} is not a tender`;
    if (!isRecord(total)) return `totals.${tender} is not an object`;
    for (const field of totalFields) if (!isCount(total[field])) return `totals.${tender}.${field} is not a count`;
  }
  if (entry.slips !== undefined) {
    if (!isRecord(entry.slips)) return 'slips is not an object';
    for (const [language, slip] of Object.entries(entry.slips)) if (typeof slip !== 'string') return `slips.${language} is not text`;
  }
  return undefined;
}
