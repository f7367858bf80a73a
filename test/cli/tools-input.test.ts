// One input (an argument, or stdin with -) is capped at cli/io.ts inputLimit: 600 MB piped into
// `pos tlv decode -` ran 17 s and ended in V8's "Cannot create a string longer than …", exit 1.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inputLimit, readCapped } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

describe('input size', () => {
  it('stdin over the limit: one line naming stdin, exit 2', async () => {
    const io = capture('00'.repeat(inputLimit / 2) + '0');
    expect(await main(['tlv', 'decode', '-'], io)).toBe(2);
    expect(io.stderr).toEqual(['pos tlv: stdin: more than 4 MiB (the limit for one input)']);
  });

  it('the process reader stops at the limit instead of reading all', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield Buffer.alloc(64 * 1024, 0x30);
        }
      })(),
    );
    await expect(readCapped(endless)).rejects.toThrow('stdin: more than 4 MiB');
    expect(pulled).toBeLessThan(inputLimit / (64 * 1024) + 4);
    expect(await readCapped(Readable.from([Buffer.from('5A0'), Buffer.from('1')]))).toBe('5A01');
  });
});
