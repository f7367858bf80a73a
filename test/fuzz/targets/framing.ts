import { Deframer, frame, type LengthHeader } from '../../../protocols/framing/index.js';
import type { FuzzTarget } from '../harness.js';

const headers: LengthHeader[] = ['binary2', 'bcd2', 'ascii4'];

export const targets: FuzzTarget[] = headers.map((length) => ({
  name: `framing.Deframer(${length})`,
  seeds: [Buffer.concat([frame(Buffer.from('0800822000000000000004000000000000001124121314000001301', 'latin1'), { length }), frame(Buffer.alloc(40, 7), { length })])],
  decode: (input) => {
    const deframer = new Deframer({ length, maxMessageLength: 4096 });
    // Feed in two chunks so that reassembly is exercised too.
    return [...deframer.push(input.subarray(0, input.length >> 1)), ...deframer.push(input.subarray(input.length >> 1))];
  },
}));
