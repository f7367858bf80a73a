import { readFileSync } from 'node:fs';
import { isSpecName, parseSpecJson, specs, type MessageSpec } from '../protocols/iso8583/index.js';
import { CliError, quoted, quotedPath } from './io.js';

/** `--spec NAME|FILE.json`: a built-in spec by name, or an integrator's JSON spec file. */
export function resolveSpec(value: string | undefined): MessageSpec {
  const name = value ?? 'default';
  if (isSpecName(name)) return specs[name];
  if (!name.endsWith('.json')) throw new CliError(`--spec: unknown spec ${quoted(name)} (built-in: ${Object.keys(specs).join(', ')}; or a FILE.json)`);
  let text: string;
  try {
    text = readFileSync(name, 'utf8');
  } catch (error) {
    throw new CliError(`--spec: cannot read ${quotedPath(name)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseSpecJson(text, quotedPath(name));
}
