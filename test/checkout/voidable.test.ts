// The history's Void button (`voidable`) is offered exactly when the terminal's void accepts the
// transaction: a partly refunded sale was offered Void, then refused "already refunded".
// Real composition: startDemo (switch on SQLite in a temp dir, terminal, checkout server over HTTP).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';

let demo: RunningDemo;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-voidable-'));
  demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, timeouts: { presentMs: 5000 } });
});
afterAll(async () => {
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const voidable = async () => {
  const { transactions } = (await (await fetch(`${demo.pageUrl}/api/transactions?limit=20`)).json()) as { transactions: Array<{ id: string; voidable?: boolean }> };
  return new Map(transactions.map((row) => [row.id, row.voidable]));
};

it('a partly refunded sale is not offered Void (the terminal refuses it), nor is its refund (the switch voids sales and completions only)', async () => {
  const sale = demo.terminal.sale({ amount: 2500 });
  demo.kit.tap('visa');
  const original = await sale;
  demo.kit.removeCards();
  expect(original.state).toBe('approved');
  expect((await voidable()).get(original.id)).toBe(true);

  const refund = await demo.terminal.refund({ original: original.id, amount: 1000 });
  expect(refund.state).toBe('approved');
  const offered = await voidable();
  expect(offered.get(original.id)).toBe(false); // before: true
  expect(offered.get(refund.id)).toBe(false);
  expect(await demo.terminal.void({ original: refund.id })).toMatchObject({ state: 'failed', reasonCode: 'original-not-eligible' });
  expect(await demo.terminal.void({ original: original.id })).toMatchObject({ state: 'failed', reasonCode: 'already-refunded' });
});

it('the page’s slips of a refund name its original (trace, RRN) in both languages, as the terminal’s own slip does', async () => {
  const sale = demo.terminal.sale({ amount: 1800 });
  demo.kit.tap('mastercard');
  const original = await sale;
  demo.kit.removeCards();
  const refund = await demo.terminal.refund({ original: original.id, amount: 800 });
  expect(refund.state).toBe('approved');
  const { transactions } = (await (await fetch(`${demo.pageUrl}/api/transactions?limit=20`)).json()) as {
    transactions: Array<{ id: string; receipts?: Record<'en' | 'zh-CN', { merchant: string; customer: string }> }>;
  };
  const slips = transactions.find((row) => row.id === refund.id)!.receipts!;
  const row = demo.terminal.transaction(original.id)!;
  const line = (label: string, value: string) => new RegExp(`\\n${label} +${value}\\n`);
  expect(slips.en.customer).toMatch(line('ORIG TRACE', row.stan)); // before: the page passed no original
  expect(slips.en.customer).toMatch(line('ORIG RRN', row.rrn!));
  expect(slips['zh-CN'].customer).toContain('原参考号');
});
