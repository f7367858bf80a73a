// parseOptions: an option with no value before the next option said "Option '--port' argument is
// ambiguous." (parseArgs' first line); an option given twice was silently last-wins.
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

const spec = { port: { type: 'string', short: 'p' }, json: { type: 'boolean' } } as const;

describe('parseOptions', () => {
  it.each([
    [['--port', '--json'], '--port: missing value'],
    [['--port'], '--port: missing value'],
    [['-p', '--json'], '--port: missing value'],
    [['--port', '1', '--port', '2'], '--port given twice'],
    [['--port=1', '-p', '2'], '--port given twice'],
  ])('%j: %s', (args, message) => {
    expect(() => parseOptions(args, spec)).toThrow(message);
  });

  it('still takes a negative number, stdin (-), and a repeated flag', () => {
    expect(parseOptions(['--port', '-5', '--json', '--json'], spec).values).toEqual({ port: '-5', json: true });
    expect(parseOptions(['--port', '-'], spec).values).toEqual({ port: '-' });
  });

  it('through pos: one line, exit 2', async () => {
    const twice = capture();
    expect(await main(['switch', '--port', '1', '--port', '2'], twice)).toBe(2);
    expect(twice.stderr).toEqual(['pos switch: --port given twice']);
    const missing = capture();
    expect(await main(['load', '--port', '--terminals', '1'], missing)).toBe(2);
    expect(missing.stderr).toEqual(['pos load: --port: missing value']);
  });
});
