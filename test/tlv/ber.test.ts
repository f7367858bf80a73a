// Vectors from pyemv's BER-TLV tests (knovichikhin/pyemv, tests/test_tlv.py) and the pyemv tlv module
// docstring, plus EMV Book 3 Annex B rules. Where pyemv is more lenient than EMV (length form 80,
// 4-byte lengths), we follow EMV and say so in the test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../protocols/errors.js';
import { decodeTlv, encodeTlv, findTag, objectToTlv, tlvToObject, emvTagName, type TlvObject } from '../../protocols/tlv/index.js';

const decodeHex = (hex: string) => tlvToObject(decodeTlv(Buffer.from(hex, 'hex')));
const encodeHex = (object: TlvObject) => encodeTlv(objectToTlv(object)).toString('hex').toUpperCase();

describe('BER-TLV decode (pyemv test_decode_tag)', () => {
  const cases: Array<[string, TlvObject]> = [
    ['', {}],
    ['9C00', { '9C': '' }],
    ['9C01FF', { '9C': 'FF' }],
    ['9C8101FF', { '9C': 'FF' }],
    ['9F0200', { '9F02': '' }],
    ['9F0201FF', { '9F02': 'FF' }],
    ['9F820100', { '9F8201': '' }],
    ['9F820101FF', { '9F8201': 'FF' }],
    ['9C8100', { '9C': '' }],
    ['9C820000', { '9C': '' }],
    ['9C83000000', { '9C': '' }],
    ['9C820001FF', { '9C': 'FF' }],
    ['9C83000001FF', { '9C': 'FF' }],
  ];
  for (const [hex, expected] of cases) it(hex || '(empty)', () => expect(decodeHex(hex)).toEqual(expected));

  it('decodes nested templates (pyemv test_decode_nested)', () => {
    expect(decodeHex('9F0201FFE0039F03009F0400')).toEqual({ '9F02': 'FF', E0: { '9F03': '' }, '9F04': '' });
  });
  it('decodes the pyemv docstring example', () => {
    expect(decodeHex('9C0101E0055F2A0202089F0200')).toEqual({ '9C': '01', E0: { '5F2A': '0208' }, '9F02': '' });
  });
  it('decodes a 255-byte value with the 81 length form', () => {
    expect(decodeHex(`9F0281FF${'EE'.repeat(255)}9F0300`)).toEqual({ '9F02': 'EE'.repeat(255), '9F03': '' });
  });
  it('skips 00 and FF padding between objects (EMV Book 3 Annex B)', () => {
    expect(decodeHex('00009C0101FFFF9F0200')).toEqual({ '9C': '01', '9F02': '' });
  });
  it('keeps tags it does not know', () => expect(decodeHex('DF7F0101')).toEqual({ DF7F: '01' }));
  it('finds a tag inside templates', () => {
    const items = decodeTlv(Buffer.from('77099F2701809F36020001', 'hex'));
    expect(findTag(items, '9f36')?.value.toString('hex')).toBe('0001');
  });
});

