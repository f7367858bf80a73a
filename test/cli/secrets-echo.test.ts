// What `pos`, `pos virtual` and the benches echo of what was typed: an unknown option, a --host, a
// path, a spec file that is not JSON. Before: `pos sale --4761739001010010` printed the PAN (parseArgs'
// "Unknown option '--4761…'"), the not-signed-on warning printed the host as given, a path with a
// newline cut the error short, --spec quoted the file's text around a JSON error, --reader with a
// path that does not exist was serialport's "Error: No such file or directory" (exit 1), and
// `pos virtual` took a repeated option last-wins.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { parseOptions, quotedPath } from '../../cli/io.js';
import { capture, cleanupsAfterEach, tempDir } from '../support/cli.js';

// Visa test PAN (EMVCo/ADVT test card), as a user might paste it into the wrong place.
const pan = '4761739001010010';
const cleanups = cleanupsAfterEach();

async function refused(args: string[]): Promise<string> {
  const io = capture();
  expect(await main(args, io)).toBe(2);
  expect(io.stderr).toHaveLength(1);
  expect(io.stdout).toEqual([]);
  return io.stderr[0]!;
}

describe('pos: what an error echoes', () => {
  it('an unknown option is quoted only when it is option-shaped and no secret; else named by its length', async () => {
    expect(await refused(['sale', `--${pan}`])).toBe('pos sale: Unknown option (18 characters, not shown)');
    expect(await refused(['sale', `--${pan}=1`])).toBe('pos sale: Unknown option (18 characters, not shown)');
    expect(await refused(['switch', '--x\nfake line'])).toBe('pos switch: Unknown option (13 characters, not shown)');
    expect(await refused(['sale', '--nope'])).toBe("pos sale: Unknown option '--nope'");
    expect(() => parseOptions(['-z'], {})).toThrow(/^Unknown option '-z'$/);
  });

  it('the not-signed-on warning shows a PAN-like --host masked', async () => {
    const io = capture();
    expect(await main(['sale', '1.00', '--host', `${pan}:8583`, '--journal', ':memory:', '--timeout-ms', '1000'], io)).not.toBe(0);
    const text = [...io.stdout, ...io.stderr].join('\n');
    expect(text).toContain('not signed on to 476173******0010:8583');
    expect(text).not.toContain(pan);
  });

  it('a path is shown as typed when plain, else quoted with its odd characters escaped: one line', async () => {
    expect(quotedPath('/tmp/a b.db')).toBe('/tmp/a b.db');
    expect(quotedPath('/tmp/x\nfake.db')).toBe("'/tmp/x\\nfake.db'");
    expect(quotedPath(' x')).toBe("' x'");
    expect(quotedPath("it's\u202e")).toBe("'it\\u0027s\\u202e'");
    expect(await refused(['switch', '--port', '0', '--admin-port', '0', '--db', '/nonexistent\nx/j.db'])).toBe(
      "pos switch: --db '/nonexistent\\nx/j.db': folder '/nonexistent\\nx' does not exist",
    );
    expect(await refused(['sale', '1.00', '--journal', '/nonexistent/\u001b[2Kx/j.db'])).toBe(
      "pos sale: --journal '/nonexistent/\\u001b[2Kx/j.db': folder '/nonexistent/\\u001b[2Kx' does not exist",
    );
    expect(await refused(['switch', '--port', '0', '--admin-port', '0', '--db', ':memory:', '--terminals', '/nonexistent\nx.json'])).toBe(
      "pos switch: --terminals: cannot read '/nonexistent\\nx.json' (ENOENT)",
    );
    expect(await refused(['switch', '--port', '0', '--admin-port', '0', '--spec', '/nonexistent\nx.json'])).toBe("pos switch: --spec: cannot read '/nonexistent\\nx.json' (ENOENT)");
    expect(await refused(['switch', '--port', '0', '--admin-port', '0', '--db', 'postgres://pos@127.0.0.1:1/x?schema=A%0Ab'])).toMatch(
      /^pos switch: --db: cannot open the journal \(postgres schema name "A\\nb" must be lowercase letters, digits and _\)$/,
    );
  });

  it('--spec with a file that is not JSON names line, column and offset, never its text', async () => {
    const file = join(tempDir(cleanups), 'host.json');
    writeFileSync(file, `{\n  "name": "host",\n  "fields": { "2": x${pan} }\n}\n`);
    const line = await refused(['switch', '--port', '0', '--admin-port', '0', '--db', ':memory:', '--spec', file]);
    expect(line).toBe(`pos switch: spec ${file}: is not valid JSON (unexpected character at line 3, column 20 (offset 39))`);
    writeFileSync(file, `{"name": "${pan}`);
    expect(await refused(['switch', '--port', '0', '--admin-port', '0', '--db', ':memory:', '--spec', file])).toBe(
      `pos switch: spec ${file}: is not valid JSON (Unterminated string at line 1, column 27 (offset 26))`,
    );
  });

  it('--reader pn532:PATH with a path that does not exist: one line naming the option, exit 2', async () => {
    expect(await refused(['sale', '1.00', '--journal', ':memory:', '--reader', 'pn532:/nonexistent/ttyPN532'])).toBe(
      'pos sale: --reader pn532:/nonexistent/ttyPN532: no such device (the path does not exist)',
    );
    expect(await refused(['sale', '1.00', '--journal', ':memory:', '--scanner', 'serial:/nonexistent/ttyS9'])).toBe(
      'pos sale: --scanner serial:/nonexistent/ttyS9: no such device (the path does not exist)',
    );
    // A folder exists but is no serial port: the reason, still one line and exit 2.
    expect(await refused(['sale', '1.00', '--journal', ':memory:', '--reader', `pn532:${tempDir(cleanups)}`])).toMatch(/^pos sale: --reader pn532:\S+: cannot open \(.+\)$/);
  });
});

describe('pos virtual: options read like the pos CLI', () => {
  it.each([
    [['--pty', '/nonexistent/pty-a', '--pty', '/nonexistent/pty-b'], 'pos virtual reader: --pty given twice'],
    [['--pty'], 'pos virtual reader: --pty: missing value'],
    [['--pty', '--baud', '9600'], 'pos virtual reader: --pty: missing value'],
    [['--pty', '/nonexistent/pty-a', `--${pan}`], 'pos virtual reader: Unknown option (18 characters, not shown)'],
    [['--pty', '/nonexistent/pty-a', '--baud', '-5'], 'pos virtual reader: --baud: a whole number 1200..4000000'],
  ])('%j: %s', async (args, message) => {
    expect(await refused(['virtual', 'reader', ...args])).toBe(message);
  });

  it('a repeatable option (--sw) still repeats', async () => {
    // Refused for its value, not for the repetition: no control port given.
    expect(await refused(['virtual', 'reader', 'fault', '--sw', 'select=6985', '--sw', 'gpo=6985'])).toMatch(/--control-port is required/);
  });
});

describe('bench options: a bad --card or --target is not echoed when it may be a secret', () => {
  const run = promisify(execFile);
  const root = resolve(import.meta.dirname, '../..');
  it.each([
    ['bench/tap.ts', ['--card', pan], `bench:tap: --card: one of visa, mastercard, unionpay, got (16 characters, not shown)`],
    ['bench/fuzz.ts', ['--target', pan], `fuzz: --target: no decoder's name contains (16 characters, not shown)`],
  ])('%s %j', async (script, args, message) => {
    const failed = await run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, timeout: 20_000 }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed!.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed!.stderr).toContain(message);
    expect(failed!.stderr).not.toContain(pan);
  });
});
