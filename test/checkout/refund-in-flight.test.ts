/**
 * A refund in flight (journaled pending, sent, not answered yet) counts against what is left to refund:
 * a second process on the same journal (`pos refund`) is refused before anything is sent, and the page's
 * transactions offer only the rest. `pos refund ID` without an amount refunds what is left (it asked for
 * the whole sale, refused after a partial refund). Before: the pending refund was not counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import { refund } from '../../cli/commands/txn.js';

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
async function posRefund(...args: string[]): Promise<{ code: number; result: Record<string, unknown> }> {
  const out: string[] = [];
  const io = { out: (text: string) => void out.push(text), err: () => {}, readStdin: async () => '' };
  const code = await refund([...args, '--host', `127.0.0.1:${demo.switchPort}`, '--journal', join(dataDir, 'terminal.db'),
    '--terminal-id', 'DEMO0001', '--merchant-id', 'DEMO00000000001', '--log-level', 'silent'], io);
  return { code, result: JSON.parse(out.join('')) as Record<string, unknown> };
}

it('a pending refund is deducted; pos refund without an amount refunds the rest', async () => {
  const s = demo.terminal.sale({ amount: 2500 });
  demo.kit.tap('visa');
  const sale = await s;
  demo.kit.removeCards();
  expect(sale.state).toBe('approved');

  demo.switch.faults.set('*', { delayMs: 2000 }); // the first refund's answer is on its way for 2 s
  const first = demo.terminal.refund({ original: sale.id, amount: 2000 });
  await expect.poll(() => demo.terminal.history({ limit: 5 }).find((row) => row.kind === 'refund')?.state).toBe('pending');
  expect(demo.terminal.refundable(demo.terminal.transaction(sale.id)!)).toBe(500);
  const page = (await (await fetch(`${demo.pageUrl}/api/transactions`)).json()) as { transactions: Array<Record<string, unknown>> };
  expect(page.transactions.find((row) => row.id === sale.id)).toMatchObject({ refundable: 500, voidable: false });
  const second = await posRefund(sale.id, '20.00');
  expect(second.code).toBe(1);
  expect(second.result).toMatchObject({ state: 'failed', reasonCode: 'amount-exceeds-refundable' });
  expect(second.result.responseCode).toBeUndefined(); // refused before anything was sent
  demo.switch.faults.clear();
  expect((await first).state).toBe('approved');

  const rest = await posRefund(sale.id);
  expect(rest.code).toBe(0);
  expect(rest.result).toMatchObject({ state: 'approved', kind: 'refund', amount: 500 });
  expect(demo.terminal.refundable(demo.terminal.transaction(sale.id)!)).toBe(0);
  // Nothing left: refused, not a zero refund.
  expect((await posRefund(sale.id)).result).toMatchObject({ state: 'failed', reasonCode: 'amount-exceeds-refundable' });
}, 30_000);

it('pos refund --help says what a refund without an amount takes', async () => {
  const out: string[] = [];
  expect(await refund(['--help'], { out: (text) => void out.push(text), err: () => {}, readStdin: async () => '' })).toBe(0);
  expect(out.join('')).toContain('without AMOUNT: what is left to refund of the original');
});
