import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import {
  aesDukptKeys,
  applicationCryptogram,
  decipherPinBlock,
  encipherPinBlock,
  encodeKeyExchange,
  messageMac,
  tdesDukptKeys,
  unwrapWorkingKeys,
} from '../../protocols/crypto/index.js';
import { testCards } from '../../protocols/testcards.js';
import { createSimulatedHsm, HsmError } from '../../switch/hsm/index.js';

const lmk = fromHex('9F2C6B1D0E4A5837C2B1F0E9D8C7B6A5948372615F4E3D2C1B0A998877665544');
const tmk = fromHex('0123456789ABCDEFFEDCBA9876543210');
const bdk = fromHex('0123456789ABCDEFFEDCBA9876543210'); // X9.24 test BDK (CONTRACTS.md)
const aesBdk = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1'); // X9.24-3 test BDK
const pvk = fromHex('0123456789ABCDEFFEDCBA9876543210'); // psec PVV test key
const zpk = fromHex('A1B2C3D4E5F60718293A4B5C6D7E8F90');
const imk = fromHex('0123456789ABCDEFFEDCBA9876543210'); // pyemv IMK-AC
const pan = testCards.visa.pan;
const pin = '4826';

/** Captures everything a debug-level pino logger writes. */
function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  return { logger: pino({ level: 'debug', base: null, timestamp: false }, stream), text: () => lines.join('') };
}

async function setup() {
  const log = captureLogger();
  const hsm = createSimulatedHsm({ lmk, logger: log.logger });
  await hsm.importKey('tmk:T1', 'TMK', tmk);
  await hsm.importKey('bdk', 'BDK', bdk);
  await hsm.importKey('bdk-aes', 'BDK', aesBdk, 'aes');
  await hsm.importKey('pvk', 'PVK', pvk);
  await hsm.importKey('zpk', 'ZPK', zpk);
  await hsm.importKey('imk', 'IMK-AC', imk);
  return { hsm, log };
}

