// The PN532 driver when its own process stalls (synchronous work holding the event loop): the chip's
// ACK is queued behind the driver's ACK timer, and the stalled time must not count against the chip.
// CI saw it: 8 `pos sale` processes sharing one virtual card's counter lock stalled each other's event
// loops, a GET PROCESSING OPTIONS was resent, and the card counted its ATC up twice for one tap.
import { afterEach, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { ACK_FRAME, encodeResponse } from '../../protocols/pn532/index.js';
import { inprocPair } from '../../hardware/inproc/index.js';
import { Pn532Reader } from '../../hardware/nfc/pn532-reader.js';
import { ReaderTimeoutError } from '../../hardware/nfc/card-reader.js';
import { VirtualPn532 } from '../../hardware/nfc/virtual-pn532.js';
import { createVirtualCard } from '../../hardware/nfc/virtual-cards/index.js';
import { ScriptedTransport, stall, startup } from './scripted-transport.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function readerWithVirtualChip(nextAtc: (current: number) => number) {
  const [deviceSide, hostSide] = inprocPair('virtual-pn532');
  await deviceSide.open();
  const device = new VirtualPn532(deviceSide);
  const card = createVirtualCard('mastercard', { atc: 0x20, nextAtc });
  device.tap(card);
  const reader = new Pn532Reader(hostSide, { ackTimeoutMs: 100 });
  closers.push(() => deviceSide.close(), () => device.close(), () => reader.stop());
  await reader.start();
  await reader.waitForCard({ timeoutMs: 2000 });
  await reader.transceive(fromHex('00A404000E325041592E5359532E444446303100')); // SELECT PPSE
  await reader.transceive(fromHex('00A4040007A000000004101000')); // SELECT the Mastercard AID
  return { reader, device };
}

// 1500 ms: beyond the deadline's hard limit (3 × 100 ms + 1 s), where the chip still gets one grace.
it.each([300, 1500])('a %d ms stall while the card answers GET PROCESSING OPTIONS: sent once, one ATC, no resend', async (ms) => {
  const reserved: number[] = [];
  const { reader, device } = await readerWithVirtualChip((current) => {
    stall(ms); // several ACK timeouts
    reserved.push(current + 1);
    return current + 1;
  });
  const commandsBefore = device.stats.commands;
  const gpo = await reader.transceive(fromHex('80A8000002830000'));
  expect(gpo.subarray(-2)).toEqual(fromHex('9000'));
  expect(reserved).toEqual([0x21]);
  expect(reader.stats.resends).toBe(0);
  expect(device.stats.commands - commandsBefore).toBe(1);
});

it('a chip that never answers still times out when every timer is late (30 ms of work every 5 ms): each deadline has a hard limit', async () => {
  const { reader, device } = await readerWithVirtualChip((current) => current + 1);
  device.faults.dropCommands = 100; // every command lost on the wire from here on
  const busy = setInterval(() => stall(30), 5);
  const started = performance.now();
  try {
    await expect(reader.transceive(fromHex('80A8000002830000'))).rejects.toBeInstanceOf(ReaderTimeoutError);
  } finally {
    clearInterval(busy);
  }
  expect(reader.stats.resends).toBe(0); // a card command is never sent twice
  // One ACK wait of 4 × 100 ms, at most 3 × that + 1 s, plus late timers and stalled drain turns; before the limit it never ended.
  expect(performance.now() - started).toBeLessThan(3 * 400 + 1000 + 2000);
});

it('an ACK queued behind the deadline\'s own timer (a 60 ms stall, a 50 ms ACK timeout, the timer not late enough to count as a stall) is read, not resent', async () => {
  const chip = new ScriptedTransport(startup, 60);
  const reader = new Pn532Reader(chip, { ackTimeoutMs: 50 });
  closers.push(() => reader.stop());
  await reader.start(); // SAMConfiguration, GetFirmwareVersion, RFConfiguration
  expect(reader.firmware?.version).toBe(1);
  expect(reader.stats.resends).toBe(0);
  expect(chip.commands).toHaveLength(3);
});

it('a card command whose ACK comes late from the chip itself (150 ms, a 50 ms ACK wait; this process not stalled) is sent once, and the next APDU gets its own answer', async () => {
  // Before: resent at 50 ms, so the card ran it twice and the second answer was taken as the next APDU's.
  const chip: ScriptedTransport = new ScriptedTransport((command) => {
    if (command[0] === 0x4a) return Buffer.concat([ACK_FRAME, encodeResponse(0x4a, fromHex('01 01 0004 20 04 01020304 05 78807002'))]);
    if (command[0] !== 0x40) return startup(command);
    // The card answers with its APDU's INS: an answer to another APDU shows.
    const answer = Buffer.concat([ACK_FRAME, encodeResponse(0x40, Buffer.from([0x00, command[3]!, 0x90, 0x00]))]);
    setTimeout(() => chip.emit('data', answer), 150); // a starved PTY relay, a slow chip
    return undefined;
  });
  const reader = new Pn532Reader(chip, { ackTimeoutMs: 50 });
  closers.push(() => reader.stop());
  await reader.start();
  await reader.waitForCard({ timeoutMs: 500 });
  expect(await reader.transceive(fromHex('80A8000002830000'))).toEqual(fromHex('A8 9000'));
  expect(await reader.transceive(fromHex('00B2010C00'))).toEqual(fromHex('B2 9000'));
  expect(chip.commands.filter((c) => c[0] === 0x40)).toHaveLength(2);
  expect(reader.stats.resends).toBe(0);
});
