// PN532 frame codec: single-frame decode, the streaming parser (fed in random-sized pieces) and the
// response parsers. Seeds are published frames (libnfc/Adafruit, UM0701-02) plus an extended frame.
import { fromHex } from '../../../protocols/bytes.js';
import {
  ACK_FRAME,
  ERROR_FRAME,
  FrameParser,
  NACK_FRAME,
  decodeFrame,
  encodeResponse,
  parseFirmwareVersion,
  parseInDataExchange,
  parseInListPassiveTarget,
} from '../../../protocols/pn532/index.js';
import { EventEmitter } from 'node:events';
import { VirtualPn532 } from '../../../hardware/nfc/virtual-pn532.js';
import { createVirtualCard } from '../../../hardware/nfc/virtual-cards/index.js';
import { encodeCommand } from '../../../protocols/pn532/index.js';
import type { FuzzTarget } from '../harness.js';

/** A byte link that records what the virtual chip writes. */
class MemoryLink extends EventEmitter<{ data: [Buffer] }> {
  written = 0;
  async write(bytes: Uint8Array): Promise<void> {
    this.written += bytes.length;
  }
}

const seeds = [
  fromHex('00 00 FF 02 FE D4 02 2A 00'),
  fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00'),
  ACK_FRAME,
  NACK_FRAME,
  ERROR_FRAME,
  fromHex('00 00 ff 1c e4 d5 4b 01 01 00 04 28 04 fd e6 08 99 10 78 80 90 02 20 90 00 00 00 00 00 fd e6 08 99 5c 00'),
  fromHex('00 00 ff 0c f4 d5 4b 01 01 00 04 08 04 d0 bb e1 1a 48 00'),
  encodeResponse(0x40, Buffer.concat([Buffer.from([0x40]), Buffer.alloc(262, 0x6f)])),
];

export const targets: FuzzTarget[] = [
  { name: 'pn532.decodeFrame', seeds, decode: (input) => decodeFrame(input) },
  {
    name: 'pn532.FrameParser(stream)',
    seeds: [Buffer.concat(seeds)],
    decode: (input) => {
      const parser = new FrameParser();
      const results = [];
      // deterministic piece sizes derived from the input, so findings replay
      for (let i = 0, step = 1; i < input.length; i += step, step = (step * 7 + 3) % 29 + 1)
        results.push(...parser.push(input.subarray(i, i + step)));
      if (parser.buffered > 275) throw new Error(`parser holds ${parser.buffered} bytes`);
      return results;
    },
  },
  {
    name: 'pn532.responses',
    seeds: [fromHex('4B 01 01 00 04 28 04 fd e6 08 99 10 78 80 90 02 20 90 00 00 00 00 00 fd e6 08 99'), fromHex('03 32 01 06 07'), fromHex('41 40 90 00')],
    decode: (input) => {
      const code = input[0];
      if (code === 0x03) return parseFirmwareVersion(input);
      if (code === 0x41) return parseInDataExchange(input);
      return parseInListPassiveTarget(input);
    },
  },
  {
    // The device side: any command frame a host (or a hostile program on the PTY) sends must get an
    // answer or be ignored, never throw. Input byte 0 is the command code, the rest its parameters;
    // raw input is also fed as-is to exercise the device's own parser.
    name: 'pn532.VirtualPn532(commands)',
    seeds: [Buffer.from('4a0100', 'hex'), Buffer.from('4001', 'hex'), Buffer.from('400100a404000e325041592e5359532e444446303100', 'hex'), Buffer.from('5200', 'hex'), Buffer.from('3205ff0101', 'hex')],
    decode: (input) => {
      const link = new MemoryLink();
      const device = new VirtualPn532(link, { startAsleep: false, baudRate: 4_000_000 });
      device.tap(createVirtualCard('mastercard'));
      try {
        link.emit('data', encodeCommand(0x14, Buffer.from([0x01])));
        link.emit('data', encodeCommand(0x4a, Buffer.from([0x01, 0x00])));
        if (input.length > 0 && input.length <= 264) link.emit('data', encodeCommand(input[0]!, input.subarray(1)));
        link.emit('data', input);
        return device.stats;
      } finally {
        device.close();
      }
    },
    isExpectedError: () => false,
  },
];
