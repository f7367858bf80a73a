// Property: for every built-in spec, any message whose values fit their fields packs and unpacks to
// the same values and the same bytes (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoMessage, specs, type FieldSpec, type MessageSpec } from '../../protocols/iso8583/index.js';

const charsFor: Record<string, string> = {
  n: '0123456789',
  z: '0123456789=',
  a: 'ABCXYZ abcxyz',
  an: 'ABC xyz 0129',
  ans: 'AZaz09 -/.,;:#@!*()',
};

function leafValue(field: FieldSpec): fc.Arbitrary<string | Buffer> {
  const max = Math.min(field.length, 64);
  const min = field.prefix ? 0 : field.length;
  if (!field.prefix && field.length > 64) return fc.constant(field.type === 'b' ? Buffer.alloc(field.length) : '0'.repeat(field.length));
  if (field.type === 'b') return fc.uint8Array({ minLength: min, maxLength: Math.max(min, max) }).map((bytes) => Buffer.from(bytes));
  if (field.type === 'xn')
    return fc.tuple(fc.constantFrom('C', 'D'), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min - 1, maxLength: Math.max(min, max) - 1 })).map(([s, d]) => s + d);
  const chars = charsFor[field.type]!.split('');
  return fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: Math.max(min, max) });
}

function fieldValue(field: FieldSpec): fc.Arbitrary<unknown> {
  const composite = field.subfields;
  if (!composite) return leafValue(field);
  if (composite.kind === 'tlv')
    return fc.dictionary(fc.constantFrom('9F26', '9F27', '9F10', '82', '95', 'DF7F'), fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)), { maxKeys: 4 });
  if (composite.kind === 'positional') {
    const ids = Object.keys(composite.fields);
    return fc.tuple(...ids.map((id) => leafValue(composite.fields[id]!))).map((values) => Object.fromEntries(values.map((v, i) => [ids[i], v])));
  }
  if (composite.kind === 'tagged') {
    return fc.record(Object.fromEntries(Object.entries(composite.fields).map(([tag, sub]) => [tag, leafValue({ ...sub, length: Math.min(sub.length, 40) })])), { requiredKeys: [] });
  }
  return fc.constant(undefined);
}

function messageOf(spec: MessageSpec) {
  const ids = Object.keys(spec.fields);
  return fc
    .tuple(fc.subarray(ids, { minLength: 1 }), fc.constantFrom('0100', '0200', '0210', '0400', '0800'))
    .chain(([chosen, mti]) => fc.tuple(fc.constant(mti), fc.tuple(...chosen.map((id) => fieldValue(spec.fields[id]!).map((value) => [id, value] as const)))));
}

describe('pack/unpack round trip for every built-in spec', () => {
  for (const [name, spec] of Object.entries(specs)) {
    it(name, () => {
      fc.assert(
        fc.property(messageOf(spec), ([mti, entries]) => {
          const message = new IsoMessage(spec, mti);
          for (const [id, value] of entries) {
            if (value === undefined || (typeof value === 'object' && !Buffer.isBuffer(value) && Object.keys(value as object).length === 0)) continue;
            message.set(id, value as never);
          }
          const packed = message.pack();
          const decoded = IsoMessage.unpack(spec, packed);
          expect(decoded.toJSON({ reveal: true })).toEqual(message.toJSON({ reveal: true }));
          expect(decoded.pack()).toEqual(packed);
        }),
        { numRuns: 200 },
      );
    });
  }
});
