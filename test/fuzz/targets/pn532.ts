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
import type { FuzzTarget } from '../harness.js';

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
];
