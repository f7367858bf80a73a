import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { encodeTlv } from '../../protocols/tlv/index.js';
import { capture } from '../support/cli.js';

async function decode(payload: string) {
  const io = capture();
  const code = await main(['qr', 'decode', '--reveal', payload], io);
  return { code, out: io.stdout.join(''), err: io.stderr.join('') };
}

const keysInText = (text: string) => [...text.matchAll(/"([^"]+)": /g)].map((m) => m[1]);

describe('pos qr decode: data objects in payload order', () => {
  it('merchant-presented: 00 first and 63 last, as in the payload (they listed after 52…63)', async () => {
    // EMV QRCPS MPM example payload (docs/qr.md), CRC DF22.
    const r = await decode('000201010212520454115303156540523.725802CN5914BEST TRANSPORT6007BEIJING6304DF22');
    expect(r.code).toBe(0);
    const keys = keysInText(r.out);
    expect(keys.slice(keys.indexOf('objects') + 1)).toEqual(['00', '01', '52', '53', '54', '58', '59', '60', '63']);
  });

  it('consumer-presented: the EMVCo CPM example in wire order (85, 61, 61#2, 62), nothing lost', async () => {
    // EMV QRCPS Consumer-Presented Mode example (reference notes §8): two 61 templates and 62 with 64.
    const r = await decode('hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==');
    const keys = keysInText(r.out);
    expect(keys.slice(keys.indexOf('objects') + 1)).toEqual(['85', '61', '4F', '50', '61#2', '4F', '50', '62', '5A', '5F20', '5F2D', '64', '9F10', '9F26', '9F36', '9F37']);
  });

  it('a tag repeated inside a template is kept as TAG#2 (the second overwrote the first)', async () => {
    const cpm = encodeTlv([
      { tag: '85', value: Buffer.from('CPV01') },
      { tag: '61', value: Buffer.alloc(0), children: [{ tag: '4F', value: Buffer.from('A0000000031010', 'hex') }, { tag: '4F', value: Buffer.from('A0000000041010', 'hex') }] },
    ]).toString('base64');
    const r = await decode(cpm);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).objects['61']).toEqual({ '4F': 'A0000000031010', '4F#2': 'A0000000041010' });
  });
});
