// The page's slips (terminal-adapter.ts: the journal row and its journaled request) follow the CVM as
// the terminal's own slip does: a tap under the CVM-required limit (DE55 9F34 1F0002, no CVM required)
// prints no signature line, live or reprinted; a tap with an online PIN none either.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';

let demo: RunningDemo;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-receipt-cvm-'));
  demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, timeouts: { presentMs: 5000 } });
});
afterAll(async () => {
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a tap under the CVM-required limit: NO CVM REQUIRED / 免密免签 and no signature on the page’s merchant copy', async () => {
  const sale = demo.terminal.sale({ amount: 2500 });
  demo.kit.tap('unionpay');
  const live = await sale;
  demo.kit.removeCards();
  expect(live.state).toBe('approved');
  type View = { id: string; receipts: Record<'en' | 'zh-CN', { merchant: string; customer: string }> };
  const rows = ((await (await fetch(`${demo.pageUrl}/api/transactions?limit=5`)).json()) as { transactions: View[] }).transactions;
  const page = rows.find((row) => row.id === live.id)!.receipts;
  expect(page.en.merchant).not.toContain('CARDHOLDER SIGNATURE'); // before: the page's merchant copy asked for a signature
  expect(page.en.merchant).toContain('NO CVM REQUIRED');
  expect(page['zh-CN'].merchant).not.toContain('持卡人签名');
  expect(page['zh-CN'].merchant).toContain('免密免签');
  expect(live.receipt!.merchant).not.toContain('CARDHOLDER SIGNATURE');
});
