// Every bench reads its options like the pos CLI: a bad or stray option is one line naming it and
// exit 2, before anything runs (each case exits at once; no bench is timed here).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

describe('bench options', () => {
  it.each([
    ['switch', ['--seconds', 'x'], "bench:switch: --seconds: a number from 1 to 3600, got 'x'"],
    ['switch', ['--connections', '16,a'], "bench:switch: --connections: a whole number from 1 to 9999, got 'a'"],
    ['tap', ['--card', 'amex'], "bench:tap: --card: one of visa, mastercard, unionpay, got 'amex'"],
    ['reader', ['--taps', '0'], "bench:reader: --taps: a whole number from 1 to 1000000, got '0'"],
    ['mac', ['--bytes', '-1'], "bench:mac: --bytes: a whole number from 0 to 65536, got '-1'"],
    ['mac', ['extra'], "bench:mac: unexpected argument 'extra'"],
    ['journal', ['--batch', '0'], "bench:journal: --batch: a whole number from 1 to 512, got '0'"],
    ['pipeline', ['--rounds', '0'], "bench:pipeline: --rounds: a whole number from 1 to 1000, got '0'"],
    ['versus', ['--against', '.', '--runs', '0'], "bench:versus: --runs: a whole number from 1 to 100, got '0'"],
    // Not echoed: a password in a URL, a secret as a stray argument.
    ['switch', ['--db', 'mysql://u:hunter2@h/x'], 'bench:switch: --db: a postgres:// or postgresql:// URL (SQLite is the default), got (21 characters, not shown)'],
    ['mac', ['pw=12345678'], 'bench:mac: unexpected argument (11 characters, not shown)'],
    ['codec', ['--help2'], "bench:codec: Unknown option '--help2'"],
    ['codec', ['--seconds', '0'], "bench:codec: --seconds: a number from 0.1 to 3600, got '0'"],
    ['fuzz', ['--runs', '1e3x'], "fuzz: --runs: a whole number from 1 to 1000000000, got '1e3x'"],
    ['fuzz', ['--target', 'nope'], "fuzz: --target: no decoder's name contains 'nope'"],
  ])('bench:%s %j: one line, exit 2', async (bench, args, message) => {
    const failed = await run(process.execPath, ['--import', 'tsx', `bench/${bench}.ts`, ...args], { cwd: root, timeout: 20_000 }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stdout).toBe('');
    const lines = failed!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
  });
});
