// A full contactless read (PPSE, SELECT, GPO, READ RECORD, GENERATE AC) through the real driver and a
// real PTY against the virtual PN532 holding virtual EMV cards.
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { CardGoneError } from '../../hardware/nfc/card-reader.js';
import { contactlessRead, defaultTerminalData } from '../../hardware/nfc/contactless-read.js';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { startBench, tapCard, type Bench } from './harness.js';

let bench: Bench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

describe('EMV contactless read over a PTY', () => {
  it('mastercard: PPSE → SELECT → GPO → 3 × READ RECORD → GENERATE AC, ARQC equal to the card’s own', async () => {
    bench = await startBench();
    const card = createVirtualCard('mastercard');
    tapCard(bench, card);
    const info = await bench.reader.waitForCard({ timeoutMs: 2000 });
    expect(info.sak & 0x20).toBe(0x20);
    const result = await contactlessRead(bench.reader, defaultTerminalData(fromHex('CAFEBABE')));
    expect(result.exchanges).toHaveLength(7);
    expect(result.cryptogram?.source).toBe('GENERATE AC');
    expect(result.cryptogram?.ac).toBe(card.lastCryptogram!.ac.toString('hex').toUpperCase());
    expect(bench.device.stats.apdus).toBe(7);
  });

  it('visa and unionpay: cryptogram in the GPO answer', async () => {
    bench = await startBench();
    for (const id of ['visa', 'unionpay'] as const) {
      const card = createVirtualCard(id);
      bench.device.remove();
      tapCard(bench, card);
      await bench.reader.waitForCard({ timeoutMs: 2000 });
      const result = await contactlessRead(bench.reader, defaultTerminalData(fromHex('00000001')));
      expect(result.cryptogram?.source).toBe('GPO');
      expect(result.pan).toBe(card.profile.pan);
      await bench.reader.release();
    }
  });

  it('card removed mid-transaction (after 3 APDUs): CardGoneError on the 4th', async () => {
    bench = await startBench();
    tapCard(bench, createVirtualCard('mastercard'), { removeAfterApdus: 3 });
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    await expect(contactlessRead(bench.reader, defaultTerminalData(fromHex('00000002')))).rejects.toBeInstanceOf(CardGoneError);
    expect(bench.device.stats.apdus).toBe(3);
    expect(bench.reader.currentCard).toBeUndefined();
  });

  it('a slow card (300 ms per APDU) still completes: ACK first, answer later', async () => {
    bench = await startBench({ reader: { ackTimeoutMs: 100 } });
    const card = createVirtualCard('visa');
    card.faults.delayMs = 300;
    tapCard(bench, card);
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    const result = await contactlessRead(bench.reader, defaultTerminalData(fromHex('00000003')));
    expect(result.exchanges).toHaveLength(4);
    expect(bench.reader.stats.resends).toBe(0);
  });
});
