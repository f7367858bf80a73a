/**
 * A refund in flight (journaled pending, sent, not answered yet) counts against what is left to refund
 * on the page. A second process on the demo's journal (`pos refund --journal data/terminal.db`) is refused
 * at open (one line, exit 2): before, its start-up recovery took the in-flight refund for interrupted and
 * queued its reversal, the approval then set the row back to approved while the host undid it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import { refund } from '../../cli/commands/txn.js';
import { CliError } from '../../cli/io.js';

let demo: RunningDemo;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-refund-in-flight-'));
  demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0 });
});
afterAll(async () => {
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `pos refund` as its own terminal process would run it, on the demo terminal's journal. */
function posRefund(...args: string[]): Promise<number> {
  const io = { out: () => {}, err: () => {}, readStdin: async () => '' };
  return refund([...args, '--host', `127.0.0.1:${demo.switchPort}`, '--journal', join(dataDir, 'terminal.db'),
    '--terminal-id', 'DEMO0001', '--merchant-id', 'DEMO00000000001', '--log-level', 'silent'], io);
}

it('a pending refund is deducted on the page; a second process on the journal is refused at open and leaves the refund alone', async () => {
  const s = demo.terminal.sale({ amount: 2500 });
  demo.kit.tap('visa');
  const sale = await s;
  demo.kit.removeCards();
  expect(sale.state).toBe('approved');

  demo.switch.faults.set('*', { delayMs: 2000 }); // the first refund's answer is on its way for 2 s
  const first = demo.terminal.refund({ original: sale.id, amount: 2000 });
  await expect.poll(() => demo.terminal.history({ limit: 5 }).find((row) => row.kind === 'refund')?.state).toBe('pending');
  const refundId = demo.terminal.history({ limit: 5 }).find((row) => row.kind === 'refund')!.id;
  expect(demo.terminal.refundable(demo.terminal.transaction(sale.id)!)).toBe(500);
  const page = (await (await fetch(`${demo.pageUrl}/api/transactions`)).json()) as { transactions: Array<Record<string, unknown>> };
  expect(page.transactions.find((row) => row.id === sale.id)).toMatchObject({ refundable: 500, voidable: false });
  // The CliError `pos` prints as its one line, exit 2 (test/cli/terminal-process covers the real child).
  const second = await posRefund(sale.id, '5.00').catch((error: unknown) => error);
  expect(second).toBeInstanceOf(CliError);
  expect(second).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--journal .*terminal\.db: in use by another pos process \(the demo\? pos terminal\?\)/) });
  demo.switch.faults.clear();
  expect((await first).state).toBe('approved');
  // Nothing reversed it behind the terminal's back: approved here, no reversal queued for the host.
  expect(demo.terminal.transaction(refundId)!.state).toBe('approved');
  expect(demo.terminal.journal.queueEntry(refundId, 'reversal')).toBeUndefined();
  // Without an amount: what is left.
  expect(await demo.terminal.refund({ original: sale.id })).toMatchObject({ state: 'approved', amount: 500 });
  expect(demo.terminal.refundable(demo.terminal.transaction(sale.id)!)).toBe(0);
  expect(await demo.terminal.refund({ original: sale.id })).toMatchObject({ state: 'failed', reasonCode: 'amount-exceeds-refundable' });
}, 30_000);

it('pos refund --help says what a refund without an amount takes', async () => {
  const out: string[] = [];
  expect(await refund(['--help'], { out: (text) => void out.push(text), err: () => {}, readStdin: async () => '' })).toBe(0);
  expect(out.join('')).toContain('without AMOUNT: what is left to refund of the original');
});
