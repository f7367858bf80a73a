// Command names, stdin lines and --mix parts are echoed by cli/io.ts quoted() too: a PAN or a swipe
// typed in the wrong place never reaches the error line, which still says what was refused.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { parseCommand } from '../../cli/commands/terminal.js';
import { capture } from '../support/cli.js';

const pan = '4761739001010010';
const swipe = `;${pan}=30121010000000000?`;

describe('echoes outside the tools go through quoted()', () => {
  it('pos PAN and pos load --mix', async () => {
    for (const [args, named] of [
      [[pan], /^pos: unknown command \(16 characters, not shown\) \(try pos --help\)$/],
      [['load', '--mix', `sale=${pan}x`], /^pos load: --mix: expected sale=N,refund=N,reversal=N, got \(22 characters, not shown\)$/],
    ] as const) {
      const io = capture();
      expect(await main([...args], io)).toBe(2);
      expect(io.stderr).toHaveLength(1);
      expect(io.stderr[0]).not.toContain('4761739'); // before: the PAN
      expect(io.stderr[0]).toMatch(named);
    }
  });

  it('a stdin line of pos terminal: a swipe, a PAN as tender or argument', () => {
    expect(() => parseCommand(swipe)).toThrow(/^unknown command: \(36 characters, not shown\)$/);
    expect(() => parseCommand(`sale 12 ${pan}`)).toThrow(/^sale: unknown tender \(16 characters, not shown\) \(card or code\)$/);
    expect(() => parseCommand(`void T1 ${pan}`)).toThrow(/^void: unexpected argument \(16 characters, not shown\)$/);
    expect(() => parseCommand(`completion T1 5 ${pan}`)).toThrow(/^completion: unexpected argument \(16 characters, not shown\)$/);
    expect(() => parseCommand(`batch ${swipe}`)).toThrow(/^unknown command: \(42 characters, not shown\) \(batch close\)$/);
    expect(() => parseCommand('pay 12')).toThrow('unknown command: pay 12'); // short words still shown
  });
});
