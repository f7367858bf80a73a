// The demo stopped cleanly mid-sale (its Ctrl-C: page server first, then the terminal) and started
// again on the same data folder: the page's state says how the sale ended — reversed, with its
// receipt once the host acknowledges the reversal, when the request had left; nothing charged when
// the card step was all there was — instead of "Ready" (R5: the cashier never learnt the sale was
// reversed). The whole composition: switch on SQLite, terminal, virtual devices, checkout over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import type { StatusEvent, TransactionView } from '../../terminal/checkout/types.js';

let demo: RunningDemo | undefined;
let dataDir: string;

const start = async () => (demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, timeouts: { queueRetryMs: 200 } }));
const state = async () =>
  (await (await fetch(`${demo!.pageUrl}/api/state`)).json()) as { inFlight: { status?: StatusEvent } | null; lastResult: TransactionView | null };
const post = (path: string, body: unknown) => fetch(`${demo!.pageUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-demo-stop-'));
});
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('demo stopped mid-sale and started again', () => {
  it('waiting for the host (.97: no answer): the sale is shown reversed, then with its receipt', async () => {
    await start();
    expect((await post('/api/sale', { amount: '8.97' })).status).toBe(202);
    await expect.poll(async () => (await state()).inFlight?.status?.step).toBe('present-card');
    expect((await post('/api/tester/tap', { card: 'visa' })).status).toBe(200);
    await expect.poll(async () => (await state()).inFlight?.status?.step, { timeout: 10_000 }).toBe('processing');
    const txnId = (await state()).inFlight!.status!.txnId;
    await demo!.stop();
    demo = undefined;

    await start();
    // Before: lastResult null and the page said "Ready" (the sale had ended as no-answer, not interrupted).
    const shown = (await state()).lastResult;
    expect(shown).toMatchObject({ id: txnId, kind: 'sale', amount: 897, reasonCode: 'interrupted' }); // the stop cut the wait off: not the host's silence (no-answer)
    expect(['reversing', 'reversed']).toContain(shown!.state);
    await expect.poll(async () => (await state()).lastResult?.state, { timeout: 10_000 }).toBe('reversed');
    expect((await state()).lastResult?.receipts?.en.customer).toMatch(/REVERSED/);
  });

  it('on the card step: the sale is shown not completed, nothing charged', async () => {
    await start();
    expect((await post('/api/sale', { amount: '2.22' })).status).toBe(202);
    await expect.poll(async () => (await state()).inFlight?.status?.step).toBe('present-card');
    const txnId = (await state()).inFlight!.status!.txnId;
    await demo!.stop();
    demo = undefined;

    await start();
    expect((await state()).lastResult).toEqual({ id: txnId, kind: 'sale', state: 'failed', amount: 222, reasonCode: 'terminal-stopped', reason: 'the terminal stopped before the transaction was sent; nothing was charged' });
  });
});