describe('BER-TLV decode errors name the tag and offset (pyemv test_decode_exception)', () => {
  const cases: Array<[string, string, number]> = [
    ['9F', '', 0], // tag runs past the end
    ['9FF0', '', 0],
    ['9C', '9C', 1], // length missing
    ['9C81', '9C', 1],
    ['9C8200', '9C', 1],
    ['9C01', '9C', 1], // value missing: reported at the length that promised it
    ['9C0200', '9C', 1],
    ['E001', 'E0', 1],
    ['E0019F0001FF', 'E0', 2],
    ['E0019C01FF', 'E0.9C', 3],
    ['E0039C8101C001FF', 'E0.9C', 3],
    ['9C01FFAA', 'AA', 4],
    ['E0039C01FFAA', 'AA', 6],
  ];
  for (const [hex, path, offset] of cases) {
    it(hex, () => {
      try {
        decodeTlv(Buffer.from(hex, 'hex'));
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
        expect((error as DecodeError).path).toBe(path);
        expect((error as DecodeError).offset).toBe(offset);
      }
    });
  }
  it('rejects the indefinite form 80, which pyemv reads as empty but EMV does not use', () => {
    expect(() => decodeTlv(Buffer.from('9C80', 'hex'))).toThrow(/indefinite/);
  });
  it('rejects a 4-byte length (EMV lengths have at most 3 bytes)', () => {
    expect(() => decodeTlv(Buffer.from('9C8400000001FF', 'hex'))).toThrow(/length of 4 bytes/);
  });
  it('does not allocate from a huge claimed length', () => {
    expect(() => decodeTlv(Buffer.from('9C83FFFFFF00', 'hex'))).toThrow(/exceeds the 1 bytes that remain/);
  });
  it('reports offsets relative to the enclosing message', () => {
    expect(() => decodeTlv(Buffer.from('9C05', 'hex'), { offset: 100, path: '55' })).toThrow(/55\.9C at byte 101/);
  });
  it('limits template nesting', () => {
    let nested = Buffer.alloc(0);
    for (let i = 0; i < 40; i++) nested = Buffer.concat([Buffer.from([0xe0, nested.length]), nested]);
    expect(() => decodeTlv(nested)).toThrow(/nested deeper than 16/);
  });
});

describe('BER-TLV encode (pyemv test_encode)', () => {
  const cases: Array<[TlvObject, string]> = [
    [{}, ''],
    [{ '9C': '' }, '9C00'],
    [{ '9C': 'FF' }, '9C01FF'],
    [{ '9F00': 'FF' }, '9F0001FF'],
    [{ '9F8001': 'FF' }, '9F800101FF'],
    [{ '9C': 'FF'.repeat(128) }, `9C8180${'FF'.repeat(128)}`],
    [{ '9C': 'FF'.repeat(511) }, `9C8201FF${'FF'.repeat(511)}`],
    [{ E0: {} }, 'E000'],
    [{ E0: { '9C': '' } }, 'E0029C00'],
    [{ E0: { '9C': 'FF' } }, 'E0039C01FF'],
    [{ E0: { '9F00': 'FF' }, '9C': 'FF' }, 'E0049F0001FF9C01FF'],
  ];
  for (const [object, hex] of cases) it(hex || '(empty)', () => expect(encodeHex(object)).toBe(hex));

  it('rejects malformed tags (pyemv test_encode_exception)', () => {
    for (const tag of ['XX', '00X', '0', '9F', '9F0001']) expect(() => encodeHex({ [tag]: '' }), tag).toThrow(/BER-TLV/);
  });
  it('rejects a value that is not hex', () => expect(() => encodeHex({ '9C': '0' })).toThrow(/must be hex/));
});

describe('BER-TLV round trip (property)', () => {
  const tag = fc.constantFrom('9F26', '9F27', '9F10', '82', '95', '5F2A', '9F8001', 'DF01');
  const template = fc.constantFrom('70', '77', 'E0', 'BF0C');
  const leaf = fc.tuple(tag, fc.uint8Array({ maxLength: 300 })).map(([t, v]) => ({ tag: t, value: Buffer.from(v) }));
  const tree = fc.array(
    fc.oneof(
      leaf,
      fc.tuple(template, fc.array(leaf, { maxLength: 4 })).map(([t, children]) => ({ tag: t, value: Buffer.alloc(0), children })),
    ),
    { maxLength: 6 },
  );
  it('decode(encode(x)) keeps every tag and value', () => {
    fc.assert(
      fc.property(tree, (items) => {
        const bytes = encodeTlv(items);
        expect(encodeTlv(decodeTlv(bytes))).toEqual(bytes);
      }),
    );
  });
});

describe('EMV tag dictionary', () => {
  it('names common tags', () => {
    expect(emvTagName('9F26')).toBe('Application Cryptogram');
    expect(emvTagName('5a')).toBe('Application PAN');
    expect(emvTagName('DF7F')).toBeUndefined();
  });
});
