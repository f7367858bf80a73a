import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { secretLike } from '../protocols/mask.js';
import { ArgsError, numberText, strictParseArgs, type Options } from '../hardware/virtual-cli/strict-args.js';

/** Where a command writes; tests pass their own to capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

/**
 * The most one input (an argument, or stdin with `-`) may hold: 4 MiB, far above any message these
 * tools decode (an ISO 8583 message of 65535 bytes is 128 KiB of hex). Without it 600 MB piped in
 * ran for 17 s and ended in V8's "Cannot create a string longer than …".
 */
export const inputLimit = 4 * 1024 * 1024;

const tooLarge = (what: string) => new CliError(`${what}: more than ${inputLimit / 1024 / 1024} MiB (the limit for one input)`);

/** Reads a stream to its end as UTF-8, refusing (CliError naming stdin) as soon as it passes `limit` bytes. */
export async function readCapped(stream: AsyncIterable<Buffer | string>, limit = inputLimit): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit) throw tooLarge('stdin');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readStdin: () => readCapped(process.stdin),
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

/** A number as a user writes one (see strict-args.ts). */
const numberPattern = new RegExp(`^[-+]?${numberText}$`, 'i');

/**
 * node's parseArgs in strict mode (hardware/virtual-cli/strict-args.ts: negative numbers as values,
 * `--port: missing value`, `--port given twice`, unknown options never echoing a secret), its errors
 * one-line CliErrors. With `maxPositionals`, more positionals than that are refused (atMost).
 */
export function parseOptions<T extends Options>(args: string[], options: T, maxPositionals?: number) {
  let parsed;
  try {
    parsed = strictParseArgs(args, options);
  } catch (error) {
    throw error instanceof ArgsError ? new CliError(error.message) : error;
  }
  if (maxPositionals !== undefined) atMost(parsed.positionals, maxPositionals);
  return parsed;
}

/**
 * What an error may say of something the user typed. Errors never carry a PAN, PIN, PIN block, key,
 * track or CVV, and any free text may be one put in the wrong place, so a value is quoted only when
 * it is short printable text with no run of 4 digits (a PIN is 4 to 12) and no run of 8 hex digits
 * (keys, blocks); anything else is named by its length. Callers name the option or the argument's
 * position beside it, so the error still says what and where.
 */
export function quoted(value: string): string {
  const safe = value.length <= 16 && /^[\x20-\x7e]*$/.test(value) && !secretLike(value);
  return safe ? `'${value}'` : `(${value.length} characters, not shown)`;
}

const oddInPath = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069'"\\]/;

/**
 * A path (a file the user named) as an error shows it: as typed when it is plain, so the usual
 * message reads as before; else in single quotes with its odd characters escaped — a control
 * character, a line or bidirectional-text separator, a quote, a backslash, or blanks at either end —
 * so a path cannot end the line early, fake a second one, or hide where it starts and ends.
 */
