/**
 * A bench's options, read the way the pos CLI reads its own (cli/io.ts): a usage error is one line
 * naming the option, and exit 2, not a stack trace; `--help` prints the usage line.
 */
import { CliError, parseOptions } from '../../cli/io.js';

type OptionSpec = Parameters<typeof parseOptions>[1];
type Values = Record<string, string | boolean | undefined>;

export function benchOptions<R>(name: string, usage: string, spec: OptionSpec, read: (values: Values) => R): R {
  try {
    const { values: parsed, positionals } = parseOptions(process.argv.slice(2), spec);
    const values = parsed as Values;
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    if (positionals.length) throw new CliError(`unexpected argument '${positionals[0]}'`);
    return read(values);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`${name}: ${error.message} (${usage})`);
    process.exit(error.exitCode);
  }
}
