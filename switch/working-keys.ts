/**
 * A terminal's working keys (TPK, TAK) in the HSM, one pair per sign-on: `tpk:`/`tak:` + the terminal's
 * key base + `:` + the sign-on's number, never reused. A request whose MAC verified holds that pair until
 * its answer is packed: its PIN block is read and its answer MAC'd under the keys it arrived with, however
 * many sign-ons, key exchanges or sign-offs come meanwhile. A pair no longer current leaves the HSM when
 * no request holds it. (Two slots taken in turn, as before, gave a request held across two key changes
 * the newest keys: its right PIN answered 55, its answer MAC'd under a TAK it never had.)
 */
import type { Hsm } from './hsm/hsm.js';

/** What of a terminal's state this needs (switch/pipeline.ts TerminalState). */
export interface KeyedTerminal {
  keyBase: string;
  /** Sign-ons begun: the next one's keys are numbered one more. */
  generation: number;
  /** The current pair and its number; none before a sign-on and after a sign-off. */
  tpkId?: string;
  takId?: string;
  keyGeneration?: number;
  /** Requests holding each older pair (only numbers with holders are kept). */
  held: Map<number, number>;
}

export const keyIds = (keyBase: string, generation: number) => ({ tpkId: `tpk:${keyBase}:${generation}`, takId: `tak:${keyBase}:${generation}` });

/** The request now holds the current pair (call only when there is one); returns its number, for release(). */
export function holdKeys(terminal: KeyedTerminal): number {
  const generation = terminal.keyGeneration!;
  terminal.held.set(generation, (terminal.held.get(generation) ?? 0) + 1);
  return generation;
}

/** A request holding pair `generation` is done with it: a pair no longer current goes with its last holder. */
export function releaseKeys(terminal: KeyedTerminal, generation: number, hsm: Hsm): void {
  const holders = (terminal.held.get(generation) ?? 1) - 1;
  if (holders > 0) return void terminal.held.set(generation, holders);
  terminal.held.delete(generation);
  if (generation !== terminal.keyGeneration) dropPair(terminal, generation, hsm);
}

/**
 * A sign-on's new pair becomes current, unless a later sign-on's already is (two at once: the later
 * stands, this one's keys go). The pair it replaces goes now if no request holds it.
 */
export function installKeys(terminal: KeyedTerminal, generation: number, hsm: Hsm): void {
  if (terminal.keyGeneration !== undefined && terminal.keyGeneration > generation) return dropPair(terminal, generation, hsm);
  const replaced = terminal.keyGeneration;
  Object.assign(terminal, { keyGeneration: generation, ...keyIds(terminal.keyBase, generation) });
  if (replaced !== undefined && !terminal.held.has(replaced)) dropPair(terminal, replaced, hsm);
}

/** Sign-off (or an enrolled terminal's state left behind): no current pair; it goes now if no request holds it. */
export function dropCurrentKeys(terminal: KeyedTerminal, hsm: Hsm): void {
  const current = terminal.keyGeneration;
  delete terminal.tpkId;
  delete terminal.takId;
  delete terminal.keyGeneration;
  if (current !== undefined && !terminal.held.has(current)) dropPair(terminal, current, hsm);
}

export function dropPair(terminal: KeyedTerminal, generation: number, hsm: Hsm): void {
  const { tpkId, takId } = keyIds(terminal.keyBase, generation);
  hsm.deleteKey(tpkId);
  hsm.deleteKey(takId);
}
