import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';

function capture(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin };
  return { io, out, err };
}

const hexOf = (text: string) => Buffer.from(text, 'latin1').toString('hex').toUpperCase();
// fluidpay/iso8583 message_test.go, TestMessageWithFields234 (ISO 8583:1993 ASCII).
const published = hexOf('1100700000000000000003123000011000000000012');

describe('pos iso8583', () => {
  it('decodes a published message to the documented JSON shape, masked by default', async () => {
    const { io, out } = capture();
    expect(await main(['iso8583', 'decode', '--spec', 'iso93ascii', published], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ mti: '1100', fields: { 2: '***', 3: '000011', 4: '000000000012' } });
  });

  it('reveals on --reveal and reads stdin with -', async () => {
    const { io, out } = capture(`${published}\n`);
    expect(await main(['iso8583', 'decode', '--spec', 'iso93ascii', '--reveal', '-'], io)).toBe(0);
    expect(JSON.parse(out.join('')).fields['2']).toBe('123');
  });

  it('encode then decode through a length header and the default profile with DE55', async () => {
    const message = { mti: '0200', header: '6000010000', fields: { 3: '000000', 4: '000000000100', 11: '000001', 55: { '9F26': 'A1B2C3D4E5F60718' } } };
    const encoded = capture();
    expect(await main(['iso8583', 'encode', '--framing', 'binary2', JSON.stringify(message)], encoded.io)).toBe(0);
    const hex = encoded.out.join('');
    expect(hex).toMatch(/^[0-9A-F]+$/);
    const decoded = capture();
    expect(await main(['iso8583', 'decode', '--framing', 'binary2', hex], decoded.io)).toBe(0);
    expect(JSON.parse(decoded.out.join(''))).toEqual(message);
  });

  it('bad input: one line, naming the field and the byte offset, exit 2', async () => {
    const truncated = published.slice(0, -4);
    const { io, err } = capture();
    expect(await main(['iso8583', 'decode', '--spec', 'iso93ascii', truncated], io)).toBe(2);
    expect(err).toEqual(['pos iso8583: ISO 8583 field 4 at byte 31: needs 12 bytes but 10 remain']);
    for (const args of [['decode', 'abc'], ['decode', '--spec', 'nope', '00'], ['decode', '--framing', 'x', '00'], ['encode', '{']]) {
      const c = capture();
      expect(await main(['iso8583', ...args], c.io), args.join(' ')).toBe(2);
      expect(c.err).toHaveLength(1);
    }
  });

  it('--help explains with an example', async () => {
    const { io, out } = capture();
    expect(await main(['iso8583', '--help'], io)).toBe(0);
    expect(out.join('')).toMatch(/example/);
  });
});

describe('pos tlv', () => {
  it('decodes nested TLV with tag names', async () => {
    const { io, out } = capture();
    expect(await main(['tlv', 'decode', '77099F2701809F36020001'], io)).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual([
      {
        tag: '77',
        name: 'Response Message Template Format 2',
        children: [
          { tag: '9F27', name: 'Cryptogram Information Data', value: '80' },
          { tag: '9F36', name: 'Application Transaction Counter (ATC)', value: '0001' },
        ],
      },
    ]);
  });
  it('names the tag and offset of bad TLV', async () => {
    const { io, err } = capture();
    expect(await main(['tlv', 'decode', '9F2705'], io)).toBe(2);
    expect(err).toEqual(['pos tlv: BER-TLV 9F27 at byte 2: length 5 exceeds the 0 bytes that remain']);
  });
});

describe('the pos bin', () => {
  it('runs as a real process', () => {
    const stdout = execFileSync('node', ['cli/pos.mjs', 'iso8583', 'decode', '--spec', 'iso93ascii', '--reveal', published], { encoding: 'utf8' });
    expect(JSON.parse(stdout).mti).toBe('1100');
  });
  it('exits non-zero with one line on stderr for bad input', () => {
    const result = spawnSync('node', ['cli/pos.mjs', 'tlv', 'decode', 'zz'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['pos tlv: TLV hex: not a hex digit at character 0']);
  });
});
