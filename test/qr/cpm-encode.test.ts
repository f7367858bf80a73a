// encodeCpm refuses payloads EMV QRCPS Consumer-Presented Mode does not allow: the Payload Format
// Indicator 85 "CPV01" first, one or more Application Templates 61 each with its ADF Name 4F, an
// optional Common Data Template 62 (its transparent template 64 inside), and nothing else at the top;
// data object lengths from EMV 4.4 Book 3 Annex A (4F 5–16 bytes, 9F26 8, 9F36 2, 9F37 4, 9F10 ≤ 32).
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../protocols/errors.js';
import { decodeCpm, encodeCpm } from '../../protocols/qr/index.js';
import type { TlvObject } from '../../protocols/tlv/index.js';

const app = { '4F': 'A0000003330101' };
const common = { '5A': '6250946000000016', 64: { '9F26': '0102030405060708', '9F36': '0001' } };

function refusal(object: unknown): [string, string] {
  try {
    encodeCpm(object as TlvObject);
  } catch (error) {
    expect(error).toBeInstanceOf(EncodeError);
    return [(error as EncodeError).path, (error as EncodeError).reason];
  }
  throw new Error(`encoded ${JSON.stringify(object)} without error`);
}

describe('encodeCpm: the consumer-presented structure', () => {
  it('adds 85 "CPV01" when it is missing, so the payload decodes', () => {
    expect(decodeCpm(encodeCpm({ 61: app, 62: common }))['85']).toBe('4350563031');
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a payload format indicator other than CPV01', { 85: Buffer.from('CPV02').toString('hex'), 61: app }, '85', /must be "CPV01"/],
    ['no application template', { 62: common }, '61', /at least one Application Template is mandatory/],
    ['an application template without its ADF Name', { 61: { 50: '4341524431' } }, '61.4F', /ADF Name is mandatory/],
    ['a second application template without its ADF Name', { 61: app, '61#2': { 50: '4341524431' } }, '61#2.4F', /ADF Name is mandatory/],
    ['a data object outside the templates', { 61: app, '9F26': '0102030405060708' }, '9F26', /only 85, Application Templates 61 and the Common Data Template 62/],
    ['a template given as a value', { 61: app, 62: '5A0812' }, '62', /a template/],
    ['an ADF Name of 17 bytes', { 61: { '4F': 'A0'.repeat(17) } }, '61.4F', /^17 bytes; 5 to 16 allowed/],
    ['a cryptogram of 7 bytes', { 61: app, 62: { 64: { '9F26': '01020304050607' } } }, '62.64.9F26', /^7 bytes; exactly 8 allowed/],
    ['an ATC of 3 bytes', { 61: app, 62: { 64: { '9F36': '000102' } } }, '62.64.9F36', /exactly 2/],
    ['a value that is not hex', { 61: app, 62: { '5A': '62509460000000ZZ' } }, '62.5A', /hex bytes/],
    ['null', null, '', /must be an object/],
    // EMV Book 3 Annex B: bit 6 of a tag's first byte says constructed; 4F and 9F26 are primitive, so their value is bytes, not data objects.
    ['a primitive ADF Name 4F given as a template', { 61: { '4F': { '00': 'AA' } } }, '61.4F', /primitive tag \(EMV Book 3 Annex B\): the value must be hex bytes/],
    ['a primitive 9F26 given as a template', { 61: { ...app, 63: { '9F26': { '01': '00' } } } }, '61.63.9F26', /primitive tag/],
    ['a constructed 63 given as hex', { 61: { ...app, 63: '9F2608' } }, '61.63', /constructed tag \(EMV Book 3 Annex B\): give its data objects as an object/],
    // CPM: one optional Common Data Template 62; 85, 61 and 62 sit at the top of the payload only.
    ['a second payload format indicator', { 61: app, '85#2': '4350563031' }, '85#2', /at most one Payload Format Indicator 85/],
    ['a second common data template', { 61: app, 62: { '5A': '4761' }, '62#2': { '5A': '4761' } }, '62#2', /at most one Common Data Template 62/],
    ['an application template inside the common data template', { 61: app, 62: { 61: app } }, '62.61', /only at the top of the payload/],
    ['a repeat suffix that is not a number', { 61: app, '61#x': app }, '61#x', /a repeated tag is written TAG#n, n from 2/],
    ['a repeat suffix inside a template', { 61: { ...app, '50#1': '41' } }, '61.50#1', /TAG#n, n from 2/],
    ['a tag key that is not hex, with its template path', { 61: { ...app, ZZ: '00' } }, '61.ZZ', /tag must be 1 to 4 bytes of hex/],
    ['a tag key that is not a well-formed BER tag', { 61: app, 62: { 64: { '1F': '00' } } }, '62.64.1F', /not a well-formed BER tag/],
    ['the same tag twice in one template (4F and 4f)', { 61: { ...app, '4f': 'A0000003330102' } }, '61.4f', /given twice/],
  ])('refuses %s, naming the tag', (_, object, path, reason) => {
    const [gotPath, gotReason] = refusal(object);
    expect(gotPath).toBe(path);
    expect(gotReason).toMatch(reason);
  });

  it('takes repeated tags as decodeCpm writes them (61#2, 9F08#2) and lower-case hex tags', () => {
    const object = { 61: app, '61#2': { '4f': 'A0000003330102', '9F08': '0001', '9F08#2': '0002' }, 62: common };
    const decoded = decodeCpm(encodeCpm(object));
    expect(decoded['61#2']).toEqual({ '4F': 'A0000003330102', '9F08': '0001', '9F08#2': '0002' });
  });

  it('does not judge card data: a PAN with letters in it still encodes (tests of the terminal need it)', () => {
    expect(() => encodeCpm({ 85: '4350563031', 61: app, 62: { '5A': '6250946000ABCDEF' } })).not.toThrow();
  });
});
