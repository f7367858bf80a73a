import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

const key = '0123456789ABCDEFFEDCBA9876543210';

async function crypto(...args: string[]) {
  const io = capture();
  return { code: await main(['crypto', ...args], io), out: io.stdout.join(''), err: io.stderr };
}

describe('pos crypto emv arqc --padding', () => {
  it('takes 1 or 2 only (3 was accepted: it shares the MAC list)', async () => {
    expect(await crypto('emv', 'arqc', '--key', key, '--data', '00', '--padding', '3')).toEqual({ code: 2, out: '', err: ["pos crypto: --padding '3': expected 1|2"] });
    expect(JSON.parse((await crypto('emv', 'arqc', '--key', key, '--data', '00')).out).padding).toBe(2);
    expect(JSON.parse((await crypto('mac', '--alg', 'retail', '--key', key, '--data', '00', '--padding', '3')).out).padding).toBe(3);
  });

  it('--help says the ARQC default (2) and the MAC default (1)', async () => {
    expect((await crypto('emv', '--help')).out).toMatch(/default 2 \(pos crypto mac's default is 1\)/);
    expect((await crypto('mac', '--help')).out).toMatch(/Padding defaults to 1/);
  });
});
