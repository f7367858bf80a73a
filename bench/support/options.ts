/**
 * A bench's options, read the way the pos CLI reads its own (cli/io.ts): a usage error is one line
 * naming the option, and exit 2, not a stack trace; `--help` prints the usage line and `details`.
 */
import { CliError, parseOptions, quoted } from '../../cli/io.js';

type OptionSpec = Parameters<typeof parseOptions>[1];
type Values = Record<string, string | boolean | undefined>;

export function benchOptions<R>(name: string, usage: string, spec: OptionSpec, read: (values: Values) => R, details?: string): R {
  try {
    const { values: parsed, positionals } = parseOptions(process.argv.slice(2), spec);
    const values = parsed as Values;
    if (values.help) {
      console.log(details ? `${usage}\n${details}` : usage);
      process.exit(0);
    }
    // quoted(): a stray argument may be a secret typed in the wrong place.
    if (positionals[0] !== undefined) throw new CliError(`unexpected argument ${quoted(positionals[0])}`);
    return read(values);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`${name}: ${error.message} (${usage})`);
    process.exit(error.exitCode);
  }
}
