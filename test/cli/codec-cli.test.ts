import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

const hexOf = (text: string) => Buffer.from(text, 'latin1').toString('hex').toUpperCase();
// fluidpay/iso8583 message_test.go, TestMessageWithFields234 (ISO 8583:1993 ASCII).
const published = hexOf('1100700000000000000003123000011000000000012');

describe('pos iso8583', () => {
  it('decodes a published message to the documented JSON shape, masked by default', async () => {
    const io = capture();
    expect(await main(['iso8583', 'decode', '--spec', 'iso93ascii', published], io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ mti: '1100', fields: { 2: '***', 3: '000011', 4: '000000000012' } });
  });

  it('reveals on --reveal and reads stdin with -', async () => {
    const io = capture(`${published}\n`);
    expect(await main(['iso8583', 'decode', '--spec', 'iso93ascii', '--reveal', '-'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('')).fields['2']).toBe('123');
  });

  it('encode then decode through a length header and the default profile with DE55', async () => {
    const message = { mti: '0200', header: '6000010000', fields: { 3: '000000', 4: '000000000100', 11: '000001', 55: { '9F26': 'A1B2C3D4E5F60718' } } };
    const encoded = capture();
    expect(await main(['iso8583', 'encode', '--framing', 'binary2', JSON.stringify(message)], encoded)).toBe(0);
    const hex = encoded.stdout.join('');
    expect(hex).toMatch(/^[0-9A-F]+$/);
    const decoded = capture();
    expect(await main(['iso8583', 'decode', '--framing', 'binary2', hex], decoded)).toBe(0);
    expect(JSON.parse(decoded.stdout.join(''))).toEqual(message);
  });

  it('bad input: one line, naming the field and the byte offset, exit 2', async () => {
    const truncated = published.slice(0, -4);
    const io = capture();
    expect(await main(['iso8583', 'decode', '--spec', 'iso93ascii', truncated], io)).toBe(2);
    expect(io.stderr).toEqual(['pos iso8583: ISO 8583 field 4 at byte 31: needs 12 bytes but 10 remain']);
    for (const args of [['decode', 'abc'], ['decode', '--spec', 'nope', '00'], ['decode', '--framing', 'x', '00'], ['encode', '{']]) {
      const c = capture();
      expect(await main(['iso8583', ...args], c), args.join(' ')).toBe(2);
      expect(c.stderr).toHaveLength(1);
    }
  });

  it('--help explains with an example', async () => {
    const io = capture();
    expect(await main(['iso8583', '--help'], io)).toBe(0);
    expect(io.stdout.join('')).toMatch(/example/);
  });
});

describe('pos tlv', () => {
  it('decodes nested TLV with tag names', async () => {
    const io = capture();
    expect(await main(['tlv', 'decode', '77099F2701809F36020001'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toEqual([
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
  // Visa test card 4761739001010010 (track 2 equivalent with its discretionary data), its PAN,
  // a track 1 equivalent (56, characters) and a Mastercard track 2 (9F6B) inside a template.
  const track1 = Buffer.from('B4761739001010010^CARDHOLDER/VISA^3012101123456', 'latin1').toString('hex').toUpperCase();
  const lengthOf = (hex: string) => (hex.length / 2).toString(16).toUpperCase().padStart(2, '0');
  const template = `56${lengthOf(track1)}${track1}9F6B0C5413330089020011D2512201`;
  const cardTlv = `57134761739001010010D30121011234567890123F5A08476173900101001070${lengthOf(template)}${template}`;
  it('masks PAN and track tags as iso8583 decode does in DE55, unless --reveal', async () => {
    const io = capture();
    expect(await main(['tlv', 'decode', cardTlv], io)).toBe(0);
    const out = io.stdout.join('');
    const [t57, t5a, t70] = JSON.parse(out) as Array<{ value?: string; children?: Array<{ value: string }> }>;
    expect(t57!.value).toBe('476173******0010*********************');
    expect(t5a!.value).toBe('476173******0010');
    expect(t70!.children![0]!.value).toBe(`476173******0010${'*'.repeat(30)}`);
    expect(t70!.children![1]!.value).toBe('541333******0011********');
    expect(out).not.toMatch(/4761739001010010|D3012101|CARDHOLDER|5413330089020011|D2512201/);
    const revealed = capture();
    expect(await main(['tlv', 'decode', '--reveal', cardTlv], revealed)).toBe(0);
    expect(JSON.parse(revealed.stdout.join(''))[1].value).toBe('4761739001010010');
  });
  it('names the tag and offset of bad TLV', async () => {
    const io = capture();
    expect(await main(['tlv', 'decode', '9F2705'], io)).toBe(2);
    expect(io.stderr).toEqual(['pos tlv: BER-TLV 9F27 at byte 2: length 5 exceeds the 0 bytes that remain']);
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

describe('pos qr', () => {
  // The EMVCo MPM specification's example payload (CRC A13A).
  const emvco =
    '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
  it('decodes a merchant-presented payload with its CRC verdict', async () => {
    const io = capture();
    expect(await main(['qr', 'decode', emvco], io)).toBe(0);
    const json = JSON.parse(io.stdout.join(''));
    expect(json).toMatchObject({ kind: 'emvco-merchant-presented', crc: { valid: true }, objects: { 59: 'BEST TRANSPORT', 64: { '01': '最佳运输' } } });
  });
  it('masks the PAN of a consumer-presented payload unless --reveal', async () => {
    // EMV QRCPS consumer-presented example payload (PAN 1234567890123458 in 5A).
    const cpm = 'hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==';
    const io = capture();
    expect(await main(['qr', 'decode', cpm], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('')).objects['62']['5A']).toBe('123456******3458');
    expect(io.stdout.join('')).not.toContain('1234567890123458');
    const revealed = capture();
    expect(await main(['qr', 'decode', '--reveal', cpm], revealed)).toBe(0);
    expect(JSON.parse(revealed.stdout.join('')).objects['62']['5A']).toBe('1234567890123458');
  });
  it('says when the CRC is wrong', async () => {
    const io = capture();
    expect(await main(['qr', 'decode', emvco.replace(/A13A$/, '0000')], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('')).crc.valid).toBe(false);
  });
  it('classifies a payment code and refuses one that fits no scheme', async () => {
    const ok = capture();
    expect(await main(['qr', 'decode', '281234567890123456'], ok)).toBe(0);
    expect(JSON.parse(ok.stdout.join('')).scheme).toBe('ALIPAY');
    const bad = capture();
    expect(await main(['qr', 'decode', '99999'], bad)).toBe(2);
    expect(bad.stderr).toEqual(['pos qr: not a payment code: matches no payment code rule (5 digits starting 99)']);
  });
  it('encodes, and what it encodes decodes with a valid CRC', async () => {
    const encoded = capture();
    expect(await main(['qr', 'encode', '{"26":{"00":"com.example.pay","01":"8800001"},"52":"5411","53":"156","58":"CN","59":"SHOP","60":"SHANGHAI"}'], encoded)).toBe(0);
    const decoded = capture();
    expect(await main(['qr', 'decode', encoded.stdout.join('')], decoded)).toBe(0);
    expect(JSON.parse(decoded.stdout.join('')).crc.valid).toBe(true);
    const noAccount = capture();
    expect(await main(['qr', 'encode', '{"52":"5411","53":"156","58":"CN","59":"SHOP","60":"SHANGHAI"}'], noAccount)).toBe(2);
    expect(noAccount.stderr.join('')).toContain('at least one Merchant Account Information (02–51) is mandatory');
  });
});

describe('pos track', () => {
  it('decodes a swipe with the PAN masked, and names a bad track', async () => {
    const io = capture();
    expect(await main(['track', 'decode', ';4761739001010010=2212201?'], io)).toBe(0);
    const json = JSON.parse(io.stdout.join(''));
    expect(json.track2).toMatchObject({ pan: '476173******0010', expiry: '2212', service: { requiresChip: true } });
    const bad = capture();
    expect(await main(['track', 'decode', ';4761739001010010=2212201?9'], bad)).toBe(2);
    expect(bad.stderr).toEqual(['pos track: track 2 LRC at byte 26: LRC does not match']);
  });

  it('lists what a host would refuse in a swipe that parses: Luhn, a month 13, tracks that disagree; a good swipe has none', async () => {
    const good = capture();
    await main(['track', 'decode', '%B4761739001010010^CARDHOLDER/VISA^2212201?;4761739001010010=2212201?'], good);
    expect(JSON.parse(good.stdout.join('')).problems).toBeUndefined();
    const io = capture();
    // 4761739001010011: the Visa test PAN with its last digit changed (fails mod 10); 2213: no month 13.
    expect(await main(['track', 'decode', '%B4761739001010010^CARDHOLDER/VISA^2212201?;4761739001010011=2213201?'], io)).toBe(0);
    const output = io.stdout.join('');
    expect(JSON.parse(output).problems).toEqual([
      'track 2: PAN 476173******0011 fails the Luhn check (ISO/IEC 7812-1)',
      'track 2: expiry 2213 (YYMM) has no month 13',
      'track 1 and track 2 carry different PANs',
      'track 1 and track 2 carry different expiry dates (2212, 2213)',
    ]);
    expect(output).not.toContain('4761739001010011');
    const short = capture();
    await main(['track', 'decode', ';476173900=2212201?'], short);
    expect(JSON.parse(short.stdout.join('')).problems).toEqual(['track 2: PAN *****3900 is not 12–19 digits (ISO/IEC 7812-1)']);
  });
});
