import { commands } from './commands/index.js';
import { DecodeError, EncodeError } from '../protocols/errors.js';
import { CliError, type CliIo, processIo, quoted } from './io.js';

const usage = (): string =>
  [
    'usage: pos <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Run `pos <command> --help` for the options of one command.',
  ].join('\n');

/** Runs one `pos` invocation and returns its exit code; errors become one line on stderr. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`pos: unknown command ${quoted(name)} (try pos --help)`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    io.err(`pos ${name}: ${describeError(error)}`);
    if (error instanceof CliError) return error.exitCode;
    // Bad input that a codec refused is a usage error too; anything else is ours.
    return error instanceof DecodeError || error instanceof EncodeError || (error as Error)?.name === 'SpecError' ? 2 : 1;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
