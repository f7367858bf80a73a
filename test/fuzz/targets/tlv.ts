import { decodeTlv } from '../../../protocols/tlv/index.js';
import type { FuzzTarget } from '../harness.js';

// Seeds: pyemv test vectors and a contactless GPO answer (format 2) as a virtual Visa card sends it.
const seeds = [
  '9C0101E0055F2A0202089F0200',
  '9F0201FFE0039F03009F0400',
  '77299F2701809F360200019F2608A1B2C3D4E5F607189F100706010A03A000005F3401009F6C020080',
  '6F1A840E325041592E5359532E4444463031A508BF0C0561034F01A0',
].map((hex) => Buffer.from(hex, 'hex'));

export const targets: FuzzTarget[] = [{ name: 'tlv.decodeTlv', seeds, decode: (input) => decodeTlv(input) }];
