// pos virtual reader --data DIR: the reader's cards take their ATCs from the same counter files as
// `pos sale --virtual-card` and the demo in that folder (cli/device-counters.ts), so taps on the
// reader and one-shot sales against one switch never send an ATC twice (before, the reader always
// started at the profile's initial ATC and the switch refused it 05 once pos sale had used the card).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture, cleanupsAfterEach, runPos, startPos, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

/** A served `pos virtual …` stopped with SIGTERM (it removes its socat pair; SIGKILL would leave socat running). */
async function serve(args: string[]) {
  const { child, started, exited } = await startPos(args, cleanups);
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  return started;
}

describe('pos virtual reader --data', () => {
  it('starts a card at the folder\'s saved ATC and reserves each next one there', async () => {
    const dir = tempDir(cleanups);
    writeFileSync(join(dir, 'virtual-cards.json'), JSON.stringify({ visa: 40 }));
    const started = await serve(['virtual', 'reader', '--pty', join(dir, 'pn532'), '--card', 'visa', '--data', dir, '--control-port', '0']);
    const port = new URL(String(started.control)).port;
    const status = capture();
    expect(await main(['virtual', 'reader', 'status', '--control-port', port], status)).toBe(0);
    expect(JSON.parse(status.stdout.join('\n')).field).toMatchObject([{ card: 'visa', atc: 40 }]);
    const read = await runPos(['virtual', 'reader', 'read', '--device', join(dir, 'pn532'), '--timeout-ms', '3000']);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout).cryptogram.atc).toBe('0029'); // 41
    expect(JSON.parse(readFileSync(join(dir, 'virtual-cards.json'), 'utf8'))).toEqual({ visa: 41 });
  });

  it('a card whose saved ATC is 65535 refuses the tap (6985) and the reader says why on stderr, one JSON line', async () => {
    const dir = tempDir(cleanups);
    writeFileSync(join(dir, 'virtual-cards.json'), JSON.stringify({ visa: 65535 }));
    const { child, exited } = await startPos(['virtual', 'reader', '--pty', join(dir, 'pn532'), '--card', 'visa', '--data', dir], cleanups);
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const read = await runPos(['virtual', 'reader', 'read', '--device', join(dir, 'pn532'), '--timeout-ms', '3000']);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toContain('6985');
    await expect.poll(() => stderr.trim().split('\n')).toEqual([JSON.stringify({ warning: 'visa: ATC exhausted (65535): the card refused the tap (6985)' })]);
    expect(JSON.parse(readFileSync(join(dir, 'virtual-cards.json'), 'utf8'))).toEqual({ visa: 65535 });
  });

  it('a corrupt counter file, or a control port in use for any virtual device: one line and the process ends (it hung on its PTY before)', async () => {
    const dir = tempDir(cleanups);
    writeFileSync(join(dir, 'virtual-cards.json'), JSON.stringify({ visa: 'x' }));
    const corrupt = await runPos(['virtual', 'reader', '--pty', join(dir, 'pn532'), '--card', 'visa', '--data', dir]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr.trim().split('\n')).toEqual([expect.stringContaining('virtual-cards.json: "visa" must be an ATC')]);
    expect(existsSync(join(dir, 'pn532'))).toBe(false);
    const started = await serve(['virtual', 'reader', '--pty', join(dir, 'first'), '--control-port', '0']);
    for (const device of ['reader', 'msr', 'scanner']) {
      const busy = await runPos(['virtual', device, '--pty', join(dir, `second-${device}`), '--control-port', new URL(String(started.control)).port]);
      expect(busy.code, device).toBe(1);
      expect(busy.stderr, device).toContain('EADDRINUSE');
      expect(existsSync(join(dir, `second-${device}`)), device).toBe(false);
    }
  });

  it('refuses a folder that does not exist, one line', async () => {
    const io = capture();
    expect(await main(['virtual', 'reader', '--pty', '/tmp/nowhere-pn532', '--data', '/nonexistent/folder'], io)).toBe(2);
    expect(io.stderr).toEqual(['pos virtual reader: --data: no such folder']); // the path is not echoed: it may be a secret typed in the wrong place
  });
});
