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

/** node's parseArgs in strict mode, with its errors turned into one-line CliErrors. */
export function parseOptions<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError((error as Error).message.split('\n')[0] ?? 'bad arguments');
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
