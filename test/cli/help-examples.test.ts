// The README promises every command's --help an example; the review of session 12 found eleven without one.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

describe('pos <command> --help', () => {
  it('every command listed by pos --help shows an example', async () => {
    const top = capture();
    expect(await main(['--help'], top)).toBe(0);
    const commands = top.stdout.join('\n').match(/^ {2}([a-z0-9]+) {2,}/gm)!.map((line) => line.trim());
    expect(commands.length).toBeGreaterThan(15);
    for (const command of commands) {
      const io = capture();
      expect(await main([command, '--help'], io), command).toBe(0);
      expect(io.stdout.join('\n'), command).toMatch(/e\.g\. pos |examples?:\n {2}(\S+=\S+ )?pos /);
    }
  });
});
