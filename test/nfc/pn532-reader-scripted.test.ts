// The driver against a scripted device on an in-memory transport: answers no real PN532 would
// volunteer, byte for byte, to check the recovery paths one at a time.
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { ACK_FRAME, ERROR_FRAME, encodeResponse } from '../../protocols/pn532/index.js';
import { Pn532Reader } from '../../hardware/nfc/pn532-reader.js';
import { ReaderProtocolError } from '../../hardware/nfc/card-reader.js';
import { ScriptedTransport, startup } from './scripted-transport.js';


afterEach(() => {
  vi.useRealTimers();
});

describe('Pn532Reader recovery paths (scripted device)', () => {
  it('skips a stale answer to an earlier command and takes the right one', async () => {
    const transport = new ScriptedTransport((command) => {
      if (command[0] === 0x02) return Buffer.concat([ACK_FRAME, encodeResponse(0x40, fromHex('00 9000')), encodeResponse(0x02, fromHex('32010607'))]);
      return startup(command);
    });
    const reader = new Pn532Reader(transport);
    await reader.start();
    expect(reader.firmware).toEqual({ ic: 0x32, version: 1, revision: 6, support: 7 });
    await reader.stop();
  });

  it('reports a device that only ever answers with the wrong response code as a protocol error', async () => {
    const transport = new ScriptedTransport((command) =>
      command[0] === 0x02 ? Buffer.concat([ACK_FRAME, encodeResponse(0x04, fromHex('00'))]) : startup(command),
    );
    const reader = new Pn532Reader(transport, { responseTimeoutMs: 100 });
    await expect(reader.start()).rejects.toThrow(ReaderProtocolError);
    expect(transport.isOpen).toBe(false); // a failed start closes what it opened
  });

  it('turns the application error frame into a ReaderProtocolError', async () => {
    const transport = new ScriptedTransport((command) => (command[0] === 0x02 ? Buffer.concat([ACK_FRAME, ERROR_FRAME]) : startup(command)));
    const reader = new Pn532Reader(transport);
    await expect(reader.start()).rejects.toThrow(/application error frame/);
  });

  it('a status error that is not a lost card is a ReaderProtocolError carrying the code', async () => {
    const transport = new ScriptedTransport((command) => {
      if (command[0] === 0x4a) return Buffer.concat([ACK_FRAME, encodeResponse(0x4a, fromHex('01 01 0004 20 04 01020304 05 78807002'))]);
      if (command[0] === 0x40) return Buffer.concat([ACK_FRAME, encodeResponse(0x40, fromHex('13'))]); // DEP data format
      return startup(command);
    });
    const reader = new Pn532Reader(transport);
    await reader.start();
    await reader.waitForCard({ timeoutMs: 500 });
    await expect(reader.transceive(fromHex('00A4040000'))).rejects.toMatchObject({ name: 'ReaderProtocolError', statusCode: 0x13 });
    await reader.stop();
  });

  it('an exchange the chip never answers: ReaderTimeoutError after the ACK wait of 1 + retries attempts, sent once, and the card is gone', async () => {
    const transport = new ScriptedTransport((command) => {
      if (command[0] === 0x4a) return Buffer.concat([ACK_FRAME, encodeResponse(0x4a, fromHex('01 01 0004 20 04 01020304 05 78807002'))]);
      if (command[0] === 0x40) return undefined; // dropped: no ACK, ever
      return startup(command);
    });
    // The reader's deadlines run on a fake clock (the scripted answers still come on real immediates):
    // the clock stands still through the start-up, so only the advance below can time an ACK out.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const reader = new Pn532Reader(transport, { ackTimeoutMs: 30, retries: 2 });
    await reader.start();
    await reader.waitForCard({ timeoutMs: 500 });
    expect(reader.stats.resends).toBe(0);
    const gone = once(reader, 'gone');
    let settled = false;
    const outcome = reader.transceive(fromHex('00B2010C00')).catch((error: unknown) => error).finally(() => (settled = true));
    // Each deadline first gives the event loop a few real turns to deliver what already arrived.
    for (let step = 0; step < 50 && !settled; step++) {
      await vi.advanceTimersByTimeAsync(10);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await outcome).toMatchObject({ name: 'ReaderTimeoutError', message: 'no ACK for command 0x40 within 90 ms (a card command is not sent twice)' });
    await gone;
    expect(transport.commands.filter((c) => c[0] === 0x40)).toHaveLength(1);
    expect(reader.stats.resends).toBe(0);
    expect(reader.currentCard).toBeUndefined();
    vi.useRealTimers();
    await reader.stop();
  });

  it('refuses an endless MI chain beyond the response limit', async () => {
    const transport = new ScriptedTransport((command) => {
      if (command[0] === 0x4a) return Buffer.concat([ACK_FRAME, encodeResponse(0x4a, fromHex('01 01 0004 20 04 01020304 05 78807002'))]);
      if (command[0] === 0x40) return Buffer.concat([ACK_FRAME, encodeResponse(0x40, Buffer.concat([fromHex('40'), Buffer.alloc(200)]))]);
      return startup(command);
    });
    const reader = new Pn532Reader(transport, { maxResponseLength: 1000 });
    await reader.start();
    await reader.waitForCard({ timeoutMs: 500 });
    await expect(reader.transceive(fromHex('00B2010C00'))).rejects.toThrow(/longer than 1000/);
    expect(transport.commands.filter((c) => c[0] === 0x40).length).toBeLessThanOrEqual(6);
    await reader.stop();
  });
});