export function quotedPath(path: string): string {
  if (path !== '' && path.trim() === path && !oddInPath.test(path)) return path;
  const escapes: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };
  return `'${path.replace(new RegExp(oddInPath, 'g'), (c) => escapes[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

/** More positionals than the command takes is a typo or a misplaced option: refused (one line, exit 2), not ignored. */
export function atMost(positionals: string[], count: number): void {
  const extra = positionals[count];
  if (extra === undefined) return;
  const text = quoted(extra);
  // A hidden value is named by its position instead (after the command name).
  throw new CliError(`unexpected argument ${text.startsWith("'") ? text : `${count + 1} ${text}`}`);
}

/**
 * A number option: absent gives `fallback`; anything but a number within [min, max] (a whole one
 * unless `decimals`) is a one-line usage error naming the option and the range (and its `unit`).
 */
export function numberOption(value: string | undefined, name: string, range: { min: number; max: number; decimals?: boolean; unit?: string }, fallback: number): number {
  if (value === undefined) return fallback;
  const n = numberPattern.test(value) ? Number(value) : NaN;
  if (!(n >= range.min && n <= range.max && (range.decimals || Number.isInteger(n)))) {
    const text = quoted(value);
    // A number not echoed (it may be a PIN) is still named for what is wrong with it.
    const got = text.startsWith("'") || Number.isNaN(n) ? `got ${text}` : Number.isInteger(n) || range.decimals ? 'got one outside that range' : 'got a fraction';
    throw new CliError(`--${name}: ${range.decimals ? 'a number' : 'a whole number'} from ${range.min} to ${range.max}${range.unit ? ` ${range.unit}` : ''}, ${got}`);
  }
  return n;
}

/**
 * A file the command will create or open for writing (a journal, a database): a folder that does not
 * exist or cannot be written is a one-line usage error naming the option, before anything starts
 * (SQLite would say only "Cannot open database because the directory does not exist"). `typed` is
 * what the user wrote (`sqlite:PATH`), shown in the error by quotedPath().
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
    throw new CliError(`--${name} ${quotedPath(typed)}: ${reason}`);
  };
  const shownDir = quotedPath(dir);
  if (kind(dir) === undefined) refuse(`folder ${shownDir} does not exist`);
  if (kind(dir) === 'file') refuse(`${shownDir} is not a folder`);
  if (kind(path) === 'dir') refuse('is a folder');
  try {
    accessSync(kind(path) ? path : dir, constants.W_OK);
  } catch {
    refuse(kind(path) ? 'not writable' : `cannot write in ${shownDir}`);
  }
}

/** The positional argument, or stdin when it is `-`. Trailing newlines from stdin are dropped. */
export async function readInput(value: string | undefined, io: CliIo, what: string): Promise<string> {
  if (value === undefined) throw new CliError(`missing ${what} (give it as an argument, or - to read stdin)`);
  const text = value === '-' ? await io.readStdin() : value;
  if (text.length > inputLimit) throw tooLarge(value === '-' ? 'stdin' : what);
  return value === '-' ? text.replace(/[\r\n]+$/, '') : text;
}

/**
 * JSON.parse with its error made safe to print: V8 quotes the start of the text (`Unexpected token
 * 'x', "x476173900"... is not valid JSON`), which may be a PAN or a track. That quote becomes the
 * position of the bad character; `what` names the input.
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what}: not valid JSON: ${jsonProblem(text, (error as Error).message)}`);
  }
}

function jsonProblem(text: string, message: string): string {
  if (!message.startsWith('Unexpected token')) return message.replace(/ in JSON at position /, ' at position ');
  // Padded on both sides, the text makes V8 quote exactly 10 characters either side of the bad one.
  const pad = ' '.repeat(16);
  const padded = pad + text + pad;
  let context: string | undefined;
  try {
    JSON.parse(padded);
  } catch (error) {
    context = /^Unexpected token [\s\S]*?, \.\.\."([\s\S]*)"\.\.\. is not valid JSON$/.exec((error as Error).message)?.[1];
  }
  const at = context === undefined ? -1 : padded.indexOf(context);
  return at < 0 ? 'unexpected character' : `unexpected character at position ${at + 10 - pad.length}`;
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/**
 * $POS_ADMIN_TOKEN, the admin API's write token; undefined when unset or empty. Printable ASCII only:
 * a client sends the header's bytes as it encodes them (UTF-8) and the server reads them as Latin-1,
 * so a token with other characters, or spaces, could never be matched as typed.
 */
export function adminTokenFromEnv(): string | undefined {
  const token = process.env.POS_ADMIN_TOKEN;
  if (!token) return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError('$POS_ADMIN_TOKEN: printable ASCII only, without spaces (an HTTP header carries it as typed)');
  return token;
}

/**
 * HOST, HOST:PORT, [IPv6]:PORT or [IPv6] into its host and port text (undefined when none). A bare
 * address with more than one colon is IPv6 without a port: `::1`, not host `:` and port 1.
 */
export function splitHostPort(text: string): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] };
  if (text.indexOf(':') !== text.lastIndexOf(':')) return { host: text, port: undefined };
  const [host, port] = text.split(/:(?=\d+$)/);
  return { host: host!, port };
}
