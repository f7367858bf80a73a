/** What bench:switch says of a load point whose terminals did not all sign on (its figures would be of fewer connections). */
import type { LoadResult } from '../../cli/load/generator.js';

/** One line naming how many terminals never signed on and why; undefined when all did. */
export function signOnShortfall(connections: number, result: Pick<LoadResult, 'neverSignedOn' | 'signOnFailures'>): string | undefined {
  if (result.neverSignedOn === 0) return undefined;
  const reasons = Object.entries(result.signOnFailures).map(([reason, n]) => `${reason} (${n})`).join('; ');
  return `${connections} connections: ${result.neverSignedOn} terminals never signed on: ${reasons}`;
}
