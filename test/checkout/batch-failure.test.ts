// A Close batch that fails reaches the page as a reason code it words in its language (i18n.js batch.reason.*),
// never as the terminal's English sentence: the adapter names each way terminal.batchClose fails.
import { describe, expect, it } from 'vitest';
import { HostBadMacError, HostTimeoutError, HostUnavailableError } from '../../terminal/host-link.js';
import { BusyError, type Terminal } from '../../terminal/terminal.js';
import { BatchCloseError, checkoutTerminal } from '../../terminal/checkout/terminal-adapter.js';

/** Only what the adapter reads of a terminal whose batch close fails with `error`. */
function failing(error: Error, { signedOn = true, queued = 0 } = {}): Terminal {
  return {
    config: {},
    on: () => undefined,
    signedOn,
    journal: { pendingQueue: () => Array.from({ length: queued }) },
    batchClose: () => Promise.reject(error),
  } as unknown as Terminal;
}

const failure = async (terminal: Terminal) => {
  const error = await checkoutTerminal(terminal).batchClose().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(BatchCloseError);
  const { reasonCode, responseCode, message } = error as BatchCloseError;
  return { reasonCode, responseCode, message };
};

describe('checkout batch close failures', () => {
  it('names each way the terminal fails by a reason code, with the host’s response code when it refused', async () => {
    expect(await failure(failing(new HostTimeoutError('the host connection closed before the answer came')))).toEqual({
      reasonCode: 'no-answer',
      responseCode: undefined,
      message: 'the host connection closed before the answer came',
    });
    expect((await failure(failing(new HostBadMacError('bad MAC')))).reasonCode).toBe('bad-mac');
    expect((await failure(failing(new BusyError('a transaction is running')))).reasonCode).toBe('busy');
    expect((await failure(failing(new HostUnavailableError('the host is not reachable: the batch stays open'), { signedOn: false }))).reasonCode).toBe('host-unavailable');
    expect((await failure(failing(new HostUnavailableError('reversals or advices are still waiting for the host: the batch stays open'), { queued: 2 }))).reasonCode).toBe('queue-waiting');
    expect(await failure(failing(new Error('settlement answered 95 (reconciliation error): the batch stays open')))).toMatchObject({ reasonCode: 'settlement-refused', responseCode: '95' });
    expect(await failure(failing(new Error('batch upload of sale-3 answered 96')))).toMatchObject({ reasonCode: 'upload-refused', responseCode: '96' });
    expect((await failure(failing(new Error('something else')))).reasonCode).toBe('batch-failed');
  });
});
