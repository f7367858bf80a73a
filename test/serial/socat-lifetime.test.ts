// A `pos virtual …` process owns the socat that makes its PTY pair: when the process dies, even by
// SIGKILL (no exit handler runs), socat goes too and its links are removed (prctl(2)
// PR_SET_PDEATHSIG, set by util-linux setpriv before it execs socat). SIGTERM and SIGINT still stop
// it the ordinary way.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPtyPair } from '../../hardware/serial/index.js';
import { cleanupsAfterEach, startPos, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

/** `/proc/PID/stat` fields after the command name: state, ppid, … (undefined once the process is gone). */
function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Children of `parent` whose command is socat. */
function socatChildren(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return stat(pid)?.[1] === String(parent) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'socat';
      } catch {
        return false;
      }
    });
}

/** Whether `pid` has exited (gone, or a zombie its new parent has not reaped: a container's init may not). */
const dead = (pid: number) => {
  const state = stat(pid)?.[0];
  return state === undefined || state === 'Z';
};

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('socat dies with its owner', () => {
  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
    it(`pos virtual msr killed by ${signal}: its socat is gone within 2 s and the links with it`, async () => {
      const path = join(tempDir(cleanups), 'msr');
      const { child, exited } = await startPos(['virtual', 'msr', '--pty', path, '--control-port', '0'], cleanups);
      const [socat, ...more] = socatChildren(child.pid!);
      expect(more).toEqual([]);
      expect(socat).toBeDefined();
      // If the test fails, do not leave socat behind.
      cleanups.push(async () => void (dead(socat!) || process.kill(socat!, 'SIGKILL')));
      expect(existsSync(path) && existsSync(`${path}.device`)).toBe(true);

      child.kill(signal);
      await exited;
      expect(await until(() => dead(socat!), 2000)).toBe(true);
      expect(await until(() => !existsSync(path) && !existsSync(`${path}.device`), 2000)).toBe(true);
    });
  }

  it('close() still stops socat, and the pid it reports is socat itself', async () => {
    const pty = await openPtyPair();
    expect(readFileSync(`/proc/${pty.pid}/comm`, 'utf8').trim()).toBe('socat');
    await pty.close();
    expect(dead(pty.pid)).toBe(true);
    expect(existsSync(pty.a) || existsSync(pty.b)).toBe(false);
  });
});
