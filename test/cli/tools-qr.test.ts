import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture, cleanupsAfterEach, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();
// EMVCo QRCPS consumer-presented mode, the specification's example payload (as in test/qr/qr.test.ts).
const cpm = 'hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==';

async function pos(...args: string[]) {
  const io = capture();
  return { code: await main(['qr', ...args], io), out: io.stdout.join(''), err: io.stderr };
}

describe('pos qr decode of a damaged consumer-presented payload', () => {
  it('the example cut by its last 4 bytes: the BER-TLV error with tag and byte offset, not "not a payment code"', async () => {
    const cut = Buffer.from(cpm, 'base64').subarray(0, -4).toString('base64');
    expect(await pos('decode', cut)).toEqual({ code: 2, out: '', err: ['pos qr: BER-TLV 62 at byte 50: length 73 exceeds the 69 bytes that remain'] });
  });

  it('base64 that does not start with 85 05 "CPV01" is still classified as a payment code (or why none fits)', async () => {
    const other = Buffer.from('9F0201FF9F0201FF', 'hex').toString('base64');
    expect((await pos('decode', other)).err).toEqual([`pos qr: not a payment code: matches no payment code rule (${other.length} characters, not all digits)`]);
    expect(JSON.parse((await pos('decode', cpm)).out).kind).toBe('emvco-consumer-presented');
  });
});

describe('pos qr decode --rules', () => {
  it.each([
    ['[{"scheme":"X","pattern":"("}]', 'payment code rule 0 (X): pattern is not a valid regular expression'],
    ['{', "not valid JSON: Expected property name or '}' at position 1"],
    ['{"scheme":"X"}', 'payment code rules: must be an array of { scheme, pattern }'],
  ])('%s: one line naming the file and what, exit 2 (was exit 1)', async (content, what) => {
    const file = join(tempDir(cleanups), 'rules.json');
    writeFileSync(file, content);
    // Refused whatever the payload is, a merchant-presented one included.
    for (const payload of ['1234', '00020101021252045411']) expect(await pos('decode', '--rules', file, payload)).toEqual({ code: 2, out: '', err: [`pos qr: --rules ${file}: ${what}`] });
  });
});

describe('pos qr decode of a merchant-presented payload: the CRC', () => {
  // EMVCo MPM example (Chinese merchant, as in the help), CRC DF22.
  const body = '000201010212520454115303156540523.725802CN5914BEST TRANSPORT6007BEIJING6304';

  it('a lowercase CRC is reported as carried and not valid (the CRC is 4 uppercase hex digits)', async () => {
    const decoded = JSON.parse((await pos('decode', `${body}df22`)).out);
    expect(decoded.crc).toEqual({ carried: 'df22', computed: 'DF22', valid: false });
    expect(decoded).not.toHaveProperty('crcValid');
    expect(JSON.parse((await pos('decode', `${body}DF22`)).out).crc).toEqual({ carried: 'DF22', computed: 'DF22', valid: true });
  });

  it('data after the CRC is named as such, with its byte offset', async () => {
    expect(await pos('decode', `${body}DF221234`)).toEqual({ code: 2, out: '', err: ['pos qr: EMVCo QR 63 at byte 79: 4 characters after the CRC, which must be the last data object'] });
  });
});
