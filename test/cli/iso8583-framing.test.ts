import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

async function pos(...args: string[]) {
  const io = capture();
  const code = await main(['iso8583', ...args], io);
  return { code, out: io.stdout.join(''), err: io.stderr.join('') };
}

// 0800 echo (DE11 000001, DE70 301) in jPOS ISO87APackager layout, 45 bytes.
const echo = Buffer.from('0800' + '8020000000000000' + '0400000000000000' + '000001' + '301', 'ascii');
const echoHex = echo.toString('hex');

describe('pos iso8583 decode --framing / --header-bytes', () => {
  it('bytes after the one framed message are refused naming where, not dropped', async () => {
    const ok = await pos('decode', '--spec', 'iso87ascii', '--framing', 'binary2', `002D${echoHex}`);
    expect(ok.code).toBe(0);
    const extra = await pos('decode', '--spec', 'iso87ascii', '--framing', 'binary2', `002D${echoHex}00`);
    expect([extra.code, extra.out]).toEqual([2, '']);
    expect(extra.err.trim()).toBe('pos iso8583: --framing binary2: 1 bytes after the framed message (at byte 47); decode one message at a time');
    const two = await pos('decode', '--spec', 'iso87ascii', '--framing', 'ascii4', `30303435${echoHex}30303435${echoHex}`);
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/49 bytes after the framed message \(at byte 49\)/);
  });

  it('a length header announcing more than follows says so', async () => {
    const r = await pos('decode', '--spec', 'iso87ascii', '--framing', 'binary2', `002E${echoHex}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/2-byte length header announces more than the 45 bytes that follow it/);
  });

  it("--header-bytes takes a whole number only ('' and 0x2 were read as 0 and 2)", async () => {
    for (const value of ['', '0x2', '1.5', '65']) {
      const r = await pos('decode', '--spec', 'iso87ascii', '--header-bytes', value, echoHex);
      expect([r.code, r.out], value).toEqual([2, '']);
      expect(r.err, value).toMatch(/^pos iso8583: --header-bytes: a whole number from 0 to 64 bytes, got '/);
    }
    const header = await pos('decode', '--spec', 'iso87ascii', '--header-bytes', '2', `ABCD${echoHex}`);
    expect(JSON.parse(header.out).header).toBe('ABCD');
  });
});
