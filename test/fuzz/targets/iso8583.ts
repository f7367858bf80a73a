import { IsoMessage, specs } from '../../../protocols/iso8583/index.js';
import type { FuzzTarget } from '../harness.js';

/** Seeds: the fluidpay/iso8583 published 1993 messages, and a 0200 of each built-in spec with EMV data. */
function sample(spec: (typeof specs)[keyof typeof specs]): Buffer {
  const message = new IsoMessage(spec, '0200').set('2', '4761739001010010').set('3', '000000').set('4', '000000001234').set('11', '000001').set('41', 'TERM0001');
  if (spec === specs.default) message.set('55.9F26', Buffer.from('A1B2C3D4E5F60718', 'hex')).set('55.77.9F27', Buffer.from('80', 'hex')).set('48.WS', 'ALIPAY').set('60.1', '22').set('60.2', '000001');
  else message.set('35', '4761739001010010=2512').set('64', Buffer.alloc(8, 0xab)).set('70', '301');
  return message.pack();
}

export const targets: FuzzTarget[] = Object.entries(specs).map(([name, spec]) => ({
  name: `iso8583.unpack(${name})`,
  seeds: [
    sample(spec),
    Buffer.from('1100700000000000000003123000011000000000012', 'latin1'),
    Buffer.from('1200F230040102A0000000000000040000001048468112122012340000100000001107221800000001161204171926FABCDE123ABD06414243000termid1210Community11112341234234', 'latin1'),
  ],
  decode: (input) => IsoMessage.unpack(spec, input),
}));
