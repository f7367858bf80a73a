/**
 * A socat pseudo-terminal pair: two linked PTYs, so a virtual device can sit on one end while a
 * driver (ours or any program) opens the other through the real serialport binding, exactly as it
 * would open /dev/ttyUSB0. Used by `pos virtual …`, the tests (test/support/pty.ts) and the
 * benchmarks. `socat` must be installed (CI installs it).
 *
 * socat must not outlive us: a `pos virtual …` killed with SIGKILL runs no exit handler, and an
 * orphaned socat keeps the PTY links alive. So on Linux socat starts through util-linux's setpriv
 * (where it takes --pdeathsig: see socatCommand), which sets the parent-death signal (prctl PR_SET_PDEATHSIG) and execs socat in the same process
 * (same pid). TERM rather than KILL, so socat still removes its links. The signal follows the
 * thread that spawned socat, which is the event loop's: open the pair on the thread that owns it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** One end (by convention the device side). */
  readonly a: string;
  /** The other end (by convention the host/driver side). */
  readonly b: string;
  /** socat's pid, so a test can simulate an unplug by killing it. */
  readonly pid: number;
  /** Kills socat ("unplugs" both ends); resolves when it has exited. Idempotent. */
  close(): Promise<void>;
}

export interface PtyOptions {
  /** Directory for the links a and b; a fresh temp dir by default. Reusing one lets a test "replug" the same paths. */
  dir?: string;
  /** Explicit link paths instead of DIR/a and DIR/b (e.g. the path a user asked for). */
  links?: { a: string; b: string };
  /** How long to wait for both links to appear. */
  timeoutMs?: number;
  /** The setpriv to start socat through (default /usr/bin/setpriv); a test points it at a stand-in. */
  setpriv?: string;
}

/** Starts `socat -d -d pty,raw,echo=0,link=DIR/a pty,raw,echo=0,link=DIR/b` and waits for both links. */
export async function openPtyPair(options: PtyOptions = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined && options.links === undefined;
  const dir = options.dir ?? (ownDir ? mkdtempSync(join(tmpdir(), 'pty-')) : '');
  const a = options.links?.a ?? join(dir, 'a');
  const b = options.links?.b ?? join(dir, 'b');
  const [command, ...prefix] = await socatCommand(options.setpriv ?? defaultSetpriv);
  const child = spawn(command!, [...prefix, '-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));

  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  try {
    await Promise.race([waitForLinks([a, b], deadline, () => child.exitCode !== null, () => stderr), spawnError]);
  } catch (error) {
    await kill(child, exited);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    a,
    b,
    pid: child.pid!,
    close: () =>
      (closed ??= kill(child, exited).then(() => {
        if (ownDir) rmSync(dir, { recursive: true, force: true });
      })),
  };
}

const defaultSetpriv = '/usr/bin/setpriv';
/** By setpriv path: whether it takes --pdeathsig, probed once per process. */
const probes = new Map<string, Promise<boolean>>();

/**
 * `setpriv --pdeathsig TERM socat` where that setpriv takes the option (util-linux ≥ 2.33, every
 * current Debian); plain `socat` where there is no setpriv (macOS) or an older or busybox one that
 * answers "unrecognized option '--pdeathsig'": socat would not start at all through it.
 */
async function socatCommand(setpriv: string): Promise<readonly string[]> {
  let probe = probes.get(setpriv);
  if (!probe) probes.set(setpriv, (probe = takesPdeathsig(setpriv)));
  return (await probe) ? [setpriv, '--pdeathsig', 'TERM', 'socat'] : ['socat'];
}

function takesPdeathsig(setpriv: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(setpriv, ['--pdeathsig', 'TERM', 'true'], { stdio: 'ignore' });
    child.once('error', () => resolve(false)); // not there
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function waitForLinks(paths: string[], deadline: number, exited: () => boolean, stderr: () => string): Promise<void> {
  while (!paths.every((p) => existsSync(p))) {
    if (exited()) throw new Error(`socat exited before creating the PTYs: ${stderr().trim().split('\n').pop() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`socat did not create ${paths.join(' and ')} in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}
