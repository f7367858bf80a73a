// The PN532 driver against the virtual PN532, through the real serialport binding over socat PTYs.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { CardCollisionError, CardGoneError, ReaderGoneError, ReaderTimeoutError } from '../../hardware/nfc/card-reader.js';
import { echoCard, startBench, tapCard, type Bench } from './harness.js';

let bench: Bench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

describe('Pn532Reader over a PTY against the virtual PN532', () => {
  it('wakes the chip, configures the SAM and reads the firmware version (PN532 v1.6)', async () => {
    bench = await startBench();
    expect(bench.reader.firmware).toEqual({ ic: 0x32, version: 1, revision: 6, support: 7 });
    expect(bench.device.stats.commands).toBe(3); // SAMConfiguration, GetFirmwareVersion, RFConfiguration
  });

  it('puts published frames on the wire: libnfc wake-up + SAMConfiguration, GetFirmwareVersion and its answer', async () => {
    bench = await startBench({ start: false });
    const toDevice: Buffer[] = [];
    const toHost: Buffer[] = [];
    bench.deviceTransport.on('data', (chunk) => toDevice.push(chunk));
    bench.host.on('data', (chunk) => toHost.push(chunk));
    await bench.reader.start();
    const sent = Buffer.concat(toDevice);
    const received = Buffer.concat(toHost);
    // libnfc pn532_uart.c wake-up (55 55 + 14 × 00), then SAMConfiguration normal mode as captured from an
    // HSU client (code corpus: "send: 55 55 00 … ff 03 fd d4 14 01 17 00"), then GetFirmwareVersion (libnfc/Adafruit).
    expect(sent.subarray(0, 35)).toEqual(
      fromHex('55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00' + '00 00 FF 03 FD D4 14 01 17 00' + '00 00 FF 02 FE D4 02 2A 00'),
    );
    // the virtual chip's answers: ACK + D5 15 (captured "00 00 FF 00 FF 00 00 00 FF 02 FE D5 15 16 00"), then
    // ACK + the PN532 v1.6 firmware frame 00 00 FF 06 FA D5 03 32 01 06 07 E8 00
    expect(received.subarray(0, 34)).toEqual(
      fromHex('00 00 FF 00 FF 00 00 00 FF 02 FE D5 15 16 00' + '00 00 FF 00 FF 00 00 00 FF 06 FA D5 03 32 01 06 07 E8 00'),
    );
  });

  it('times out waiting for a card in an empty field, without hanging', async () => {
    bench = await startBench();
    await expect(bench.reader.waitForCard({ timeoutMs: 150 })).rejects.toBeInstanceOf(ReaderTimeoutError);
  });

  it('honours an abort signal while polling', async () => {
    bench = await startBench();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cashier cancelled')), 50);
    await expect(bench.reader.waitForCard({ signal: controller.signal })).rejects.toThrow('cashier cancelled');
  });

  it('reports a tapped card, exchanges APDUs, and sees it go after removal', async () => {
    bench = await startBench();
    const card = echoCard();
    tapCard(bench, card);
    const present = once(bench.reader, 'present');
    const info = await bench.reader.waitForCard({ timeoutMs: 2000 });
    expect(await present).toEqual([info]);
    expect(info).toEqual({ uid: card.uid, atqa: fromHex('0004'), sak: 0x20, ats: card.ats });
    const response = await bench.reader.transceive(fromHex('00 B2 00 04 00'));
    expect(response).toEqual(fromHex('00 01 02 03 90 00'));
    expect(card.received).toEqual([fromHex('00 B2 00 04 00')]);

    bench.device.remove(card);
    const gone = once(bench.reader, 'gone');
    await bench.reader.waitForRemoval({ timeoutMs: 2000 });
    await gone;
    expect(bench.reader.currentCard).toBeUndefined();
    await expect(bench.reader.transceive(fromHex('00 B2 00 04 00'))).rejects.toBeInstanceOf(CardGoneError);
  });

  it('chains long APDUs both ways with the MI bit and extended frames', async () => {
    bench = await startBench();
    const card = echoCard();
    tapCard(bench, card);
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    // C-APDU of 600 bytes (3 InDataExchange pieces: 262 + 262 + 76) asking for a 700-byte answer
    const apdu = Buffer.alloc(600, 0xa5);
    apdu.writeUInt16BE(700, 2);
    const response = await bench.reader.transceive(apdu);
    expect(card.received).toEqual([apdu]);
    expect(response.length).toBe(702);
    expect(response.subarray(0, 4)).toEqual(fromHex('00 01 02 03'));
    expect(response[699]).toBe(699 & 0xff);
    expect(response.subarray(700)).toEqual(fromHex('90 00'));
  });

  it('throws CardGoneError when the card leaves in the middle of an exchange', async () => {
    bench = await startBench();
    tapCard(bench, echoCard(), { removeAfterApdus: 2 });
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    const gone = once(bench.reader, 'gone');
    await bench.reader.transceive(fromHex('00 B2 00 02 00'));
    await expect(bench.reader.transceive(fromHex('00 B2 00 02 00'))).rejects.toBeInstanceOf(CardGoneError);
    await gone;
    await expect(bench.reader.waitForCard({ timeoutMs: 100 })).rejects.toBeInstanceOf(ReaderTimeoutError);
  });

  it('reports a collision when two cards are in the field', async () => {
    bench = await startBench();
    tapCard(bench, echoCard('first'));
    tapCard(bench, echoCard('second', Buffer.from([0x08, 0xaa, 0xbb, 0xcc])));
    await expect(bench.reader.waitForCard({ timeoutMs: 2000 })).rejects.toBeInstanceOf(CardCollisionError);
  });

  it('NACKs a response with a bad checksum and gets it again', async () => {
    bench = await startBench();
    tapCard(bench, echoCard());
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    bench.device.faults.corruptResponses = 1;
    expect(await bench.reader.transceive(fromHex('00 B2 00 02 00'))).toEqual(fromHex('00 01 90 00'));
    expect(bench.reader.stats.nacks).toBe(1);
    expect(bench.device.stats.nacksReceived).toBe(1);
  });

  it('resends a command the chip never ACKed (lost on the wire)', async () => {
    bench = await startBench({ reader: { ackTimeoutMs: 50 } });
    tapCard(bench, echoCard());
    bench.device.faults.dropCommands = 1; // the first InListPassiveTarget poll
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    expect(bench.reader.stats.resends).toBeGreaterThanOrEqual(1);
    expect(await bench.reader.transceive(fromHex('00 B2 00 01 00'))).toEqual(fromHex('00 90 00'));
  });

  it('never resends a card command: a lost InDataExchange is a timeout, the APDU sent once', async () => {
    bench = await startBench({ reader: { ackTimeoutMs: 50, retries: 2 } });
    tapCard(bench, echoCard());
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    const before = bench.device.stats.commands;
    bench.device.faults.dropCommands = 1;
    await expect(bench.reader.transceive(fromHex('00 B2 00 01 00'))).rejects.toMatchObject({
      name: 'ReaderTimeoutError',
      message: 'no ACK for command 0x40 within 150 ms (a card command is not sent twice)',
    });
    expect(bench.reader.stats.resends).toBe(0);
    expect(bench.device.stats.commands - before).toBe(0); // the one sent was lost; a resend would have reached the card
    expect(bench.reader.currentCard).toBeUndefined(); // tap again
  });

  it('gives up with ReaderTimeoutError when the chip never answers', async () => {
    // Silent from its very first command, so no ACK can come however late a loaded machine runs: a
    // short ACK timeout needs no answered set-up before it (a late set-up ACK would count as a
    // resend, or pass for the ACK of a later command). Dropped exchanges: pn532-reader-scripted.test.ts.
    bench = await startBench({ start: false, reader: { ackTimeoutMs: 30, retries: 2 } });
    bench.device.faults.dropCommands = Infinity;
    await expect(bench.reader.start()).rejects.toMatchObject({
      name: 'ReaderTimeoutError',
      message: 'no ACK for command 0x14 after 3 attempt(s)', // SAMConfiguration, the first command
    });
    expect(bench.reader.stats.resends).toBe(2);
    expect(bench.host.isOpen).toBe(false); // a failed start closes what it opened
  });

  it('resynchronises after junk bytes before a response', async () => {
    bench = await startBench();
    tapCard(bench, echoCard());
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    bench.device.faults.junkBeforeResponse = fromHex('55 FF 00 13 37 FF FF 00 00');
    expect(await bench.reader.transceive(fromHex('00 B2 00 01 00'))).toEqual(fromHex('00 90 00'));
    expect(bench.reader.stats.junkBytes).toBeGreaterThan(0);
  });

  it('reports the reader gone when the device is unplugged, and comes back when it returns', async () => {
    bench = await startBench();
    tapCard(bench, echoCard());
    await bench.reader.waitForCard({ timeoutMs: 2000 });
    const disconnected = once(bench.reader.device, 'disconnected');
    const cardGone = once(bench.reader, 'gone');
    await bench.unplug();
    await disconnected;
    await cardGone;
    await expect(bench.reader.transceive(fromHex('00 B2 00 01 00'))).rejects.toBeInstanceOf(CardGoneError);

    const ready = once(bench.reader.device, 'ready');
    await bench.replug(); // a fresh virtual PN532, asleep again, with the same card in its field
    await ready;
    const info = await bench.reader.waitForCard({ timeoutMs: 2000 });
    expect(info.uid).toEqual(Buffer.from([0x08, 0x12, 0x34, 0x56]));
    expect(await bench.reader.transceive(fromHex('00 B2 00 01 00'))).toEqual(fromHex('00 90 00'));
  });

  it('waitForCard fails fast with ReaderGoneError once the reader is stopped', async () => {
    bench = await startBench();
    await bench.reader.stop();
    await expect(bench.reader.waitForCard({ timeoutMs: 100 })).rejects.toBeInstanceOf(ReaderGoneError);
  });
});
