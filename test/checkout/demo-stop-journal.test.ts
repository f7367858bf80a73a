// The demo stopped (its Ctrl-C) while a sale waits for the host's answer: the host has the sale and
// approved it (a `.98` late answer: processed and journaled at once, answered after lateAnswerMs), so
// it may stand. The terminal's stop() waits a little for the answer, then cuts the wait off and
// journals the sale as `interrupted`, its reversal queued; the next start sends that reversal and the
// page shows the sale (being) reversed. Before, the cut-off wait was taken for the host's silence
// (`no-answer`, "no answer from the host") while stop() was already closing the journal under it.
// The whole composition: switch on SQLite, terminal, virtual devices, checkout over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../cli/demo/demo.js';
import { testTmk } from '../../switch/config.js';
import type { StatusEvent, TransactionView } from '../../terminal/checkout/types.js';
import { Journal } from '../../terminal/journal.js';

let demo: RunningDemo | undefined;
let dataDir: string;

// The late answer never comes within the test: only stop() ends the wait.
const start = async () => (demo = await startDemo({ dataDir, port: 0, switchPort: 0, adminPort: 0, lateAnswerMs: 600_000, timeouts: { queueRetryMs: 200 } }));
const state = async () =>
  (await (await fetch(`${demo!.pageUrl}/api/state`)).json()) as { inFlight: { status?: StatusEvent } | null; lastResult: TransactionView | null };
const post = (path: string, body: unknown) => fetch(`${demo!.pageUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'pos-demo-stop-journal-'));
});
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('stopped while the host holds its answer: the journal has the sale interrupted with its reversal queued; the next start reverses it and shows it', async () => {
  await start();
  expect((await post('/api/sale', { amount: '8.98' })).status).toBe(202);
  await expect.poll(async () => (await state()).inFlight?.status?.step).toBe('present-card');
  expect((await post('/api/tester/tap', { card: 'visa' })).status).toBe(200);
  await expect.poll(async () => (await state()).inFlight?.status?.step, { timeout: 10_000 }).toBe('processing');
  const txnId = (await state()).inFlight!.status!.txnId;
  // The host has it, approved: only its answer is late.
  await expect.poll(async () => (await demo!.switch.store.search({ terminalId: 'DEMO0001' })).map((row) => [row.kind, row.responseCode])).toEqual([['sale', '00']]);
  await demo!.stop();
  demo = undefined;

  // What the stopped terminal left in its journal (opened as the next start would, before it recovers anything).
  const journal = new Journal(join(dataDir, 'terminal.db'), Buffer.from(testTmk, 'hex'), 'DEMO0001', () => {});
  try {
    expect(journal.get(txnId)).toMatchObject({ kind: 'sale', amount: 898, state: 'reversing', reasonCode: 'interrupted' }); // before: no-answer
    expect(journal.get(txnId)!.reason).toBe('the terminal stopped before the outcome was known');
    expect(journal.pendingQueue().map((entry) => [entry.txnId, entry.kind])).toEqual([[txnId, 'reversal']]);
  } finally {
    journal.close();
  }

  await start();
  expect((await state()).lastResult).toMatchObject({ id: txnId, kind: 'sale', amount: 898, reasonCode: 'interrupted' });
  await expect.poll(async () => (await state()).lastResult?.state, { timeout: 10_000 }).toBe('reversed');
  expect((await state()).lastResult?.receipts?.en.customer).toMatch(/REVERSED/);
  // The host undid it: the sale's reversal is journaled at the switch, answered 00.
  const rows = await demo!.switch.store.search({ terminalId: 'DEMO0001' });
  expect(rows.filter((row) => row.kind === 'reversal').map((row) => row.responseCode)).toEqual(['00']);
});
