// Which DUKPT PIN blocks use their PIN pad's counter and count a PIN try (review of cedbf99/0c8e9ee):
// only a block of a kind whose PIN is verified, and only one that deciphered to a well-formed ISO 9564
// format 0 block. A KSN no X9.24-1 key exists for is a format error (30) and records nothing; a junk
// block is 55 but neither a try nor a counter; an advice's DE52 is ignored; a journal refusal answers
// only 37 and 39. On both journals.
import { afterAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { dukptPinBlock, ksnOf, terminal, terminalIds, testSwitch } from './harness.js';

const pan = '4111111111111111';
const account = 'card:4111111111';
const pinBlockOf = (ksn: Buffer, pin: string) => dukptPinBlock(ksn, pin, pan);
const pinMsg = (t: IsoClient, mti: string, amount: number, ksn: Buffer, block: Buffer, code3 = '000000') =>
  t.message(mti, { '2': pan, '3': code3, ...(amount ? { '4': amount } : {}), '14': '3012', '22': '011', '25': '00', '26': '12', '49': '156', '52': block, '53': ksn });
const code = (answer: { getString(path: string): string | undefined }) => answer.getString('39');

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`DUKPT PIN use on ${database.name}`, () => {
    const switches: RunningSwitch[] = [];
    const clients: IsoClient[] = [];
    const start = async (count = 1) => {
      const sw = await testSwitch(database.url());
      switches.push(sw);
      const ts: IsoClient[] = [];
      for (let i = 0; i < count; i++) ts.push(await terminal(sw, terminalIds[i]!));
      clients.push(...ts);
      return { sw, ts };
    };
    afterAll(async () => {
      for (const client of clients) await client.close();
      for (const sw of switches) await sw.stop();
      await database.cleanup();
    });

    it('an advice (0220) carrying a captured right-PIN block is booked as an advice, its DE52 unused: no counter, no reset of the wrong-PIN count', async () => {
      const { sw, ts: [t] } = await start();
      const device = 'FFFF9876543299E00000';
      const captured = ksnOf(device, 80);
      const block = pinBlockOf(captured, '1234');
      expect(code(await t!.send(pinMsg(t!, '0200', 1000, captured, block)))).toBe('00');
      expect(code(await t!.send(pinMsg(t!, '0200', 1000, captured, block)))).toBe('63');
      expect(code(await t!.send(pinMsg(t!, '0200', 1000, ksnOf(device, 81), pinBlockOf(ksnOf(device, 81), '0000'))))).toBe('55');
      const before = (await sw.store.balance(account))!;
      // Booked as any advice is (the terminal approved it offline); the block proves nothing and resets nothing.
      expect(code(await t!.send(pinMsg(t!, '0220', 5000, captured, block)))).toBe('00');
      expect(await sw.store.balance(account)).toBe(before - 5000);
      // Nor does an advice use a counter: the next one of the pad still passes after an advice with a higher one.
      expect(code(await t!.send(pinMsg(t!, '0220', 100, ksnOf(device, 90), pinBlockOf(ksnOf(device, 90), '1234'))))).toBe('00');
      expect(await sw.store.highestKsnCounter(device)).toBe(81);
      expect(code(await t!.send(pinMsg(t!, '0200', 1000, ksnOf(device, 82), pinBlockOf(ksnOf(device, 82), '1111'))))).toBe('55');
      expect(code(await t!.send(pinMsg(t!, '0200', 1000, ksnOf(device, 83), pinBlockOf(ksnOf(device, 83), '2222'))))).toBe('75');
    });

    it('a KSN no key is derived for is 30 and a junk block 55, neither recording a counter nor counting a try: no terminal can block a PIN pad or a card', async () => {
      const { sw, ts: [honest, other] } = await start(2);
      const device = 'FFFF9876543298E00000';
      expect(code(await honest!.send(pinMsg(honest!, '0200', 1000, ksnOf(device, 1), pinBlockOf(ksnOf(device, 1), '1234'))))).toBe('00');
      const junk = Buffer.alloc(8, 0xab);
      // 0x1FFFFF (21 one-bits) and 0x7FF (11) exceed X9.24-1's 10; 0 names the initial key, never a transaction's.
      for (const counter of [0x1fffff, 0x7ff, 0]) expect(code(await other!.send(pinMsg(other!, '0200', 1, ksnOf(device, counter), junk))), `counter ${counter}`).toBe('30');
      // A 12-byte (AES DUKPT) KSN under the switch's TDES BDK, and a KSN of neither length.
      expect(code(await other!.send(pinMsg(other!, '0200', 1, Buffer.from('FFFF98765432980000FFFFFF', 'hex'), junk)))).toBe('30');
      expect(code(await other!.send(pinMsg(other!, '0200', 1, Buffer.from('FFFF9876543298', 'hex'), junk)))).toBe('30');
      // A counter a key exists for, with a block that does not decipher under it: 55, more than three times, no try counted.
      for (let i = 0; i < 4; i++) expect(code(await other!.send(pinMsg(other!, '0200', 1, ksnOf(device, 0x100 + i), junk)))).toBe('55');
      expect(await sw.store.highestKsnCounter(device)).toBe(1);
      expect(code(await honest!.send(pinMsg(honest!, '0200', 1000, ksnOf(device, 2), pinBlockOf(ksnOf(device, 2), '1234'))))).toBe('00');
    });

    it('a replayed balance inquiry (63) answers no balance: a refusal carries only 37 and 39 of its own', async () => {
      const { ts: [t] } = await start();
      const ksn = ksnOf('FFFF9876543277E00000', 5);
      const block = pinBlockOf(ksn, '1234');
      const first = await t!.send(pinMsg(t!, '0200', 0, ksn, block, '310000'));
      expect([code(first), first.has('54')]).toEqual(['00', true]);
      const replay = await t!.send(pinMsg(t!, '0200', 0, ksn, block, '310000'));
      expect(code(replay)).toBe('63');
      expect(replay.has('54')).toBe(false);
      expect(replay.has('38')).toBe(false);
      expect(replay.getString('37')).toMatch(/^\d{12}$/);
    });
  });
}
