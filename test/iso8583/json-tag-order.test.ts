// IsoMessage.fromJSON keeps DE55's tags in the order the JSON lists them (protocols/ordered-json.ts):
// it walked plain objects, so "82", "95", "9A" (integer-like keys) packed before "9F26" whatever the
// text said; a library caller got other bytes than `pos iso8583 encode` of the same JSON.
import { describe, expect, it } from 'vitest';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { parseOrdered } from '../../protocols/ordered-json.js';

const text = `{"mti":"0200","fields":{"3":"000000","11":"000007","55":{
  "9F26":"A1B2C3D4E5F60718","82":"1980","95":"0000000000","9A":"261127","9F36":"0011","71":{"9F18":"00000001","86":"84DA00CB"}}}}`;

// DE55 as written: 9F26 82 95 9A 9F36, then template 71 holding 9F18 86 (its length, 0047 BCD, before it).
const de55 = '9F2608A1B2C3D4E5F60718' + '82021980' + '95050000000000' + '9A03261127' + '9F36020011' + '710D9F180400000001860484DA00CB';
const json = () => parseOrdered(text) as Parameters<typeof IsoMessage.fromJSON>[1];

describe('IsoMessage.fromJSON: DE55 in the JSON\'s order', () => {
  it('JSON read with parseOrdered packs its tags in wire order, nested templates too', () => {
    const packed = IsoMessage.fromJSON(specs.default, json()).pack().toString('hex').toUpperCase();
    expect(packed.endsWith(`0047${de55}`), packed).toBe(true);
  });

  it('unpack → toJSON → fromJSON → pack gives the same bytes', () => {
    const wire = new IsoMessage(specs.default, '0200').set('3', '000000').set('11', 7);
    for (const [tag, hex] of [['9F26', 'A1B2C3D4E5F60718'], ['82', '1980'], ['95', '0000000000'], ['9A', '261127']]) wire.set(`55.${tag}`, Buffer.from(hex!, 'hex'));
    const packed = wire.pack();
    const json = IsoMessage.unpack(specs.default, packed).toJSON({ reveal: true });
    expect(IsoMessage.fromJSON(specs.default, json).pack().toString('hex')).toBe(packed.toString('hex'));
  });
});
