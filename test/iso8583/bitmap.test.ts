// Secondary (and tertiary) bitmaps. ISO 8583:1987 data element 1, "bit map, secondary" (b 64):
// bit 1 of the primary bit map announces it, and it carries the presence of data elements 65–128,
// so a sender needs it only when one of them is present. jPOS's IFB_BITMAP.pack sizes the bitmap from the highest field
// ((b.length()+62)>>6)<<3) and its unpack reads 16 bytes whenever bit 1 is set, without refusing an
// empty secondary bitmap; moov-io/iso8583's field.Bitmap does the same. We accept it too, and warn.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { IsoMessage, parseSpecJson, specs } from '../../protocols/iso8583/index.js';
import { capture } from '../support/cli.js';

/** `wire` with bit 1 set and `extra` inserted after the bitmap that starts at `bitmapAt`. */
function withEmptySecondary(wire: Buffer, bitmapAt: number, bitmapSize: number, extra: Buffer, hex: boolean): Buffer {
  const out = Buffer.concat([wire.subarray(0, bitmapAt + bitmapSize), extra, wire.subarray(bitmapAt + bitmapSize)]);
  if (hex) out[bitmapAt] = '0123456789ABCDEF'.charCodeAt(parseInt(String.fromCharCode(out[bitmapAt]!), 16) | 8);
  else out[bitmapAt] = out[bitmapAt]! | 0x80;
  return out;
}

describe('a secondary bitmap with no field 65–128 (ISO 8583:1987 DE 1)', () => {
  const echo = () => new IsoMessage(specs.default, '0800').set('7', '1127210000').set('11', '000001').set('41', 'TERM0001');

  it('default spec (binary bitmap): decoded, with a warning naming the bitmap and its offset', () => {
    const canonical = echo().pack();
    // TPDU 5 bytes, BCD MTI 2 bytes: the primary bitmap starts at byte 7, the secondary at 15.
    const wire = withEmptySecondary(canonical, 7, 8, Buffer.alloc(8), false);
    const message = IsoMessage.unpack(specs.default, wire);
    expect(message.warnings).toEqual(['ISO 8583 bitmap at byte 15: secondary bitmap announced but no field 65–128 is present']);
    expect(message.toJSON().warnings).toEqual(message.warnings);
    expect(message.describe()).toContain('warning: ISO 8583 bitmap at byte 15');
    expect(message.getString('41')).toBe('TERM0001');
    // The encoder never sends it: packing again drops the empty bitmap.
    expect(message.pack()).toEqual(canonical);
  });

  it('iso87ascii (hex bitmap): the same, offset counted in bytes of hex text', () => {
    const message = new IsoMessage(specs.iso87ascii, '0800').set('11', '000001').set('41', 'TERM0001');
    const canonical = message.pack();
    const wire = withEmptySecondary(canonical, 4, 16, Buffer.from('0000000000000000', 'latin1'), true);
    const back = IsoMessage.unpack(specs.iso87ascii, wire);
    expect(back.warnings).toEqual(['ISO 8583 bitmap at byte 20: secondary bitmap announced but no field 65–128 is present']);
    expect(back.pack()).toEqual(canonical);
  });

  const f = (name: string, length: number) => ({ name, type: 'n', length, encoding: 'ascii' });
  it('a tertiary bitmap with no field 129–192 is reported the same way; a secondary holding only its indicator is not', () => {
    const spec = parseSpecJson(JSON.stringify({ name: 't', mtiEncoding: 'ascii', bitmap: { encoding: 'hex', tertiary: true }, fields: { 11: f('STAN', 6), 70: f('network code', 3), 130: f('private', 2) } }));
    const wide = new IsoMessage(spec, '0800').set('11', '000001').set('130', '42').pack();
    expect(IsoMessage.unpack(spec, wide).warnings).toEqual([]);
    const wire = new IsoMessage(spec, '0800').set('70', '301').pack();
    // Set bit 65 (first bit of the secondary, at hex text offset 20) and append an empty tertiary bitmap after it.
    const tampered = Buffer.concat([wire.subarray(0, 36), Buffer.from('0000000000000000', 'latin1'), wire.subarray(36)]);
    tampered[20] = '8'.charCodeAt(0);
    expect(IsoMessage.unpack(spec, tampered).warnings).toEqual(['ISO 8583 bitmap at byte 36: tertiary bitmap announced but no field 129–192 is present']);
  });

  it('the warning goes once a field fills the announced bitmap (set, copyFields), and stays while the bitmap is still empty', () => {
    const wire = withEmptySecondary(echo().pack(), 7, 8, Buffer.alloc(8), false);
    const message = IsoMessage.unpack(specs.default, wire);
    message.set('2', '4761739001010010');
    expect(message.warnings).toHaveLength(1);
    message.set('70', '301');
    expect(message.warnings).toEqual([]);
    expect(message.toJSON().warnings).toBeUndefined();
    expect(message.describe()).not.toContain('warning:');
    expect((message.pack()[7]! & 0x80) !== 0).toBe(true);
    // Gone again with field 70, the message is what was received: the warning is true again.
    message.unset('70');
    expect(message.warnings).toHaveLength(1);
    const copied = IsoMessage.unpack(specs.default, wire).copyFields(new IsoMessage(specs.default, '0800').set('70', '301'), [70]);
    expect(copied.warnings).toEqual([]);
  });

  it('pos iso8583 decode prints the warning in its JSON and exits 0', async () => {
    const wire = withEmptySecondary(echo().pack(), 7, 8, Buffer.alloc(8), false);
    const io = capture();
    expect(await main(['iso8583', 'decode', '--reveal', wire.toString('hex')], io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({ mti: '0800', warnings: [expect.stringContaining('at byte 15')], fields: { 41: 'TERM0001' } });
    const help = capture();
    await main(['iso8583', 'decode', '--help'], help);
    expect(help.stdout.join('\n')).toContain('an empty secondary or tertiary bitmap');
  });

  it('pack() sets bit 1 exactly when a field 65–128 is present (property)', () => {
    const numbers = fc.uniqueArray(fc.constantFrom(3, 4, 11, 41, 70, 74, 97), { minLength: 1 });
    fc.assert(
      fc.property(numbers, (ids) => {
        const message = new IsoMessage(specs.default, '0500');
        const values: Record<number, string> = { 3: '000000', 4: '000000000100', 11: '000001', 41: 'TERM0001', 70: '301', 74: '0000000001', 97: 'C0000000000000100' };
        for (const id of ids) message.set(String(id), values[id]!);
        const wire = message.pack();
        expect((wire[7]! & 0x80) !== 0).toBe(ids.some((id) => id > 64));
        expect(IsoMessage.unpack(specs.default, wire).warnings).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
