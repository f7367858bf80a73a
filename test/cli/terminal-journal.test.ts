// The one-shot terminal commands' files: a journal per terminal ID by default, a journal that
// refuses another terminal, and the virtual card's ATC kept between processes (each `pos sale`
// process started the card at the same ATC again, and the switch refused the second as a replay: 05).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { testTmk } from '../../switch/config.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { Journal } from '../../terminal/journal.js';
import { capture, runPos } from '../support/cli.js';

let sw: RunningSwitch;
let dir: string;
beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  dir = mkdtempSync(join(tmpdir(), 'pos-journal-'));
});
afterAll(async () => {
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('terminal journal and virtual card files of the one-shot commands', () => {
  it('a journal of another terminal is refused in one line naming both IDs and --journal', async () => {
    const path = join(dir, 'demo.db');
    new Journal(path, Buffer.from(testTmk, 'hex'), 'DEMO0001').close();
    const io = capture();
    expect(await main(['sale', '1.00', '--journal', path, '--host', `127.0.0.1:${sw.port}`], io)).toBe(2);
    expect(io.stderr).toEqual([
      `pos sale: --journal ${path}: this journal belongs to terminal DEMO0001, not POS00001 (give POS00001 its own --journal PATH, or leave the option out)`,
    ]);
  });

  it('sale after sale as separate processes: a journal per terminal in data/, the card ATC counts on, both approved', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const args = ['sale', '1.00', '--virtual-card', 'visa', '--host', `127.0.0.1:${sw.port}`, '--timeout-ms', '5000'];
    for (const run of [1, 2]) {
      const result = await runPos(args, cwd);
      expect(result.code, `run ${run}: ${result.stdout}${result.stderr}`).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ state: 'approved' });
    }
    expect(existsSync(join(cwd, 'data/terminal-POS00001.db'))).toBe(true);
    expect(existsSync(join(cwd, 'data/terminal.db'))).toBe(false);
    expect(JSON.parse(readFileSync(join(cwd, 'data/virtual-cards.json'), 'utf8')).visa).toBeGreaterThan(0x11);
  }, 30_000);

  it('a card whose ATC the switch has seen: declined 05 with a note saying why and where the ATC is kept', async () => {
    // Each its own terminal ID: two fresh journals of one terminal both start at STAN 000001, and within
    // one second their sales share a request key, which the switch rightly answers as a repeat.
    const sale = async (folder: string, terminalId: string) => {
      const io = capture();
      const journal = join(mkdtempSync(join(dir, folder)), 'terminal.db');
      const code = await main(['sale', '1.00', '--virtual-card', 'mastercard', '--terminal-id', terminalId, '--journal', journal, '--host', `127.0.0.1:${sw.port}`, '--timeout-ms', '5000'], io);
      return { code, io, journal, said: `${io.stdout.join('')}${io.stderr.join('\n')}` };
    };
    // A card no other test here taps, in a folder of its own, so the switch has seen its first ATC…
    const first = await sale('first-', 'POS00011');
    expect(first.code, first.said).toBe(0);
    // …which a fresh folder starts the card at again.
    const { code, io, journal, said } = await sale('fresh-', 'POS00012');
    expect(code, said).toBe(1);
    const result = JSON.parse(io.stdout.join('')) as { responseCode: string; note: string };
    expect(result.responseCode).toBe('05');
    expect(result.note).toContain('card ATC 33 (9F36 0021) is not above the highest the switch journal holds');
    expect(result.note).toContain(join(journal, '../virtual-cards.json'));
  }, 20_000);
});
