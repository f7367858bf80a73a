/**
 * bench:switch's loads: each signs all its terminals on before its clock starts, and one whose
 * terminals did not all sign on fails the run (its figures would be of fewer connections).
 */
import { runLoad, type LoadOptions, type LoadResult } from '../../cli/load/generator.js';

/** A load whose terminals did not all sign on; its message is the one line bench:switch prints. */
export class SignOnShortfall extends Error {
  override readonly name = 'SignOnShortfall';
}

/**
 * Runs one load (`what` names it in an error) with the generator's sign-on phase: every terminal signs
 * on before the duration starts, 32 at once, each sign-on with the whole answer timeout and one more
 * try. `onDurationStart` is called when the duration starts, after the sign-ons: the measures read
 * there are of sales alone. Throws SignOnShortfall when a terminal never signed on.
 */
export async function benchLoad(what: string, options: LoadOptions, onDurationStart?: () => void): Promise<LoadResult> {
  const result = await runLoad({ ...options, signOnFirst: onDurationStart ? { onDurationStart } : {} });
  const shortfall = signOnShortfall(what, options.terminals, result, options.timeoutMs ?? 5000);
  if (shortfall) throw new SignOnShortfall(shortfall);
  return result;
}

/** One line naming the load, how many of its terminals never signed on, what they were given and why (first reason → terminals); undefined when all did. */
export function signOnShortfall(what: string, terminals: number, result: Pick<LoadResult, 'neverSignedOn' | 'signOnFailures'>, timeoutMs: number): string | undefined {
  if (result.neverSignedOn === 0) return undefined;
  const reasons = Object.entries(result.signOnFailures).map(([reason, n]) => `${reason} (${n})`).join('; ');
  return `${what}: ${result.neverSignedOn} of ${terminals} terminals never signed on (two sign-on tries of up to ${timeoutMs} ms each before the clock started, more during the run): ${reasons}`;
}
