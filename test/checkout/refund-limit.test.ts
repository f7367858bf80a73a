// A refund above what is left of its original (its amount less the refunds that stand) is refused by
// the terminal before anything is sent, and by the page's server before the supervisor PIN is looked
// at: the supervisor is not asked to confirm what cannot be done, and it is no PIN failure (no lockout).
// Real composition: startDemo (switch on SQLite in a temp dir, terminal, checkout server over HTTP).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoSupervisorPin, startDemo, type RunningDemo } from '../../cli/demo/demo.js';

let demo: RunningDemo;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-refund-limit-'));
  demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, timeouts: { presentMs: 5000 } });
});
afterAll(async () => {
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) =>
  fetch(`${demo.pageUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function tappedSale(amount: number) {
  const sale = demo.terminal.sale({ amount });
  demo.kit.tap('visa');
  const result = await sale;
  demo.kit.removeCards();
  expect(result.state).toBe('approved');
  return result;
}

it('the terminal refuses a refund above what is left after earlier refunds, before sending it (before: sent, declined 13)', async () => {
  const sale = await tappedSale(2500);
  expect((await demo.terminal.refund({ original: sale.id, amount: 1000 })).state).toBe('approved');
  const stans = demo.terminal.history({ limit: 100 }).length;
  const over = await demo.terminal.refund({ original: sale.id, amount: 1600 });
  expect(over).toMatchObject({ state: 'failed', reasonCode: 'amount-exceeds-refundable' });
  expect(over.responseCode).toBeUndefined(); // never reached the host
  expect(demo.terminal.history({ limit: 100 })).toHaveLength(stans); // nothing journaled
  const { transactions } = (await (await fetch(`${demo.pageUrl}/api/transactions`)).json()) as { transactions: Array<{ id: string; refundable?: number }> };
  expect(transactions.find((row) => row.id === sale.id)?.refundable).toBe(1500);
  expect((await demo.terminal.refund({ original: sale.id, amount: 1500 })).state).toBe('approved');
  const after = (await (await fetch(`${demo.pageUrl}/api/transactions`)).json()) as { transactions: Array<{ id: string; refundable?: number }> };
  expect(after.transactions.find((row) => row.id === sale.id)?.refundable).toBeUndefined(); // nothing left: Refund no longer offered
});

it('the page server refuses the amount before the supervisor PIN: 422 whatever PIN, no lockout counted, nothing started', async () => {
  const sale = await tappedSale(800);
  for (let i = 0; i < 6; i++) {
    const answer = await post('/api/refund', { original: sale.id, amount: '8.01', supervisorPin: '000000' });
    expect(answer.status).toBe(422); // before: 403 "supervisor PIN is wrong", then 429 locked
    expect(await answer.json()).toMatchObject({ error: 'refund', reasonCode: 'amount-exceeds-refundable', refundable: 800 });
  }
  expect((await post('/api/refund', { original: 'no-such-id', amount: '1.00', supervisorPin: '000000' })).status).toBe(422);
  const state = (await (await fetch(`${demo.pageUrl}/api/state`)).json()) as { inFlight: unknown };
  expect(state.inFlight).toBeNull();
  // Six refused amounts were no wrong PINs: the right PIN still works (before: locked for a minute).
  expect((await post('/api/refund', { original: sale.id, amount: '8.00', supervisorPin: demoSupervisorPin })).status).toBe(202);
  await expect.poll(async () => ((await (await fetch(`${demo.pageUrl}/api/state`)).json()) as { lastResult: { state: string } | null }).lastResult?.state, { timeout: 10_000 }).toBe('approved');
});
