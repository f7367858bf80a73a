import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

async function pos(...args: string[]) {
  const io = capture();
  const code = await main(['crypto', ...args], io);
  return { code, out: io.stdout.join(''), err: io.stderr, json: () => JSON.parse(io.stdout.join('')) };
}

describe('pos crypto', () => {
  it('dukpt, TDES: X9.24-1:2009 A.4 IPEK and transaction key of KSN …E00001', async () => {
    const r = await pos('dukpt', '--bdk', '0123456789ABCDEFFEDCBA9876543210', '--ksn', 'FFFF9876543210E00001');
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ type: 'tdes', counter: 1, ipek: '6AC292FAA1315B4D858AB3A3D7D5933A', transactionKey: '042666B49184CFA368DE9628D0397BC9' });
  });

  it('dukpt, AES-128 and AES-256: X9.24-3-2017 initial keys and counter-1 PIN keys', async () => {
    const aes128 = await pos('dukpt', '--type', 'aes128', '--bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1', '--ksn', '123456789012345600000001');
    expect(aes128.json()).toMatchObject({ initialKey: '1273671EA26AC29AFA4D1084127652A1', pinEncryption: 'AF8CB133A78F8DC2D1359F18527593FB' });
    const aes256 = await pos('dukpt', '--type', 'aes256', '--bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1', '--ksn', '123456789012345600000001');
    expect(aes256.json().pinEncryption).toBe('8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502');
  });

  it('pinblock encode/decode (X9.24 A.4 clear block; psec format 0 vector)', async () => {
    const encoded = await pos('pinblock', 'encode', '--format', '0', '--pin', '1234', '--pan', '4012345678909');
    expect(encoded.json()).toEqual({ format: 0, clear: '041274EDCBA9876F' });
    const decoded = await pos('pinblock', 'decode', '--format', '0', '--block', '041261AAAAEDCBA9', '--pan', '5555555551234567');
    expect(decoded.json()).toEqual({ format: 0, pin: '1234' });
    // ep2 format 4 vector (psec test_decipher_pinblock_iso_4)
    const four = await pos('pinblock', 'decode', '--format', '4', '--key', 'C1D0F8FB4958670DBA40AB1F3752EF0D', '--block', 'CC17F65586BFD0953010226C4FC5B3CA', '--pan', '432198765432109870');
    expect(four.json().pin).toBe('1234');
    const roundTrip = await pos('pinblock', 'encode', '--format', '4', '--pin', '9876', '--pan', '4111111111111111', '--key', 'AF8CB133A78F8DC2D1359F18527593FB');
    const back = await pos('pinblock', 'decode', '--format', '4', '--block', roundTrip.json().enciphered, '--pan', '4111111111111111', '--key', 'AF8CB133A78F8DC2D1359F18527593FB');
    expect(back.json().pin).toBe('9876');
  });

  it('mac: retail/cbc (psec test_mac.py) and cmac (RFC 4493 example 2)', async () => {
    const data = Buffer.from('hello world').toString('hex');
    expect((await pos('mac', '--alg', 'retail', '--key', '41414141414141414242424242424242', '--padding', '2', '--data', data)).json().mac).toBe('E16941032C3BC7D4');
    expect((await pos('mac', '--alg', 'cbc', '--key', 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB', '--padding', '3', '--data', data)).json().mac).toBe('CDACA53E2DAA5412');
    expect((await pos('mac', '--alg', 'cmac', '--key', '2b7e151628aed2a6abf7158809cf4f3c', '--data', '6bc1bee22e409f96e93d7e117393172a')).json().mac).toBe('070A16B46B4D4144F79BDD9DD04A287C');
  });

  it("mac of the empty message: --data '' (RFC 4493 example 1), while no --data stays an error", async () => {
    const empty = await pos('mac', '--alg', 'cmac', '--key', '2b7e151628aed2a6abf7158809cf4f3c', '--data', '');
    expect(empty.code).toBe(0);
    expect(empty.json().mac).toBe('BB1D6929E95937287FA37D129B756746');
    const absent = await pos('mac', '--alg', 'cmac', '--key', '2b7e151628aed2a6abf7158809cf4f3c');
    expect(absent.code).toBe(2);
    expect(absent.err.join('')).toContain('missing --data');
  });

  it('kcv and emv (pyemv base case: ICC MK KCV 1DA5, SK KCV 0995, ARQC 4B46013359B7A58B, ARPC 1 F8C9CECAABD55AD1, ARPC 2 4962B76C)', async () => {
    expect((await pos('kcv', '--key', '0123456789ABCDEFFEDCBA9876543210', '--length', '2')).json()).toEqual({ kcv: '08D7' });
    const mk = (await pos('emv', 'derive-icc-key', '--imk', '0123456789ABCDEFFEDCBA9876543210', '--pan', '9901234567890123', '--psn', '45')).json();
    expect(mk.kcv.slice(0, 4)).toBe('1DA5');
    const sk = (await pos('emv', 'session-key', '--mk', mk.iccMasterKey, '--r', '1234567890123456')).json();
    expect(sk.kcv.slice(0, 4)).toBe('0995');
    const arqc = (await pos('emv', 'arqc', '--key', sk.sessionKey, '--data', '0123456789ABCDEF0123456789ABCDEF', '--verify', '4B46013359B7A58B')).json();
    expect(arqc).toEqual({ arqc: '4B46013359B7A58B', padding: 2, verified: true });
    const wrong = await pos('emv', 'arqc', '--key', sk.sessionKey, '--data', '0123456789ABCDEF0123456789ABCDEF', '--verify', '4B46013359B7A58C');
    expect([wrong.code, wrong.json().verified]).toEqual([1, false]); // a script sees the failed check in the exit code
    expect((await pos('emv', 'arpc', '--key', mk.iccMasterKey, '--arqc', '4B46013359B7A58B', '--arc', '0000')).json().arpc).toBe('F8C9CECAABD55AD1');
    const arpc2 = (await pos('emv', 'arpc', '--key', sk.sessionKey, '--arqc', '4B46013359B7A58B', '--csu', '00000000', '--pad', '1234567890ABCDEF')).json();
    expect(arpc2).toEqual({ method: 2, arpc: '4962B76C', tag91: '4962B76C000000001234567890ABCDEF' });
    // pyemv CVN 16 session key with UN (KCV checked through the calculator's own path)
    const mc = (await pos('emv', 'session-key', '--mk', mk.iccMasterKey, '--atc', '001C', '--un', 'ABCDEF12')).json();
    expect(mc.method).toBe('mastercard-skd');
  });

  it('tr31 wrap then unwrap; unwrap of the TR-31:2018 A.7.4 block', async () => {
    const kbpk = '88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6';
    const published = 'D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34';
    expect((await pos('tr31', 'unwrap', '--kbpk', kbpk, '--block', published)).json()).toMatchObject({ key: '3F419E1CB7079442AA37474C2EFBF8B8', kcv: '08793E' });
    const wrapped = (await pos('tr31', 'wrap', '--kbpk', kbpk, '--key', '0123456789ABCDEFFEDCBA9876543210', '--usage', 'K0', '--algorithm', 'T', '--mode', 'B')).json();
    expect(wrapped.keyBlock).toMatch(/^D0112K0TB00E0000[0-9A-F]{96}$/);
    expect((await pos('tr31', 'unwrap', '--kbpk', kbpk, '--block', wrapped.keyBlock)).json()).toMatchObject({ key: '0123456789ABCDEFFEDCBA9876543210', kcv: '08D7B4' });
  });

  it('bad input: one line on stderr, exit 2, naming the option and never echoing keys', async () => {
    const cases: [string[], string][] = [
      [['dukpt', '--bdk', '0123456789ABCDEFFEDCBA987654321', '--ksn', 'FFFF9876543210E00001'], 'pos crypto: --bdk: odd number of hex digits (31)'],
      [['dukpt', '--bdk', '0123456789ABCDEFFEDCBA98765432', '--ksn', 'FFFF9876543210E00001'], 'pos crypto: BDK: 15 bytes, expected 16'],
      [['pinblock', 'encode', '--format', '0', '--pin', '123', '--pan', '4012345678909'], 'pos crypto: PIN: 3 digits, expected 4 to 12'],
      [['pinblock', 'encode', '--format', '2', '--pin', '1234'], "pos crypto: --format '2': expected 0|1|3|4"],
      [['mac', '--alg', 'retail', '--key', 'AABBCCDDEEFF001122', '--data', '00'], 'pos crypto: key: 9 bytes, expected 16'],
      [['mac', '--alg', 'sha', '--key', '00', '--data', '00'], "pos crypto: --alg 'sha': expected retail|cbc|cmac"],
      [['kcv'], 'pos crypto: missing --key'],
      [['emv', 'arqc', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', 'zz'], 'pos crypto: --data: not a hex digit at character 0'],
      [['tr31', 'unwrap', '--kbpk', '88E1AB2A2E3DD38C1FA039A536500CC8', '--block', 'D0016P0AE00E0000'], 'pos crypto: TR-31 key block: encrypted payload of 0 bytes is not a positive multiple of 16'],
      [['tr31', 'explode', '--kbpk', '00'], "pos crypto: unknown tr31 action 'explode' (wrap|unwrap)"],
    ];
    for (const [args, line] of cases) {
      const r = await pos(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toEqual([line]);
    }
    const unknown = await pos('dukpt', '--nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toHaveLength(1);
    expect(unknown.err[0]).toMatch(/^pos crypto: Unknown option '--nope'/);
  });

  it('each --help shows an example; the real binary exits 2 on bad input', async () => {
    for (const action of ['dukpt', 'pinblock', 'mac', 'kcv', 'emv', 'tr31']) {
      const r = await pos(action, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/example:\n {2}pos crypto /);
    }
    const result = spawnSync('node', ['cli/pos.mjs', 'crypto', 'kcv', '--key', 'ABC'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('pos crypto: --key: odd number of hex digits (3)');
    const ok = spawnSync('node', ['cli/pos.mjs', 'crypto', 'kcv', '--key', '0123456789ABCDEFFEDCBA9876543210'], { encoding: 'utf8' });
    expect(JSON.parse(ok.stdout)).toEqual({ kcv: '08D7B4' });
  });

  it.each([
    [['kcv', '--key', '0123456789ABCDEFFEDCBA9876543210', '--length', '50'], "--length: a whole number from 1 to 8 bytes (DES block), got '50'"],
    [['kcv', '--alg', 'aes', '--key', '0123456789ABCDEFFEDCBA9876543210', '--length', '17'], "--length: a whole number from 1 to 16 bytes (AES block), got '17'"],
    [['mac', '--alg', 'retail', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', '00', '--length', '9'], "--length: a whole number from 4 to 8 bytes (DES block), got '9'"],
    [['mac', '--alg', 'cmac', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', '00', '--length', '3'], "--length: a whole number from 4 to 16 bytes (AES block), got '3'"],
  ])('a --length the key cannot give is refused naming --length: %j', async (args, message) => {
    const io = capture();
    expect(await main(['crypto', ...args], io)).toBe(2);
    expect(io.stderr).toEqual([`pos crypto: ${message}`]);
  });
});
