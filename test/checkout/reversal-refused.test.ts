// A reversal the host refuses (any answer but 00/25 and the not-processed 91/96/A0: terminal/forwarder.ts)
// leaves its transaction standing, charged. The checkout sees it as what it is: approved, reason
// reversal-refused, with the code the reversal was refused with, so the page can tell the cashier to
// act. Here the refusal comes while the sale is still in flight (its answer lost, the reversal sent at
// once and answered 12): before, the sale's result said "reversing" (the customer "will not be charged")
// and its journal row lost the reason (approved, no-answer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { checkoutTerminal } from '../../terminal/checkout/terminal-adapter.js';
import { refusedReversalCode } from '../../terminal/forwarder.js';
import { startTerminal, type Terminal } from '../../terminal/index.js';
import { DirectCardReader } from '../terminal/direct-reader.js';
import { startResponder, testTmk, type Responder } from '../terminal/responder.js';

let responder: Responder | undefined;
let terminal: Terminal | undefined;
let dir: string | undefined;
afterEach(async () => {
  await terminal?.stop().catch(() => {});
  await responder?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  terminal = responder = dir = undefined;
});

describe('a reversal the host refuses, as the checkout sees it', () => {
  it('the sale whose answer was lost and whose reversal is answered 12 is approved, reversal-refused, code 12: result, journal and history agree', async () => {
    // The sale's answer never comes; its reversal is refused (12) the moment it arrives.
    responder = await startResponder((request) => (request.mti === '0200' ? 'drop' : request.mti === '0400' ? { '39': '12' } : { '39': '00' }));
    dir = mkdtempSync(join(tmpdir(), 'checkout-reversal-refused-'));
    const reader = new DirectCardReader();
    terminal = await startTerminal({
      host: '127.0.0.1', port: responder.port, terminalId: 'T0000001', merchantId: 'M00000000000001', tmk: testTmk, journal: join(dir, 'j.db'), reader,
      timeouts: { hostMs: 300, presentMs: 2000, reconnectInitialMs: 20, reconnectMaxMs: 100, queueRetryMs: 60_000, echoIntervalMs: 0 },
    });
    const page = checkoutTerminal(terminal);
    const steps: string[] = [];
    terminal.on('status', (status) => steps.push(status.step));
    const pending = page.sale({ amount: 1234 });
    setTimeout(() => reader.tap(createVirtualCard('mastercard')), 10);
    const result = await pending;

    expect(responder.received.map((message) => message.mti)).toEqual(['0800', '0200', '0400']);
    const refused = { state: 'approved', reasonCode: 'reversal-refused', reversalResponseCode: '12' };
    expect(result).toMatchObject(refused); // before: state reversing, reasonCode no-answer
    expect(result.reason).toMatch(/^the host refused the reversal \(12: /);
    expect(result.receipts?.en.customer).toMatch(/APPROVED/);
    expect(page.transaction(result.id)).toMatchObject(refused); // before: approved, no-answer (the refusal's reason overwritten)
    expect((await page.history({ limit: 1 }))[0]).toMatchObject({ id: result.id, ...refused });
    expect(steps.at(-1)).toBe('approved'); // before: reversing, after the refusal's approved
    expect(await terminal.flushQueue()).toBe(true); // finished: never sent again
  });

  it('reads the code back only from a refused reversal’s own reason', () => {
    expect(refusedReversalCode({ reasonCode: 'reversal-refused', reason: 'the host refused the reversal (12: invalid transaction): the transaction stands, charged' })).toBe('12');
    expect(refusedReversalCode({ reasonCode: 'reversal-refused', reason: 'the host refused the reversal (N7: declined (response code N7)): the transaction stands' })).toBe('N7');
    expect(refusedReversalCode({ reasonCode: 'no-answer', reason: 'the host refused the reversal (12: invalid transaction)' })).toBeUndefined();
    expect(refusedReversalCode({ reasonCode: 'reversal-refused', reason: 'something else' })).toBeUndefined();
    expect(refusedReversalCode({ reasonCode: 'reversal-refused' })).toBeUndefined();
  });
});
