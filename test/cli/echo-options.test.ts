// Option values and arguments outside the integrator tools are echoed by cli/io.ts quoted() too: a
// PAN, key or PIN typed in the wrong place never reaches the error line, which still names the option.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

const pan = '4761739001010010';
const key = '0123456789ABCDEFFEDCBA9876543210';

describe('option values are echoed through quoted()', () => {
  it.each([
    [['iso8583', 'decode', '--spec', pan, '00'], pan, /^pos iso8583: --spec: unknown spec \(16 characters, not shown\) \(built-in: default,/],
    [['demo', '--port', pan], pan, /^pos demo: --port: a port number 0–65535, got one outside that range$/],
    [['demo', '--switch-port', `${pan}x`], pan, /^pos demo: --switch-port: a port number 0–65535, not \(17 characters, not shown\)$/],
    [['terminal', '--host', pan], pan, /^pos terminal: --host: expected HOST:PORT with a port from 1 to 65535, got \(16 characters, not shown\)$/],
    [['sale', '5.00', '--host', `127.0.0.1:${pan}`], pan, /^pos sale: --host: expected HOST:PORT .* got '127\.0\.0\.1' with a port outside that range$/],
    [['sale', '5.00', '--host', `${pan}:0`], pan, /^pos sale: --host: .* got \(16 characters, not shown\) with a port outside that range$/],
    [['virtual', pan], pan, /^pos virtual: unknown device \(16 characters, not shown\) \(one of: reader, msr, scanner\)$/],
    [['switch', '--log-level', key], key, /^pos switch: --log-level: unknown level \(32 characters, not shown\)$/],
    [['switch', '--db', `a${pan}://x`], pan, /^pos switch: --db: unknown database \(20 characters, not shown\) \(sqlite:PATH/],
  ])('%j', async (args, secret, named) => {
    const io = capture();
    expect(await main(args, io)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).not.toContain(secret); // before: unknown spec '4761739001010010', not '4761…', got '…', unknown level '0123…'
    expect(io.stderr[0]).toMatch(named);
  });

  it('a short value that cannot be a secret is still quoted', async () => {
    for (const [args, text] of [
      [['iso8583', 'decode', '--spec', 'iso87', '00'], "unknown spec 'iso87'"],
      [['virtual', 'toaster'], "unknown device 'toaster'"],
      [['switch', '--log-level', 'verbose'], "unknown level 'verbose'"],
      [['demo', '--port', 'abc'], "not 'abc'"],
      [['sale', '5.00', '--host', 'nohost'], "got 'nohost'"],
    ] as const) {
      const io = capture();
      expect(await main([...args], io)).toBe(2);
      expect(io.stderr.join('')).toContain(text);
    }
  });
});
