// ISO 8583 codec. Published vectors: fluidpay/iso8583 message_test.go (ISO 8583:1993 ASCII messages,
// decoded here with iso93ascii and re-encoded byte for byte); field layouts from jPOS's ISO87A/B and
// ISO93A/B packagers (jpos/jPOS org/jpos/iso/packager); IBM code pages 037 and 1047 for EBCDIC.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError } from '../../protocols/errors.js';
import { IsoMessage, parseSpecJson, responseMti, specs, type MessageSpec } from '../../protocols/iso8583/index.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');

function decodeError(spec: MessageSpec, bytes: Buffer): DecodeError {
  try {
    IsoMessage.unpack(spec, bytes);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error('decoded without error');
}

describe('published ISO 8583:1993 ASCII messages (fluidpay/iso8583 message_test.go)', () => {
  it('TestMessageWithFields234: 1100 with fields 2, 3, 4', () => {
    const wire = ascii('1100700000000000000003123000011000000000012');
    const message = IsoMessage.unpack(specs.iso93ascii, wire);
    expect(message.mti).toBe('1100');
    expect(message.toJSON({ reveal: true }).fields).toEqual({ 2: '123', 3: '000011', 4: '000000000012' });
    expect(message.pack()).toEqual(wire);
  });

  it('TestNewMessageWithSecondaryBitmap: 1200 with a secondary bitmap', () => {
    const wire = ascii(
      '1200F230040102A0000000000000040000001048468112122012340000100000001107221800000001161204171926FABCDE123ABD06414243000termid1210Community11112341234234',
    );
    const message = IsoMessage.unpack(specs.iso93ascii, wire);
    expect(message.toJSON({ reveal: true }).fields).toEqual({
      2: '4846811212',
      3: '201234',
      4: '000010000000',
      7: '1107221800',
      11: '000001',
      12: '161204171926',
      22: 'FABCDE123ABD',
      32: '414243',
      39: '000',
      41: 'termid12',
      43: 'Community1',
      102: '12341234234',
    });
    expect(message.pack()).toEqual(wire);
  });
});

describe('field encodings', () => {
  const spec = (fields: MessageSpec['fields'], extra: Partial<MessageSpec> = {}): MessageSpec => ({
    name: 'test',
    mtiEncoding: 'ascii',
    bitmap: { encoding: 'binary' },
    fields,
    ...extra,
  });
  const packField = (s: MessageSpec, id: string, value: string | Buffer) => {
    const packed = new IsoMessage(s, '0200').set(id, value).pack();
    return packed.subarray(new IsoMessage(s, '0200').pack().length); // after MTI and primary bitmap
  };

  it('BCD pads odd digit counts on the left by default and on the right when asked', () => {
    const left = spec({ 3: { name: 'x', type: 'n', length: 5, encoding: 'bcd' } });
    expect(packField(left, '3', '12345').toString('hex')).toBe('012345');
    const right = spec({ 3: { name: 'x', type: 'n', length: 5, encoding: 'bcd', bcdPad: 'right-f' } });
    expect(packField(right, '3', '12345').toString('hex')).toBe('12345f');
    for (const s of [left, right]) expect(IsoMessage.unpack(s, new IsoMessage(s, '0200').set('3', '12345').pack()).get('3')).toBe('12345');
  });

  it('track 2 in BCD carries = as the nibble D (jPOS IFB_LLNUM for field 35)', () => {
    const packed = packField(specs.iso87binary, '35', '4761739001010010=2512');
    expect(packed.toString('hex')).toBe('214761739001010010d25120');
    expect(IsoMessage.unpack(specs.iso87binary, new IsoMessage(specs.iso87binary, '0200').set('35', '4761739001010010=2512').pack()).get('35')).toBe(
      '4761739001010010=2512',
    );
  });

  it('EBCDIC code pages 037 and 1047 differ where IBM says they do', () => {
    const cp = (encoding: 'ebcdic037' | 'ebcdic1047') => spec({ 43: { name: 'x', type: 'ans', length: 6, encoding } });
    expect(packField(cp('ebcdic037'), '43', 'A0[]^ ').toString('hex')).toBe('c1f0babbb040');
    expect(packField(cp('ebcdic1047'), '43', 'A0[]^ ').toString('hex')).toBe('c1f0adbd5f40');
  });

  it('binary fields as raw bytes or as ASCII hex (jPOS IFA_BINARY)', () => {
    expect(packField(specs.iso87ascii, '52', Buffer.from('0123456789ABCDEF', 'hex')).toString('latin1')).toBe('0123456789ABCDEF');
    expect(packField(specs.iso87binary, '52', Buffer.from('0123456789ABCDEF', 'hex')).toString('hex')).toBe('0123456789abcdef');
  });

  it('signed amounts x+n: sign then digits (jPOS IFA_AMOUNT / IFB_AMOUNT)', () => {
    expect(packField(specs.iso87ascii, '28', 'D00000100').toString('latin1')).toBe('D00000100');
    expect(packField(specs.iso87binary, '28', 'C00000100').toString('hex')).toBe('4300000100');
    expect(() => packField(specs.iso87ascii, '28', 'X00000100')).toThrow(/C or D/);
  });

  it('length prefixes L to LLLLLL in ASCII, BCD, EBCDIC and binary', () => {
    const cases: Array<[MessageSpec['fields'][string], string]> = [
      [{ name: 'x', type: 'ans', length: 9, encoding: 'ascii', prefix: 'L' }, '3361626'],
      [{ name: 'x', type: 'ans', length: 999, encoding: 'ascii', prefix: 'LLL' }, '303033616263'],
      [{ name: 'x', type: 'ans', length: 999999, encoding: 'ascii', prefix: 'LLLLLL', prefixEncoding: 'bcd' }, '000003616263'],
      [{ name: 'x', type: 'ans', length: 99, encoding: 'ascii', prefix: 'LL', prefixEncoding: 'ebcdic037' }, 'f0f3616263'],
      [{ name: 'x', type: 'ans', length: 9999, encoding: 'ascii', prefix: 'LL', prefixEncoding: 'binary' }, '0003616263'],
    ];
    for (const [field, hex] of cases) {
      const s = spec({ 48: field });
      const packed = packField(s, '48', 'abc').toString('hex');
      expect(packed.startsWith(hex.slice(0, -1)) || packed === hex, `${field.prefix} ${field.prefixEncoding}`).toBe(true);
      expect(IsoMessage.unpack(s, new IsoMessage(s, '0200').set('48', 'abc').pack()).get('48')).toBe('abc');
    }
  });

  it('a prefix may count digits or bytes (BCD LLVAR n: 19 digits vs 10 bytes)', () => {
    const digits = spec({ 2: { name: 'x', type: 'n', length: 20, encoding: 'bcd', prefix: 'LL' } });
    const bytes = spec({ 2: { name: 'x', type: 'n', length: 20, encoding: 'bcd', prefix: 'LL', prefixCounts: 'bytes' } });
    expect(packField(digits, '2', '1234').toString('hex')).toBe('041234');
    expect(packField(bytes, '2', '1234').toString('hex')).toBe('021234');
    expect(IsoMessage.unpack(bytes, new IsoMessage(bytes, '0200').set('2', '1234').pack()).get('2')).toBe('1234');
  });

  it('bitmaps as binary, ASCII hex and EBCDIC hex, with secondary and tertiary bitmaps', () => {
    const fields = { 3: { name: 'x', type: 'n' as const, length: 6, encoding: 'ascii' as const }, 70: { name: 'y', type: 'n' as const, length: 3, encoding: 'ascii' as const }, 150: { name: 'z', type: 'n' as const, length: 1, encoding: 'ascii' as const } };
    for (const encoding of ['binary', 'hex', 'ebcdic037'] as const) {
      const s = spec(fields, { bitmap: { encoding, tertiary: true } });
      const packed = new IsoMessage(s, '0800').set('3', '990000').set('70', '301').set('150', '7').pack();
      const decoded = IsoMessage.unpack(s, packed);
      expect(decoded.fieldIds()).toEqual([3, 70, 150]);
      if (encoding === 'hex') expect(packed.toString('latin1', 4, 52)).toBe('A000000000000000' + '8400000000000000' + '0000040000000000');
    }
  });
});

describe('composite fields', () => {
  it('DE55 BER-TLV with nested templates; unknown tags kept', () => {
    const message = new IsoMessage(specs.default, '0200');
    message.set('55.9F26', Buffer.from('A1B2C3D4E5F60718', 'hex')).set('55.71.86', Buffer.from('84DA00CB', 'hex')).set('55.DF7F', Buffer.from('01', 'hex'));
    const decoded = IsoMessage.unpack(specs.default, message.pack());
    expect(decoded.getBuffer('55.9F26')?.toString('hex')).toBe('a1b2c3d4e5f60718');
    expect(decoded.getBuffer('55.71.86')?.toString('hex')).toBe('84da00cb');
    expect(decoded.toJSON().fields['55']).toEqual({ '9F26': 'A1B2C3D4E5F60718', 71: { 86: '84DA00CB' }, DF7F: '01' });
  });

  it('positional subfields (default DE60) and tagged subfields (default DE48)', () => {
    const message = new IsoMessage(specs.default, '0500').set('60.1', '00').set('60.2', '000123').set('48.WS', 'ALIPAY').set('48.ZZ', 'kept');
    const decoded = IsoMessage.unpack(specs.default, message.pack());
    expect(decoded.get('60')).toEqual({ 1: '00', 2: '000123' });
    expect(decoded.get('48')).toEqual({ WS: 'ALIPAY', ZZ: 'kept' });
  });

  it('subfields with their own bitmap (127.x style)', () => {
    const s: MessageSpec = {
      name: 'bitmapped',
      mtiEncoding: 'ascii',
      bitmap: { encoding: 'hex' },
      fields: {
        127: {
          name: 'Private',
          type: 'ans',
          length: 999999,
          encoding: 'ascii',
          prefix: 'LLLLLL',
          subfields: {
            kind: 'bitmap',
            bitmap: 'hex',
            fields: { 2: { name: 'Switch key', type: 'ans', length: 32, encoding: 'ascii', prefix: 'LL' }, 3: { name: 'Routing', type: 'ans', length: 48, encoding: 'ascii' } },
          },
        },
      },
    };
    const packed = new IsoMessage(s, '0200').set('127.2', 'KEY123').pack();
    expect(packed.toString('latin1')).toBe('0200' + '8000000000000000' + '0000000000000002' + '000024' + '4000000000000000' + '06KEY123');
    expect(IsoMessage.unpack(s, packed).get('127.2')).toBe('KEY123');
  });
});

describe('bad input: one DecodeError naming the field and the byte offset', () => {
  const good = new IsoMessage(specs.iso87ascii, '0200').set('2', '4761739001010010').set('3', '000000').set('11', '000001').pack();

  it('truncated field', () => {
    const error = decodeError(specs.iso87ascii, good.subarray(0, good.length - 2));
    expect([error.path, error.offset]).toEqual(['11', 44]);
    expect(error.message).toBe('ISO 8583 field 11 at byte 44: needs 6 bytes but 4 remain');
  });
  it('length prefix beyond the maximum, without allocating it', () => {
    const bad = Buffer.from(good);
    bad.write('99', 20, 'latin1');
    expect(decodeError(specs.iso87ascii, bad).message).toBe('ISO 8583 field 2 at byte 20: length 99 exceeds the maximum 19');
  });
  it('letters in a numeric field', () => {
    const bad = Buffer.from(good);
    bad.write('A', 38, 'latin1');
    expect(decodeError(specs.iso87ascii, bad)).toMatchObject({ path: '3', offset: 38 });
  });
  it('a bitmap bit for a field the spec does not define', () => {
    const s: MessageSpec = { name: 'tiny', mtiEncoding: 'ascii', bitmap: { encoding: 'binary' }, fields: { 3: specs.iso87ascii.fields[3]! } };
    expect(decodeError(s, Buffer.concat([ascii('0200'), Buffer.from('3000000000000000', 'hex'), ascii('000000')]))).toMatchObject({ path: '4', offset: 4 });
  });
  it('bytes after the last field', () => {
    expect(decodeError(specs.iso87ascii, Buffer.concat([good, ascii('X')]))).toMatchObject({ offset: good.length });
  });
  it('a message shorter than its MTI and bitmap', () => expect(decodeError(specs.default, Buffer.from('600000', 'hex')).offset).toBe(3));
  it('messages never carry the data they refused', () => {
    const bad = Buffer.from(good);
    bad.write('X', 30, 'latin1');
    expect(decodeError(specs.iso87ascii, bad).message).not.toMatch(/4761739001/);
  });
  it('encode errors name the field', () => {
    expect(() => new IsoMessage(specs.iso87ascii, '0200').set('3', '12345678').pack()).toThrow(EncodeError);
    expect(() => new IsoMessage(specs.iso87ascii, '0200').set('3', '12345678').pack()).toThrow(/field 3: length 8 exceeds the maximum 6/);
    expect(() => new IsoMessage(specs.iso87ascii, '0200').set('200', '1')).toThrow(/does not define field 200/);
  });
});

describe('message API', () => {
  it('describe() and toJSON() mask PAN, track, PIN block and keys unless revealed', () => {
    const message = new IsoMessage(specs.default, '0200')
      .set('2', '4761739001010010')
      .set('35', '4761739001010010=25122011143804400000')
      .set('52', Buffer.from('1B9C1845EB993A7A', 'hex'))
      .set('55.5A', Buffer.from('4761739001010010', 'hex'))
      .set('55.57', Buffer.from('4761739001010010D2512201', 'hex'));
    const text = message.describe() + JSON.stringify(message.toJSON());
    expect(text).toContain('476173******0010');
    for (const secret of ['4761739001010010', '1B9C1845EB993A7A', '25122011143804400000']) expect(text).not.toContain(secret);
    expect(JSON.stringify(message.toJSON({ reveal: true }))).toContain('1B9C1845EB993A7A');
  });

  it.each(['iso87ascii', 'iso87binary', 'iso93ascii', 'iso93binary'] as const)('%s: DE55 (bytes, no TLV subfields) is masked as DE55-style TLV, stars when it does not parse', (name) => {
    const spec = specs[name];
    // 5A PAN, 57 track 2 equivalent, 9F02 amount (shown).
    const de55 = Buffer.from('5A0847617390010100109F0206000000001234570C4761739001010010D2512201', 'hex');
    // ISO 8583:1987 reserves DE55 as text (ans): ICC data goes there as its hex.
    const as = (bytes: Buffer) => (spec.fields['55']!.type === 'b' ? bytes : bytes.toString('hex').toUpperCase());
    const message = IsoMessage.unpack(spec, new IsoMessage(spec, '0200').set('55', as(de55)).pack());
    const text = message.describe() + JSON.stringify(message.toJSON());
    expect(message.toJSON().fields['55']).toEqual({ '5A': '476173******0010', '9F02': '000000001234', '57': '476173******0010********' });
    expect(text).not.toContain('4761739001010010');
    expect(message.describe()).toContain('9F02 Amount, Authorised');
    expect(message.toJSON({ reveal: true }).fields['55']).toBe(de55.toString('hex').toUpperCase());
    const notTlv = IsoMessage.unpack(spec, new IsoMessage(spec, '0200').set('55', as(Buffer.from('5A094761739001010010', 'hex'))).pack());
    expect(notTlv.toJSON().fields['55']).toBe('*'.repeat(20));
  });

  it('validate() lists the required fields a message lacks', () => {
    const problems = new IsoMessage(specs.default, '0800').set('11', '000001').validate();
    expect(problems).toEqual([
      'field 7 (Transmission date and time (MMDDhhmmss)) is required for 0800',
      'field 41 (Card acceptor terminal identification) is required for 0800',
      'field 70 (Network management information code) is required for 0800',
    ]);
  });

  it('numbers are padded to the field length', () => {
    expect(IsoMessage.unpack(specs.default, new IsoMessage(specs.default, '0200').set('4', 1234).set('11', 7).pack()).toJSON().fields).toEqual({ 4: '000000001234', 11: '000007' });
  });

  it('responseMti', () => {
    expect(['0100', '0200', '0220', '0400', '0420', '0500', '0800', '1200'].map(responseMti)).toEqual(['0110', '0210', '0230', '0410', '0430', '0510', '0810', '1210']);
    expect(() => responseMti('0210')).toThrow(/already a response/);
  });

  it('copyFields() copies whole fields by number, the same bytes as set() per field, and only within one spec', () => {
    const request = new IsoMessage(specs.default, '0200').set('3', '000000').set('4', 1234).set('11', 7).set('60.1', '22').set('55.9F02', Buffer.from('000000001234', 'hex'));
    const echoed = [3, 4, 11, 41, 60];
    const bySet = new IsoMessage(specs.default, '0210');
    for (const id of echoed) if (request.has(String(id))) bySet.set(String(id), request.get(String(id))!);
    expect(new IsoMessage(specs.default, '0210').copyFields(request, echoed).pack()).toEqual(bySet.pack());
    const other = Object.values(specs).find((spec) => spec !== specs.default)!;
    expect(() => new IsoMessage(other, '0210').copyFields(request, echoed)).toThrow(EncodeError);
  });

  it('fromJSON(toJSON(reveal)) rebuilds the same bytes', () => {
    const message = new IsoMessage(specs.default, '0200').set('2', '6212345678901234567').set('55.9F02', Buffer.from('000000001000', 'hex')).set('60.1', '22');
    message.header = Buffer.from('6000010000', 'hex');
    expect(IsoMessage.fromJSON(specs.default, message.toJSON({ reveal: true })).pack()).toEqual(message.pack());
  });
});

describe('custom specs from JSON (docs/iso8583-spec-json.md)', () => {
  const example = parseSpecJson(readFileSync(new URL('../../docs/examples/acme-host.json', import.meta.url), 'utf8'), 'acme-host.json');

  it('loads the documented example and round-trips an EBCDIC message through it', () => {
    const message = new IsoMessage(example, '0100').set('2', '4761739001010010').set('3', '000000').set('4', 2500).set('11', 42).set('41', 'TERM0001');
    message.set('48.01', '123456').set('48.XY', 'other').set('55.9F27', Buffer.from('80', 'hex'));
    const packed = message.pack();
    expect(packed.subarray(0, 4).toString('hex')).toBe('f0f1f0f0'); // "0100" in EBCDIC
    const decoded = IsoMessage.unpack(example, packed);
    expect(decoded.toJSON({ reveal: true }).fields).toMatchObject({ 2: '4761739001010010', 4: '000000002500', 48: { '01': '123456', XY: 'other' } });
    expect(decoded.validate()).toEqual([]);
  });

  it('names the place of a mistake', () => {
    expect(() => parseSpecJson('{"name":"x","mtiEncoding":"ascii","bitmap":{"encoding":"hex"},"fields":{"2":{"name":"PAN","type":"n","length":19,"encoding":"ascii","prefix":"LX"}}}')).toThrow(
      'spec fields.2.prefix: must be one of L, LL, LLL, LLLL, LLLLL, LLLLLL',
    );
    expect(() => parseSpecJson('{', 'host.json')).toThrow(/spec host.json: is not valid JSON/);
    expect(() => parseSpecJson('{"name":"x","mtiEncoding":"ascii","bitmap":{"encoding":"hex"},"fields":{"2":{"name":"PAN","type":"n","length":100,"encoding":"ascii","prefix":"LL"}}}')).toThrow(
      /fields.2.length: 100 does not fit a LL prefix/,
    );
  });
});

describe('DE55 keeps its wire order', () => {
  it('re-encodes tags byte for byte, integer-like tags (82, 95) included', () => {
    const message = new IsoMessage(specs.default, '0200');
    for (const [tag, hex] of [['9F26', '0102030405060708'], ['82', '3900'], ['9F36', '0001'], ['95', '0000000000']]) message.set(`55.${tag}`, Buffer.from(hex!, 'hex'));
    const wire = message.pack();
    const decoded = IsoMessage.unpack(specs.default, wire);
    expect(decoded.pack()).toEqual(wire);
    expect(wire.toString('hex')).toContain('9f2608010203040506070882023900');
  });
});
