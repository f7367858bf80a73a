// `pos sale` / `pos void` / `pos batch close` against the real switch, with a virtual card on a
// virtual PN532 in the same process (the real driver over an in-process link).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { batch, sale, voidTxn } from '../../cli/commands/txn.js';
import { parseCommand } from '../../cli/commands/terminal.js';
import { main } from '../../cli/main.js';
import { capture as io } from '../support/cli.js';

let sw: RunningSwitch;
let dir: string;
beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  dir = mkdtempSync(join(tmpdir(), 'pos-cli-'));
});
afterAll(async () => {
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('pos sale / void / batch close', () => {
  it('a sale with a virtual card, its void, then the batch: JSON out, exit codes', async () => {
    const common = ['--host', `127.0.0.1:${sw.port}`, '--journal', join(dir, 't.db'), '--timeout-ms', '2000'];
    const first = io();
    expect(await sale(['12.34', '--virtual-card', 'mastercard', ...common], first)).toBe(0);
    const result = JSON.parse(first.stdout.join('\n')) as { id: string; state: string; maskedPan: string };
    expect(result).toMatchObject({ state: 'approved', maskedPan: '541333******1513' });
    expect(first.stderr.join('\n')).toContain('"status":"approved"');
    const declined = io();
    expect(await sale(['10.51', '--virtual-card', 'visa', ...common], declined)).toBe(1);
    const voided = io();
    expect(await voidTxn([result.id, ...common], voided)).toBe(0);
    const closed = io();
    expect(await batch(['close', ...common], closed)).toBe(0);
    expect(JSON.parse(closed.stdout.join('\n'))).toMatchObject({ inBalance: true, batch: 1 });
  });

  // The checkout page's rule (terminal/amount.ts), refused before the terminal signs on.
  it.each([
    [['sale', '0'], 'amount: must be more than zero'],
    [['sale', '0.00'], 'amount: must be more than zero'],
    [['sale', '1234567890'], 'amount: at most 99999999.99'],
    [['sale', '12.3.4'], 'amount: digits with at most two decimals'],
    [['sale'], 'amount: enter an amount'],
    [['refund', 'ID', '0'], 'amount: must be more than zero'],
  ])('pos %j: one line, exit 2, no transaction', async (args, message) => {
    const out = io();
    const common = ['--host', `127.0.0.1:${sw.port}`, '--journal', join(dir, 'amount.db'), '--virtual-card', 'visa', '--timeout-ms', '2000'];
    expect(await main([...args, ...common], out)).toBe(2);
    expect(out.stderr).toEqual([expect.stringContaining(message)]);
    expect(out.stdout).toEqual([]);
  });

  // An extra positional is a typo or a misplaced option: refused by name, never ignored.
  it.each([
    [['sale', '12', '13'], "unexpected argument '13'"],
    [['sale', '12', 'code'], "unexpected argument 'code'"],
    [['refund', 'ID', '5', '6'], "unexpected argument '6'"],
    [['void', 'ID', 'X'], "unexpected argument 'X'"],
    [['batch', 'close', 'now'], "unexpected argument 'now'"],
    [['batch', 'open'], 'usage: pos batch close'],
  ])('pos %j: one line naming it, exit 2, no transaction', async (args, message) => {
    const out = io();
    const common = ['--host', `127.0.0.1:${sw.port}`, '--journal', join(dir, 'extra.db'), '--virtual-card', 'visa', '--timeout-ms', '2000'];
    expect(await main([...args, ...common], out)).toBe(2);
    expect(out.stderr).toEqual([`pos ${args[0]}: ${message}`]);
    expect(out.stdout).toEqual([]);
  });

  it('pos terminal stdin lines: what each runs, and a refusal naming what is wrong', () => {
    expect(parseCommand('sale 12.34 code')).toEqual({ verb: 'sale', request: { amount: 1234, tender: 'code' } });
    expect(parseCommand('  refund T1 5 ')).toEqual({ verb: 'refund', request: { original: 'T1', amount: 500 } });
    expect(parseCommand('batch close')).toEqual({ verb: 'batch' });
    expect(parseCommand('cancel')).toEqual({ verb: 'cancel' });
    expect(parseCommand('   ')).toBeUndefined();
    expect(() => parseCommand('sale 12 foo')).toThrow("sale: unknown tender 'foo' (card or code)");
    expect(() => parseCommand('sale 12 card x')).toThrow("sale: unexpected argument 'x'");
    expect(() => parseCommand('refund T1 5 6')).toThrow("refund: unexpected argument '6'");
    expect(() => parseCommand('refund')).toThrow('refund: missing the original transaction ID');
    expect(() => parseCommand('void T1 T2')).toThrow("void: unexpected argument 'T2'");
    expect(() => parseCommand('batch close now')).toThrow("batch: unexpected argument 'now'");
    expect(() => parseCommand('history 5')).toThrow("history: unexpected argument '5'");
    expect(() => parseCommand('quit now')).toThrow("quit: unexpected argument 'now'");
    expect(() => parseCommand('pay 12')).toThrow('unknown command: pay 12');
  });

  // --help and docs/terminal.md name every stdin command parseCommand runs, and nothing else.
  it('pos terminal --help and docs/terminal.md list exactly the stdin commands it accepts', async () => {
    const out = io();
    expect(await main(['terminal', '--help'], out)).toBe(0);
    const listed = /then type commands: (.*)/.exec(out.stdout.join('\n'))?.[1]?.split(' | ');
    expect(listed).toEqual(['sale 12.34 [card|code]', 'refund ID [AMOUNT]', 'void ID', 'preauth 12.34', 'completion ID [AMOUNT] [--offline]', 'balance', 'batch close', 'history', 'cancel', 'quit']);
    const docs = readFileSync(resolve(import.meta.dirname, '../../docs/terminal.md'), 'utf8').replace(/\s+/g, ' ');
    for (const form of listed!) {
      expect(parseCommand(form.replace(/ \[(--\w+)\]$/, ' $1').replace(/ \[(\w+)\|\w+\]$/, ' $1').replace(/ \[AMOUNT\]( |$)/, ' 5$1'))?.verb).toBe(form.split(' ')[0]);
      expect(docs).toContain(`\`${form}\``);
    }
  });

  it('bad options are one-line errors', async () => {
    await expect(sale(['1', '--host', 'nohost'], io())).rejects.toThrow('--host: expected HOST:PORT');
  });
});
