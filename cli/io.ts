import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes; tests pass their own to capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** A user error: printed as one line, exit code 2 (bad usage or bad input). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CommandModule {
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A number as a user writes one: `5`, `1.5`, `.5`, `5.`, `1e3`, `-2.5E-1` (exponents taken, as JavaScript reads them). */
const number = String.raw`(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?`;
const numberPattern = new RegExp(`^[-+]?${number}$`, 'i');
/** `-5`, `-1.5`, `-.5`, `-1e3`: what a user means as a negative number, not an option. */
const negativeNumber = new RegExp(`^-${number}$`, 'i');

/**
 * node's parseArgs in strict mode, with its errors turned into one-line CliErrors. A negative
 * number is taken as what it stands for (parseArgs reads `-5` as an option): the value of the
 * string option before it (`--rate -1`), else a positional (`pos sale -5`), so the command's own
 * check names the option or argument and what it accepts. With `maxPositionals`, more positionals
 * than that are refused (atMost).
 */
export function parseOptions<T extends Options>(args: string[], options: T, maxPositionals?: number) {
  const config = { ...options, help: { type: 'boolean', short: 'h' } } as Options;
  const takesValue = (arg: string) => {
    const long = /^--([^=]+)$/.exec(arg)?.[1];
    const option = long !== undefined ? config[long] : Object.values(config).find((o) => arg === `-${o.short}`);
    return option?.type === 'string';
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
    if (takesValue(arg) && next !== undefined && negativeNumber.test(next)) {
      rewritten.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else if (negativeNumber.test(arg)) {
      // A stand-in that parseArgs keeps as a positional; swapped back below.
      rewritten.push(`\u0000${negatives.length}`);
      negatives.push(arg);
    } else rewritten.push(arg);
  }
  try {
    const parsed = parseArgs({ args: rewritten, options: config as T & { help: { type: 'boolean'; short: 'h' } }, allowPositionals: true, strict: true });
    const positionals = parsed.positionals.map((p) => (p.startsWith('\u0000') ? negatives[Number(p.slice(1))]! : p));
    if (maxPositionals !== undefined) atMost(positionals, maxPositionals);
    return { ...parsed, positionals };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

/** More positionals than the command takes is a typo or a misplaced option: refused (one line, exit 2), not ignored. */
export function atMost(positionals: string[], count: number): void {
  const extra = positionals[count];
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'`);
}

/**
 * A number option: absent gives `fallback`; anything but a number within [min, max] (a whole one
 * unless `decimals`) is a one-line usage error naming the option and the range (and its `unit`).
 */
export function numberOption(value: string | undefined, name: string, range: { min: number; max: number; decimals?: boolean; unit?: string }, fallback: number): number {
  if (value === undefined) return fallback;
  const n = numberPattern.test(value) ? Number(value) : NaN;
  if (!(n >= range.min && n <= range.max && (range.decimals || Number.isInteger(n)))) {
    throw new CliError(`--${name}: ${range.decimals ? 'a number' : 'a whole number'} from ${range.min} to ${range.max}${range.unit ? ` ${range.unit}` : ''}, got '${value}'`);
  }
  return n;
}

/**
 * A file the command will create or open for writing (a journal, a database): a folder that does not
 * exist or cannot be written is a one-line usage error naming the option, before anything starts
 * (SQLite would say only "Cannot open database because the directory does not exist"). `typed` is
 * what the user wrote (`sqlite:PATH`), quoted in the error.
 */
export function writableFileOption(path: string, name: string, typed = path): void {
  if (path === ':memory:') return;
  const dir = dirname(path);
  const kind = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  };
  const refuse = (reason: string) => {
    throw new CliError(`--${name} ${typed}: ${reason}`);
  };
  if (kind(dir) === undefined) refuse(`folder ${dir} does not exist`);
  if (kind(dir) === 'file') refuse(`${dir} is not a folder`);
  if (kind(path) === 'dir') refuse('is a folder');
  try {
    accessSync(kind(path) ? path : dir, constants.W_OK);
  } catch {
    refuse(kind(path) ? 'not writable' : `cannot write in ${dir}`);
  }
}

/** The positional argument, or stdin when it is `-`. Trailing newlines from stdin are dropped. */
export async function readInput(value: string | undefined, io: CliIo, what: string): Promise<string> {
  if (value === undefined) throw new CliError(`missing ${what} (give it as an argument, or - to read stdin)`);
  if (value !== '-') return value;
  return (await io.readStdin()).replace(/[\r\n]+$/, '');
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
