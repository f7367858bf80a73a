// Wrong PINs count per card, once per request: a retransmission (same request key) is not another try.
import { describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import { encipherPinBlock } from '../../protocols/crypto/index.js';
import { testDatabases } from './databases.js';
import { switchWithTerminal } from './harness.js';

const pan = '5555555555554444';

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`PIN tries on ${database.name}`, () => {
    let t: IsoClient;
    switchWithTerminal(database, (_sw, client) => {
      t = client;
    });

    it('a wrong PIN sent three times as the same request is one try; the right PIN then approves', async () => {
      const withPin = (pin: string, amount: number) =>
        t.message('0200', { '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '021', '25': '00', '26': '12', '49': '156', '52': encipherPinBlock(t.tpk!, { format: 0, pin, pan }) });
      const wrong = withPin('9999', 1500);
      const bytes = t.pack(wrong);
      for (let i = 0; i < 3; i++) expect((await t.sendRaw(bytes, wrong.getString('11')!)).getString('39')).toBe('55');
      expect((await t.send(withPin('1234', 1600))).getString('39')).toBe('00');
      // Three distinct wrong requests do count: the third answers 75.
      expect((await t.send(withPin('9999', 1700))).getString('39')).toBe('55');
      expect((await t.send(withPin('9999', 1800))).getString('39')).toBe('55');
      expect((await t.send(withPin('9999', 1900))).getString('39')).toBe('75');
    });

    // Review of session 12: a forced .55 with the right PIN answered 55 and cleared the wrong tries.
    it('an answer forced by the cents counts no PIN try and clears none', async () => {
      const other = '4111111111111111';
      const withPin = (pin: string, amount: number) =>
        t.message('0200', { '2': other, '3': '000000', '4': amount, '14': '3012', '22': '021', '25': '00', '26': '12', '49': '156', '52': encipherPinBlock(t.tpk!, { format: 0, pin, pan: other }) });
      expect((await t.send(withPin('9999', 1500))).getString('39')).toBe('55');
      expect((await t.send(withPin('9999', 1600))).getString('39')).toBe('55');
      expect((await t.send(withPin('1234', 1755))).getString('39')).toBe('55');
      expect((await t.send(withPin('1234', 1751))).getString('39')).toBe('51');
      expect((await t.send(withPin('9999', 1800))).getString('39')).toBe('75');
    });
  });
}
