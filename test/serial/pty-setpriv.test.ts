// openPtyPair starts socat through `setpriv --pdeathsig TERM` only where that setpriv takes the
// option: util-linux added --pdeathsig in 2.33, and busybox's setpriv has none. An older one
// answers "unrecognized option '--pdeathsig'" and socat never started (`pos virtual` broke), so
// the option is probed once per setpriv path and plain socat is the fallback.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPtyPair } from '../../hardware/serial/index.js';
import { cleanupsAfterEach, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

/** A stand-in setpriv that logs its arguments; `knowsPdeathsig` false answers as util-linux < 2.33 does. */
function fakeSetpriv(knowsPdeathsig: boolean): { path: string; calls: () => string[] } {
  const dir = tempDir(cleanups);
  const path = join(dir, 'setpriv');
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  const option = knowsPdeathsig
    ? 'if [ "$1" = --pdeathsig ]; then shift 2; fi'
    : `if [ "$1" = --pdeathsig ]; then echo "setpriv: unrecognized option '--pdeathsig'" >&2; exit 1; fi`;
  writeFileSync(path, `#!/bin/sh\necho "$*" >> '${log}'\n${option}\nexec "$@"\n`);
  chmodSync(path, 0o755);
  return { path, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

describe('socat through setpriv --pdeathsig, or plain socat where setpriv lacks it', () => {
  it('a setpriv without --pdeathsig (util-linux < 2.33, busybox): probed once, then plain socat', async () => {
    const setpriv = fakeSetpriv(false);
    for (let i = 0; i < 2; i++) {
      const pty = await openPtyPair({ setpriv: setpriv.path });
      cleanups.push(() => pty.close());
      expect(comm(pty.pid)).toBe('socat');
      await pty.close();
    }
    expect(setpriv.calls()).toEqual(['--pdeathsig TERM true']);
  });

  it('a setpriv that takes --pdeathsig starts socat (same pid: it execs)', async () => {
    const setpriv = fakeSetpriv(true);
    const pty = await openPtyPair({ setpriv: setpriv.path });
    cleanups.push(() => pty.close());
    expect(comm(pty.pid)).toBe('socat');
    expect(setpriv.calls()).toEqual(['--pdeathsig TERM true', expect.stringMatching(/^--pdeathsig TERM socat -d -d pty,/)]);
  });

  it('no setpriv at all (macOS): plain socat', async () => {
    const pty = await openPtyPair({ setpriv: join(tempDir(cleanups), 'missing') });
    cleanups.push(() => pty.close());
    expect(comm(pty.pid)).toBe('socat');
  });
});
