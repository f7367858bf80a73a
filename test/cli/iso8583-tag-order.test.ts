import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { parseOrdered, stringifyOrdered } from '../../protocols/ordered-json.js';
import { capture } from '../support/cli.js';

async function pos(stdin: string, ...args: string[]) {
  const io = capture(stdin);
  const code = await main(['iso8583', ...args], io);
  return { code, out: io.stdout.join(''), err: io.stderr.join('') };
}

// DE55 in the order a Visa qVSDC request carries it: 9F26 first, then 95 and 82 (integer-like tags,
// which JavaScript objects list first), a 71 template, 9F36.
const de55 = '9F2608A1B2C3D4E5F60718' + '95050000000000' + '82021980' + '710B86098424000008AABBCCDD' + '9F36020001';
const json = '{"mti":"0200","fields":{"55":{"9F26":"A1B2C3D4E5F60718","95":"0000000000","82":"1980","71":{"86":"8424000008AABBCCDD"},"9F36":"0001"}}}';

describe('pos iso8583: DE55 tags keep their wire order through JSON', () => {
  it('encode packs the tags in the order the JSON lists them (before: 82 95 71 9F26 9F36)', async () => {
    const r = await pos('', 'encode', json);
    expect(r.code).toBe(0);
    expect(r.out.trim().endsWith(`0040${de55}`)).toBe(true);
  });

  it('decode lists them in wire order, and decode | encode gives back the same bytes', async () => {
    const wire = (await pos('', 'encode', json)).out.trim();
    for (const spec of ['default', 'iso87binary']) {
      // iso87binary keeps DE55 as bytes: decode shows its tags (masked view), --reveal its hex.
      const hex = spec === 'default' ? wire : (await pos('', 'encode', '--spec', spec, `{"mti":"0200","fields":{"55":"${de55}"}}`)).out.trim();
      const decoded = await pos('', 'decode', '--spec', spec, hex);
      expect(decoded.code).toBe(0);
      expect(Object.keys(JSON.parse(decoded.out).fields['55']).length).toBe(5);
      expect(decoded.out.indexOf('"9F26"')).toBeLessThan(decoded.out.indexOf('"95"'));
      expect(decoded.out.indexOf('"95"')).toBeLessThan(decoded.out.indexOf('"82"'));
      const revealed = await pos('', 'decode', '--spec', spec, '--reveal', hex);
      expect((await pos(revealed.out, 'encode', '--spec', spec, '-')).out.trim()).toBe(hex);
    }
  });

  it('ordered JSON text: same values as JSON.parse/stringify, keys as written', () => {
    const text = '{"b":1,"10":[{"2":"x\\"\\u0000:","1":null}],"a":{"9":true,"8":{}}}';
    const parsed = parseOrdered(text);
    expect(parsed).toEqual(JSON.parse(text));
    expect(JSON.parse(stringifyOrdered(parsed))).toEqual(JSON.parse(text));
    expect(stringifyOrdered(parsed, 0).replace(/\n/g, '')).toBe(text.replace(/,/g, ',').replace(/":/g, '": '));
  });
});
