import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

async function pos(...args: string[]) {
  const io = capture();
  const code = await main(['crypto', ...args], io);
  return { code, out: io.stdout.join(''), err: io.stderr.join('') };
}

const aesKey = '2B7E151628AED2A6ABF7158809CF4F3C'; // RFC 4493 key

describe('pos crypto: options an action does not read are refused, not ignored', () => {
  it('kcv --type aes (the option is --alg) is refused; before it printed the TDES check value of the AES key', async () => {
    const r = await pos('kcv', '--key', aesKey, '--type', 'aes');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^pos crypto: --type: not an option of pos crypto kcv \(it takes --key --alg --length\)\n?$/);
  });

  it('options of another action, --padding with cmac, and excluded pairs are one line, exit 2', async () => {
    for (const args of [
      ['pinblock', 'decode', '--format', '0', '--block', '041261AAAAEDCBA9', '--pan', '5555555551234567', '--pin', '9999'],
      ['mac', '--alg', 'cmac', '--key', aesKey, '--data', '', '--padding', '2'],
      ['emv', 'arpc', '--key', '0123456789ABCDEFFEDCBA9876543210', '--arqc', '4B46013359B7A58B', '--arc', '0000', '--csu', '00000000'],
      ['emv', 'session-key', '--mk', '0123456789ABCDEFFEDCBA9876543210', '--atc', '001C', '--r', '1234567890123456'],
      ['emv', 'arqc', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', '00', '--verify', '4B46'],
      ['tr31', 'unwrap', '--kbpk', aesKey, '--block', 'D0016P0AE00E0000', '--usage', 'P0'],
    ]) {
      const r = await pos(...args);
      expect([r.code, r.out], args.join(' ')).toEqual([2, '']);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('dukpt --working-key-type with a TDES KSN (--type tdes, or a 10-byte KSN) is refused, naming the option; it was ignored and the TDES keys printed', async () => {
    const bdk = '0123456789ABCDEFFEDCBA9876543210'; // X9.24-1 test BDK
    for (const args of [['--type', 'tdes', '--working-key-type', 'aes128'], ['--working-key-type', 'tdes2']]) {
      const r = await pos('dukpt', '--bdk', bdk, '--ksn', 'FFFF9876543210E00001', ...args);
      expect([r.code, r.out], args.join(' ')).toEqual([2, '']);
      expect(r.err, args.join(' ')).toMatch(/^pos crypto: --working-key-type: AES DUKPT only[^\n]*\n?$/);
    }
  });

  it('what an action reads still works: RFC 4493 example 1 (empty message) MAC bb1d6929…', async () => {
    const r = await pos('mac', '--alg', 'cmac', '--key', aesKey, '--data', '');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).mac).toBe('BB1D6929E95937287FA37D129B756746');
  });
});

describe('pos crypto dukpt: the last KSN of a device', () => {
  it('AES-128 counter FFFF0000 (X9.24-3-2017 supplement, via openemv/dukpt dukpt_aes128_test.c): keys printed, nextKsn null; it was refused as "exhausted"', async () => {
    const r = await pos('dukpt', '--bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1', '--ksn', '1234567890123456FFFF0000');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ counter: 0xffff0000, nextKsn: null, transactionKey: 'F6BA59389BD14A9855BE9727E7C52E3C' });
  });

  it('TDES counter 1FF800 (10 bits set, the highest): keys printed, nextKsn null', async () => {
    const r = await pos('dukpt', '--bdk', '0123456789ABCDEFFEDCBA9876543210', '--ksn', 'FFFF9876543210FFF800');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ counter: 0x1ff800, nextKsn: null, ipek: '6AC292FAA1315B4D858AB3A3D7D5933A' });
  });
});
