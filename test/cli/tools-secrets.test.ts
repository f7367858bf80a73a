// Errors of the integrator tools never echo a secret typed in the wrong place (a PAN, a track, a PIN
// block, a key, a PIN): the rule is cli/io.ts quoted(); the error still names the argument or option.
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { quoted } from '../../cli/io.js';
import { capture } from '../support/cli.js';

const pan = '4761739001010010';
const track1 = '%B4761739001010010^CARDHOLDER/TEST^2212201123456789?';
const track2 = ';4761739001010010=22122011234567891234?';
const key = '0123456789ABCDEFFEDCBA9876543210';
const pinBlock = '041274EDCBA9876F';

describe('errors never echo a secret', () => {
  it.each([
    [['track', 'decode', track1, track2], track2, /^pos track: unexpected argument 3 \(39 characters, not shown\)$/],
    [['tlv', 'decode', '5A08', pan], pan, /^pos tlv: unexpected argument 3 \(16 characters/],
    [['tlv', `5A08${pan}`], pan, /^pos tlv: unknown action \(20 characters, not shown\) \(decode\)$/],
    [['track', track2], '4761739001', /^pos track: unknown action \(39 characters/],
    [['crypto', 'pinblock', 'decode', '--format', '0', '--pan', '4012345678909', pinBlock], pinBlock, /^pos crypto: unexpected argument 3 \(16 characters/],
    [['crypto', 'kcv', key, 'extra'], key, /^pos crypto: unexpected argument 2 \(32 characters/],
    [['crypto', key], key, /^pos crypto: unknown action \(32 characters/],
    [['iso8583', 'encode', `x${pan}=2212`], '4761739', /^pos iso8583: message JSON: not valid JSON: unexpected character at position 0$/],
    [['iso8583', 'encode', `{"mti":"0200","fields":{"35":"${pan}=22122011234567891234"}]`], '4761739', /^pos iso8583: message JSON: not valid JSON: .* at position 69$/],
    [['qr', 'encode', `${pan}x`], '4761739', /^pos qr: JSON: not valid JSON: .*at position 16$/],
    [['crypto', 'mac', '--alg', 'retail', '--key', key, '--data', '00', '--length', '1234'], '1234', /^pos crypto: --length: .* got one outside that range$/],
    [['crypto', 'kcv', '--alg', key, '--key', key], key, /^pos crypto: --alg \(32 characters, not shown\): expected tdes\|aes$/],
    [['crypto', 'pinblock', 'decode', '--format', pinBlock, '--block', pinBlock, '--pan', '4012345678909'], pinBlock, /^pos crypto: --format \(16 characters, not shown\): expected/],
    [['iso8583', 'decode', '--header-bytes', '123456', '00'], '123456', /^pos iso8583: --header-bytes: .* got one outside that range$/],
  ])('%j', async (args, secret, named) => {
    const io = capture();
    expect(await main(args, io)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).not.toContain(secret);
    expect(io.stderr[0]).toMatch(named);
  });

  it('short words and numbers that cannot be a secret are still quoted', async () => {
    for (const value of ['x', 'decdoe', '-5', '99', '9F26', 'retial']) expect(quoted(value)).toBe(`'${value}'`);
    for (const value of ['1234', '123456789012', 'ABCDEF01', 'a'.repeat(17), 'tab\there']) expect(quoted(value)).not.toContain(value);
    const io = capture();
    expect(await main(['crypto', 'kcv', '--alg', 'des', '--key', key], io)).toBe(2);
    expect(io.stderr).toEqual(["pos crypto: --alg 'des': expected tdes|aes"]);
  });
});