describe('SimulatedHsm', () => {
  it('imports keys and reports id, usage, algorithm and KCV only', async () => {
    const { hsm } = await setup();
    expect(hsm.keyInfo('tmk:T1')).toEqual({ id: 'tmk:T1', usage: 'TMK', algorithm: 'tdes', kcv: '08D7B4' }); // the X9.24 test key's well-known KCV (2-byte form 08D7 in pyemv)
    expect(hsm.keyInfo('bdk-aes')?.algorithm).toBe('aes');
    expect(hsm.keyInfo('missing')).toBeUndefined();
    await expect(hsm.importKey('bad', 'TPK', Buffer.alloc(15))).rejects.toThrow('key bad: 15 bytes, expected 16, 24 for tdes');
    expect(() => createSimulatedHsm({ lmk: Buffer.alloc(16) })).toThrow('LMK: 16 bytes, expected 32 (AES-256)');
  });

  it('sign-on: working keys under the TMK that the terminal unwraps (KCVs checked), then MACs both ways', async () => {
    const { hsm } = await setup();
    const tpk = await hsm.generateWorkingKey('TPK', 'tmk:T1', 'tpk:T1:1');
    const tak = await hsm.generateWorkingKey('TAK', 'tmk:T1', 'tak:T1:1');
    expect(toHex(tpk.kcv)).toBe(hsm.keyInfo('tpk:T1:1')!.kcv);
    const de96 = encodeKeyExchange({ tpkUnderTmk: tpk.underKek, tpkKcv: tpk.kcv, takUnderTmk: tak.underKek, takKcv: tak.kcv });
    const terminal = unwrapWorkingKeys(de96, tmk);
    const message = Buffer.from('0200 packed message bytes', 'latin1');
    const mac = messageMac(terminal.tak, message);
    expect(await hsm.verifyMac('tak:T1:1', message, mac)).toBe(true);
    expect(await hsm.verifyMac('tak:T1:1', Buffer.concat([message, Buffer.from([1])]), mac)).toBe(false);
    expect(await hsm.generateMac('tak:T1:1', message)).toEqual(mac);
    // a PIN block under the TPK the terminal received
    const pvv = await hsm.issuePvv('pvk', pan, 1, pin);
    const block = encipherPinBlock(terminal.tpk, { format: 0, pin, pan });
    expect(await hsm.verifyPin({ pan, format: 0, pinBlock: block, key: { tpk: 'tpk:T1:1' }, pvkId: 'pvk', pvki: 1, pvv })).toBe('right');
  });

  it('a key replaced under the same id is used from then on (the unwrapped copy it held is dropped)', async () => {
    const { hsm } = await setup();
    const message = Buffer.from('0200 packed message bytes', 'latin1');
    const signOn = async () => {
      const tak = await hsm.generateWorkingKey('TAK', 'tmk:T1', 'tak:T1');
      const tpk = await hsm.generateWorkingKey('TPK', 'tmk:T1', 'tpk:T1');
      return unwrapWorkingKeys(encodeKeyExchange({ tpkUnderTmk: tpk.underKek, tpkKcv: tpk.kcv, takUnderTmk: tak.underKek, takKcv: tak.kcv }), tmk).tak;
    };
    const first = await signOn();
    expect(await hsm.generateMac('tak:T1', message)).toEqual(messageMac(first, message));
    const second = await signOn();
    expect(second).not.toEqual(first);
    expect(await hsm.generateMac('tak:T1', message)).toEqual(messageMac(second, message));
    expect(await hsm.verifyMac('tak:T1', message, messageMac(first, message))).toBe(false);
    expect(await hsm.verifyMac('tak:T1', message, messageMac(second, message))).toBe(true);
  });

  it('PVV issuance matches psec (PVK 0123…3210, PVKI 1, PIN 4524, PAN 1122334455667788 → 8523)', async () => {
    const { hsm } = await setup();
    expect(await hsm.issuePvv('pvk', '1122334455667788', 1, '4524')).toBe('8523');
  });

  it('verifies DUKPT PIN blocks (TDES format 0 and AES format 4) against the PVV; wrong PIN, garbage and a KSN naming no key each say so', async () => {
    const { hsm } = await setup();
    const pvv = await hsm.issuePvv('pvk', pan, 1, pin);
    const ksn = fromHex('FFFF9876543210E00001');
    const pinKey = tdesDukptKeys(bdk, ksn).pin;
    const check = (pinBlock: Buffer, key = { bdk: 'bdk', ksn }) => hsm.verifyPin({ pan, format: 0, pinBlock, key, pvkId: 'pvk', pvki: 1, pvv });
    expect(await check(encipherPinBlock(pinKey, { format: 0, pin, pan }))).toBe('right');
    expect(await check(encipherPinBlock(pinKey, { format: 0, pin: '4827', pan }))).toBe('wrong');
    expect(await check(Buffer.alloc(8, 0x5a))).toBe('undecodable');
    expect(await check(encipherPinBlock(pinKey, { format: 0, pin, pan }), { bdk: 'bdk', ksn: ksn.subarray(0, 8) })).toBe('no-key');
    // X9.24-1 derives no key for a counter of 0 or one with more than 10 one-bits (0x1FFFFF has 21).
    expect(await check(Buffer.alloc(8, 0x5a), { bdk: 'bdk', ksn: fromHex('FFFF9876543210FFFFFF') })).toBe('no-key');
    expect(await check(Buffer.alloc(8, 0x5a), { bdk: 'bdk', ksn: fromHex('FFFF9876543210E00000') })).toBe('no-key');
    const aesKsn = fromHex('123456789012345600000001');
    const aesBlock = encipherPinBlock(aesDukptKeys(aesBdk, aesKsn).pinEncryption, { format: 4, pin, pan });
    expect(await hsm.verifyPin({ pan, format: 4, pinBlock: aesBlock, key: { bdk: 'bdk-aes', ksn: aesKsn }, pvkId: 'pvk', pvki: 1, pvv })).toBe('right');
  });

  it('translates a DUKPT PIN block to the ZPK', async () => {
    const { hsm } = await setup();
    const ksn = fromHex('FFFF9876543210E00002');
    const block = encipherPinBlock(tdesDukptKeys(bdk, ksn).pin, { format: 0, pin, pan });
    const out = await hsm.translatePin({ pan, format: 0, pinBlock: block, key: { bdk: 'bdk', ksn }, zpkId: 'zpk' });
    expect(decipherPinBlock(zpk, out, 0, pan)).toBe(pin);
    await expect(hsm.translatePin({ pan, format: 0, pinBlock: Buffer.alloc(8), key: { bdk: 'bdk', ksn }, zpkId: 'zpk' })).rejects.toThrow(HsmError);
  });

  // pyemv tests/test_cvn_hsm.py: IMK 0123…3210, PAN 1234567890123456, PSN 00, ATC 001C
  it('ARQC verify and ARPC per recipe: Visa CVN 18 method 2 (9AF514C1), Mastercard CVN 16 method 1 (73F6BBF389A6586C)', async () => {
    const { hsm } = await setup();
    const common = { imkId: 'imk', pan: '1234567890123456', psn: '00', atc: fromHex('001C') };
    const visaData = Buffer.concat(['000000004000', '000000000000', '0124', '8000048000', '0124', '191105', '01', '52BF4585', '1800', '001C', '06011203A0B800'].map((v) => fromHex(v)));
    const visa = { ...common, recipe: testCards.visa.recipe, unpredictableNumber: fromHex('52BF4585'), arqc: fromHex('7A788EA6B8A3E733') };
    expect(await hsm.verifyArqc({ ...visa, data: visaData })).toBe(true);
    expect(await hsm.verifyArqc({ ...visa, data: Buffer.concat([visaData, Buffer.from([1])]) })).toBe(false);
    expect(toHex(await hsm.generateArpc(visa, { method: 2, csu: fromHex('00000000') }))).toBe('9AF514C1' + '00000000');
    const mc = { ...common, recipe: testCards.mastercard.recipe, unpredictableNumber: fromHex('ABCDEF12'), arqc: fromHex('24CCF3DEE3158C70') };
    expect(toHex(await hsm.generateArpc(mc, { method: 1, arc: fromHex('0010') }))).toBe('73F6BBF389A6586C' + '0010');
  });

  it('verifies the ARQC a virtual test card computes with its profile IMK', async () => {
    const { hsm } = await setup();
    for (const card of Object.values(testCards)) {
      await hsm.importKey(`imk:${card.id}`, 'IMK-AC', fromHex(card.imk));
      const input = { recipe: card.recipe, pan: card.pan, psn: card.psn, atc: fromHex('0011'), unpredictableNumber: fromHex('01020304'), data: fromHex('000000001000000000000000015600000000000156260101000102030400000011') };
      const arqc = applicationCryptogram({ ...input, imk: fromHex(card.imk) });
      expect(await hsm.verifyArqc({ ...input, imkId: `imk:${card.id}`, arqc })).toBe(true);
    }
  });

  it('refuses unknown keys and keys used for another purpose', async () => {
    const { hsm } = await setup();
    await hsm.generateWorkingKey('TPK', 'tmk:T1', 'tpk');
    await expect(hsm.generateMac('tpk', Buffer.alloc(8))).rejects.toThrow('key tpk: usage TPK, expected TAK');
    await expect(hsm.generateMac('nope', Buffer.alloc(8))).rejects.toThrow('key nope: not found');
    await expect(hsm.generateWorkingKey('TAK', 'zpk', 'x')).rejects.toThrow('key zpk: usage ZPK, expected TMK');
    expect(hsm.keyInfo('x')).toBeUndefined();
  });

  it('nothing secret is readable from outside: JSON, inspect and the debug log show ids, usages and KCVs only', async () => {
    const { hsm, log } = await setup();
    const tak = await hsm.generateWorkingKey('TAK', 'tmk:T1', 'tak');
    const tpk = await hsm.generateWorkingKey('TPK', 'tmk:T1', 'tpk');
    const pvv = await hsm.issuePvv('pvk', pan, 1, pin);
    const ksn = fromHex('FFFF9876543210E00003');
    const pinBlock = encipherPinBlock(tdesDukptKeys(bdk, ksn).pin, { format: 0, pin, pan });
    await hsm.verifyPin({ pan, format: 0, pinBlock, key: { bdk: 'bdk', ksn }, pvkId: 'pvk', pvki: 1, pvv });
    await hsm.translatePin({ pan, format: 0, pinBlock, key: { bdk: 'bdk', ksn }, zpkId: 'zpk' });
    await hsm.generateMac('tak', Buffer.from('data'));
    const terminalKeys = unwrapWorkingKeys(encodeKeyExchange({ tpkUnderTmk: tpk.underKek, tpkKcv: tpk.kcv, takUnderTmk: tak.underKek, takKcv: tak.kcv }), tmk);

    const secrets = [lmk, tmk, bdk, aesBdk, pvk, zpk, imk, terminalKeys.tak, terminalKeys.tpk, pinBlock, encipherPinBlock(Buffer.alloc(16), { format: 0, pin, pan })].map(toHex);
    const visible = [JSON.stringify(hsm), inspect(hsm, { showHidden: true, depth: Infinity }), String(hsm), log.text()];
    for (const text of visible) {
      for (const secret of secrets) {
        expect(text.toUpperCase()).not.toContain(secret);
        expect(text.toUpperCase()).not.toContain(secret.slice(0, 16)); // either half of a key
        expect(text.toUpperCase()).not.toContain(secret.slice(-16));
      }
      expect(text).not.toMatch(new RegExp(`["':= ]${pin}\\b`));
      expect(text).not.toContain(pan);
    }
    expect(log.text()).toContain('"hsm":"verifyPin"');
    expect(log.text()).toContain('476173******0010');
    expect(JSON.parse(JSON.stringify(hsm)).keys.map((k: { id: string }) => k.id)).toContain('tak');
  });
});
