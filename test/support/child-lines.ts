/**
 * A child process that speaks JSON lines on stdout, for tests: `waitFor(predicate)` resolves with
 * the first line (already received or still to come) that matches, and fails when the process
 * exits first, quoting its stderr. Synchronisation on what the child says, never on sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JsonLinesChild {
  readonly child: ChildProcess;
  /** Every line so far (parsed JSON, or `{ text }` for a line that is not JSON). */
  readonly lines: Array<Record<string, any>>;
  waitFor(predicate: (line: Record<string, any>) => boolean, what?: string): Promise<Record<string, any>>;
  send(line: string): void;
  /** Resolves with the exit code (or the signal's name) once the process has gone. */
  readonly exited: Promise<number | string>;
  stderr(): string;
}

export function spawnJsonLines(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): JsonLinesChild {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Array<Record<string, any>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let gone = false;
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      for (const wake of waiters) wake();
      resolve(code ?? signal ?? -1);
    }),
  );
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, any>;
    try {
      line = JSON.parse(text) as Record<string, any>;
    } catch {
      line = { text };
    }
    lines.push(line);
    for (const wake of waiters) wake();
  });
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    send: (line) => child.stdin!.write(`${line}\n`),
    waitFor(predicate, what = 'the expected line') {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < lines.length; seen++) {
            if (predicate(lines[seen]!)) {
              waiters.delete(check);
              return resolve(lines[seen]!);
            }
          }
          if (gone) {
            waiters.delete(check);
            reject(new Error(`the child exited before ${what}; stdout: ${JSON.stringify(lines).slice(-1500)}; stderr: ${stderr.slice(-1500)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
