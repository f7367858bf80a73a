// A positional subfield the spec does not list (60.9, 61.4 in the default profile) was dropped
// silently and the message packed, exit 0; it is refused like a bitmap subfield, naming the path.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { EncodeError } from '../../protocols/errors.js';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { capture } from '../support/cli.js';

describe('positional subfields not in the spec', () => {
  it.each([
    [{ 60: { 1: '22', 9: 'x' } }, 'pos iso8583: ISO 8583 field 60.9: no such subfield in the spec'],
    [{ 61: { 1: '000001', 2: '000002', 3: '1128', 4: 'x' } }, 'pos iso8583: ISO 8583 field 61.4: no such subfield in the spec'],
  ])('%j: one line naming the path, exit 2', async (fields, line) => {
    const io = capture();
    expect(await main(['iso8583', 'encode', JSON.stringify({ mti: '0200', fields })], io)).toBe(2);
    expect([io.stdout, io.stderr]).toEqual([[], [line]]);
  });

  it('the codec throws the typed EncodeError; listed subfields still pack', () => {
    const bad = IsoMessage.fromJSON(specs.default, { mti: '0200', fields: { 60: { 1: '22', 9: 'x' } } });
    expect(() => bad.pack()).toThrow(EncodeError);
    const good = IsoMessage.fromJSON(specs.default, { mti: '0200', fields: { 60: { 1: '22', 2: '000001' } } });
    expect(IsoMessage.unpack(specs.default, good.pack()).toJSON({ reveal: true }).fields).toEqual({ 60: { 1: '22', 2: '000001' } });
  });
});
