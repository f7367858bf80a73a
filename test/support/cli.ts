/**
 * For tests that run `pos` commands: captured output in process, cleanups after each test, temp
 * dirs, and the bin as a subprocess that announces itself with one JSON line on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import type { CliIo } from '../../cli/io.js';

/** A CliIo that keeps what the command writes; `stdin` is what it reads from `-`. */
export function capture(stdin = ''): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), readStdin: async () => stdin };
}

export type Cleanups = Array<() => Promise<void>>;

/** A list the caller pushes cleanups onto; after each test they run, last pushed first. Call at module level. */
export function cleanupsAfterEach(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return cleanups;
}

/** A fresh temp dir, removed with the test's cleanups. */
export function tempDir(cleanups: Cleanups): string {
  const dir = mkdtempSync(join(tmpdir(), 'pos-test-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `node cli/pos.mjs ARGS` (in `cwd`) to its end: exit code and everything it wrote. */
export function runPos(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../cli/pos.mjs'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

export interface PosChild {
  child: ChildProcess;
  /** The first stdout line, parsed. */
  started: Record<string, unknown>;
  /** The exit code once the process has gone. */
  exited: Promise<number | null>;
}

/** Runs `node cli/pos.mjs ARGS` and waits for its first stdout line; killed (SIGKILL) at cleanup if still running. */
export async function startPos(args: string[], cleanups: Cleanups): Promise<PosChild> {
  const bin = resolve(import.meta.dirname, '../../cli/pos.mjs');
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  const line = await Promise.race([
    (async () => {
      for await (const l of createInterface({ input: child.stdout! })) return l;
      return undefined;
    })(),
    exited.then(() => undefined),
  ]);
  if (line === undefined) throw new Error(`pos ${args.join(' ')} ended before its first line: ${stderr.slice(-1000)}`);
  return { child, started: JSON.parse(line) as Record<string, unknown>, exited };
}
