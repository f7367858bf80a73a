// Framing vectors from moov-io/iso8583 network tests (network/*_test.go, as noted in our
// iso8583-anchors reference): Binary2Bytes 319 ↔ 01 3F, BCD2Bytes 115 ↔ 01 15, ASCII4Bytes 115 ↔ "0115".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../protocols/errors.js';
import { Deframer, frame, type LengthHeader } from '../../protocols/framing/index.js';

describe('length headers (moov-io/iso8583 network vectors)', () => {
  it('binary2: 319 bytes ↔ 01 3F', () => expect(frame(Buffer.alloc(319), { length: 'binary2' }).subarray(0, 2).toString('hex')).toBe('013f'));
  it('bcd2: 115 bytes ↔ 01 15', () => expect(frame(Buffer.alloc(115), { length: 'bcd2' }).subarray(0, 2).toString('hex')).toBe('0115'));
  it('ascii4: 115 bytes ↔ "0115"', () => expect(frame(Buffer.alloc(115), { length: 'ascii4' }).subarray(0, 4).toString('latin1')).toBe('0115'));
  it('none adds nothing', () => expect(frame(Buffer.from('ab'), { length: 'none' }).toString()).toBe('ab'));
});

describe('Deframer', () => {
  const headers: LengthHeader[] = ['binary2', 'bcd2', 'ascii4'];

  it('reassembles messages split and coalesced at any byte (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...headers),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
        (header, bodies, cuts) => {
          const stream = Buffer.concat(bodies.map((b) => frame(Buffer.from(b), { length: header })));
          const deframer = new Deframer({ length: header });
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            out.push(...deframer.push(stream.subarray(at, at + size)));
            at += size;
          }
          expect(out.map((b) => b.toString('hex'))).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
          expect(deframer.buffered).toBe(0);
        },
      ),
    );
  });

  it('refuses an oversize length before buffering its body', () => {
    const deframer = new Deframer({ length: 'binary2', maxMessageLength: 1024 });
    expect(() => deframer.push(Buffer.from([0xff, 0xff, 0x00]))).toThrow('frame length header binary2 at byte 0: announces 65535 bytes, above the limit of 1024');
    expect(deframer.buffered).toBeLessThan(4);
  });

  it('names the stream offset of a bad header after earlier messages', () => {
    const deframer = new Deframer({ length: 'ascii4' });
    expect(deframer.push(Buffer.from('0002ab', 'latin1'))).toHaveLength(1);
    try {
      deframer.push(Buffer.from('00x1', 'latin1'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).offset).toBe(6);
    }
  });
});
