/**
 * node's parseArgs in strict mode, read the way a user means it. Shared by the pos CLI (cli/io.ts
 * parseOptions) and `pos virtual` (common.ts), which lives in hardware/ and may not import cli/.
 * - A negative number is taken as what it stands for (parseArgs reads `-5` as an option): the value
 *   of the string option before it (`--rate -1`), else a positional (`pos sale -5`), so the
 *   command's own check names the option or argument and what it accepts.
 * - An option that takes a value with none after it (`--port --json`, or last) is `--port: missing
 *   value` (parseArgs would say "argument missing" or "ambiguous", neither of which says what to do).
 * - A value option given twice is refused unless it is `multiple`: last-wins would silently drop one.
 * - An unknown option is whatever was typed after a dash (`pos sale --4761739001010010`): it is quoted
 *   only when it is option-shaped and no PIN, PAN or key, else named by its length.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { secretLike } from '../../protocols/mask.js';

/** Bad arguments; each caller turns it into its own usage error (one line, exit 2). */
export class ArgsError extends Error {
  override readonly name = 'ArgsError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** A number as a user writes one: `5`, `1.5`, `.5`, `5.`, `1e3`, `-2.5E-1` (exponents taken, as JavaScript reads them). */
export const numberText = String.raw`(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?`;
/** `-5`, `-1.5`, `-.5`, `-1e3`: what a user means as a negative number, not an option. */
const negativeNumber = new RegExp(`^-${numberText}$`, 'i');

/** parseArgs over `args` with `options` and `--help`/`-h`, as the module comment says; throws ArgsError. */
export function strictParseArgs<T extends Options>(args: string[], options: T) {
  const config = { ...options, help: { type: 'boolean', short: 'h' } } as Options;
  /** The long name of the option `arg` is, when it takes a value after it (not `--name=value`). */
  const takesValue = (arg: string) => {
    const long = /^--([^=]+)$/.exec(arg)?.[1];
    const name = long ?? Object.keys(config).find((n) => config[n]!.short !== undefined && arg === `-${config[n]!.short}`);
    return name !== undefined && config[name]?.type === 'string' ? name : undefined;
  };
  const rewritten: string[] = [];
  const negatives: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rewritten.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const valueOf = takesValue(arg);
    if (valueOf !== undefined && (next === undefined || (next.length > 1 && next.startsWith('-') && !negativeNumber.test(next))))
      throw new ArgsError(`--${valueOf}: missing value`);
    if (valueOf !== undefined && next !== undefined && negativeNumber.test(next)) {
      rewritten.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else if (negativeNumber.test(arg)) {
      // A stand-in that parseArgs keeps as a positional; swapped back below.
      rewritten.push(`\u0000${negatives.length}`);
      negatives.push(arg);
    } else rewritten.push(arg);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rewritten, options: config as T & { help: { type: 'boolean'; short: 'h' } }, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new ArgsError(parseArgsProblem(error as Error & { code?: string }));
  }
  const given = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || config[token.name]?.type !== 'string' || config[token.name]?.multiple) continue;
    if (given.has(token.name)) throw new ArgsError(`--${token.name} given twice`);
    given.add(token.name);
  }
  const positionals = parsed.positionals.map((p) => (p.startsWith('\u0000') ? negatives[Number(p.slice(1))]! : p));
  const { tokens: _tokens, ...rest } = parsed;
  return { ...rest, positionals };
}

/** parseArgs' first line, less what it echoes: an unknown option only when safe to show (see the module comment). */
function parseArgsProblem(error: Error & { code?: string }): string {
  const unknown = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '(.*)'\. To specify/s.exec(error.message)?.[1] : undefined;
  if (unknown === undefined) return error.message.split('\n')[0] ?? 'bad arguments';
  const safe = /^--?[a-z0-9-]{1,40}$/i.test(unknown) && !secretLike(unknown);
  return `Unknown option ${safe ? `'${unknown}'` : `(${unknown.length} characters, not shown)`}`;
}
