// Number options and negative numbers on the command line: one line naming the option (or the
// amount) and what it accepts, exit 2 — never parseArgs' "argument is ambiguous" or "Unknown option '-5'".
import { describe, expect, it } from 'vitest';
import { numberOption, parseOptions } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

describe('number options', () => {
  it.each([
    // 4 digits or more may be a PIN typed in the wrong place: never echoed (cli/io.ts quoted), but said what is wrong.
    [['load', '--port', '99999'], '--port: a whole number from 1 to 65535, got one outside that range'],
    [['load', '--terminals', '1234.5'], '--terminals: a whole number from 1 to 9999, got a fraction'],
    [['load', '--port', '4761739001010010x'], '--port: a whole number from 1 to 65535, got (17 characters, not shown)'],
    [['load', '--port', '-5'], "--port: a whole number from 1 to 65535, got '-5'"],
    [['load', '--terminals', '-1'], "--terminals: a whole number from 1 to 9999, got '-1'"],
    [['load', '--rate', '-1'], "--rate: a number from 0 to 1000000, got '-1'"],
    [['load', '--duration', '0'], "--duration: a number from 0.1 to 86400, got '0'"],
    [['switch', '--port', '70000'], '--port: a whole number from 0 to 65535, got one outside that range'],
    [['switch', '--admin-port', '-1'], "--admin-port: a whole number from 0 to 65535, got '-1'"],
    [['switch', '--late-answer-ms', '-1'], "--late-answer-ms: a whole number from 0 to 65535000, got '-1'"],
    [['sale', '-5'], 'amount: must not be negative'],
    [['sale', '--timeout-ms', '-3', '5.00'], "--timeout-ms: a whole number from 1 to 3600000, got '-3'"],
    [['sale', '5.00', '--host', '127.0.0.1:99999'], "--host: expected HOST:PORT with a port from 1 to 65535, got '127.0.0.1' with a port outside that range"],
    [['load', '--rate', '-.5'], "--rate: a number from 0 to 1000000, got '-.5'"],
    [['load', '--rate', '-1e3'], "--rate: a number from 0 to 1000000, got '-1e3'"],
    // Commands without positionals refuse a stray one (before, `pos switch --port 0 -1` started a switch).
    [['load', '-5'], "unexpected argument '-5'"],
    [['switch', '--port', '0', '-1'], "unexpected argument '-1'"],
    [['demo', 'extra'], "unexpected argument 'extra'"],
    [['terminal', '-1'], "unexpected argument '-1'"],
    [['devices', 'x'], "unexpected argument 'x'"],
    [['crypto', 'kcv', 'x', '--key', '00'], "unexpected argument 'x'"],
    [['crypto', 'pinblock', 'encode', 'x'], "unexpected argument 'x'"],
    [['tlv', 'decode', '5A01', 'x'], "unexpected argument 'x'"],
    [['qr', 'decode', 'abc', '-1'], "unexpected argument '-1'"],
    [['iso8583', 'decode', '00', 'x'], "unexpected argument 'x'"],
    [['track', 'decode', ';1?', 'x'], "unexpected argument 'x'"],
  ])('%j: one line, exit 2', async (args, message) => {
    const io = capture();
    expect(await main(args, io)).toBe(2);
    expect(io.stderr).toEqual([`pos ${args[0]}: ${message}`]);
  });

  it('parseOptions keeps a negative number as the option value or positional it is, and leaves what follows -- alone', () => {
    const parsed = parseOptions(['-5', '--rate', '-1.5', 'x', '--', '-7'], { rate: { type: 'string' } });
    expect(parsed.values.rate).toBe('-1.5');
    expect(parsed.positionals).toEqual(['-5', 'x', '-7']);
  });

  it('numberOption: the fallback when absent, the number when in range', () => {
    expect(numberOption(undefined, 'n', { min: 1, max: 3 }, 2)).toBe(2);
    expect(numberOption('2.5', 'n', { min: 1, max: 3, decimals: true }, 1)).toBe(2.5);
    expect(() => numberOption('2.5', 'n', { min: 1, max: 3 }, 1)).toThrow("--n: a whole number from 1 to 3, got '2.5'");
    // One number pattern with negativeNumber (parseOptions): `.5`, `5.` and exponents are numbers, a stray letter is not.
    expect(numberOption('.5', 'duration', { min: 0.1, max: 86400, decimals: true }, 1)).toBe(0.5);
    expect(numberOption('1e3', 'n', { min: 1, max: 9999 }, 1)).toBe(1000);
    expect(numberOption('2.', 'n', { min: 1, max: 3 }, 1)).toBe(2);
    expect(() => numberOption('1e', 'n', { min: 1, max: 3 }, 1)).toThrow("--n: a whole number from 1 to 3, got '1e'");
    expect(() => numberOption('0x2', 'n', { min: 1, max: 3 }, 1)).toThrow("--n: a whole number from 1 to 3, got '0x2'");
    expect(() => numberOption('25e-1', 'n', { min: 1, max: 3 }, 1)).toThrow("--n: a whole number from 1 to 3, got '25e-1'");
  });
});
