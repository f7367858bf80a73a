// Transient failures inside the switch fail only the requests they touch; the switch keeps serving.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { GroupCommit } from '../../switch/group-commit.js';
import { createSimulatedHsm } from '../../switch/hsm/index.js';
import type { NewRow } from '../../switch/store/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { terminal, terminalIds, testSwitch } from './harness.js';

const sale = (t: Awaited<ReturnType<typeof terminal>>, amount: number) =>
  t.message('0200', { '2': '5555555555554444', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`switch resilience on ${database.name}`, () => {
    let sw: RunningSwitch | undefined;
    afterEach(async () => {
      await sw?.stop();
      sw = undefined;
    });
    afterAll(() => database.cleanup());

    it('a failed RRN reservation answers 96 to the requests waiting on it, and the next request reserves again', async () => {
      sw = await testSwitch(database.url());
      const store = sw.store;
      const reserve = store.reserveRrns.bind(store);
      let failures = 1;
      store.reserveRrns = async (size) => (failures-- > 0 ? Promise.reject(new Error('transient database error')) : reserve(size));
      const t = await terminal(sw);
      try {
        expect((await t.send(sale(t, 1000))).getString('39')).toBe('96');
        expect((await t.send(sale(t, 1001))).getString('39')).toBe('00');
      } finally {
        await t.close();
      }
    });

    it('a terminal whose key fails to load answers 96 without crashing the process, and loads again on its next request', async () => {
      const hsm = createSimulatedHsm({ lmk: randomBytes(32), logger: pino({ level: 'silent' }) });
      const importKey = hsm.importKey.bind(hsm);
      let failures = 1;
      hsm.importKey = (id, ...rest) => (id === `tmk:${terminalIds[1]}` && failures-- > 0 ? Promise.reject(new Error('HSM busy')) : importKey(id, ...rest));
      sw = await testSwitch(database.url(), { hsm });
      const t = await terminal(sw, terminalIds[1], false);
      try {
        expect((await t.send(t.message('0800', { '70': '001' }))).getString('39')).toBe('96');
        expect((await t.signOn()).getString('39')).toBe('00');
      } finally {
        await t.close();
      }
    });

    it('refuses to start with a terminal master key that is not 32 hex digits', async () => {
      await expect(testSwitch(database.url(), { terminals: [{ id: 'T0000009', merchantId: 'M00000000000001', tmk: 'ABC' }] })).rejects.toThrow(
        'terminal T0000009: tmk must be 32 hex digits',
      );
      await expect(testSwitch(database.url(), { enrollUnknown: { tmk: 'not hex' } })).rejects.toThrow('enrollUnknown: tmk must be 32 hex digits');
    });

    it('refuses (30) a control character in a journaled text field; the requests committed with it are not failed', async () => {
      sw = await testSwitch(database.url());
      const [t, other] = [await terminal(sw), await terminal(sw, terminalIds[1])];
      try {
        const innocent = Array.from({ length: 10 }, (_, i) => other.send(sale(other, 2000 + i * 100)));
        const wallet = t.message('0200', { '3': '000000', '4': 1000, '22': '031', '25': '00', '49': '156', '48.QR': '134567890123456789', '48.WS': 'X\u0000' });
        const [bad, ...good] = await Promise.all([t.send(wallet), ...innocent]);
        expect(bad!.getString('39')).toBe('30');
        expect(good.map((m) => m.getString('39'))).toEqual(good.map(() => '00'));
      } finally {
        await t.close();
        await other.close();
      }
    });

    it('a batch the journal refuses is committed again entry by entry: only the bad entry fails', async () => {
      sw = await testSwitch(database.url());
      const commits = new GroupCommit(sw.store, 1);
      const row = (stan: string): NewRow => ({
        terminalId: terminalIds[0]!, merchantId: 'M00000000000001', stan, transmitted: '1127120000', mti: '0200', kind: 'sale', processingCode: '000000',
        amount: 100, currency: '156', maskedPan: null, wallet: null, entryMode: '011', issuer: null, account: null, responseCode: '00',
        authCode: null, rrn: null, debit: 0, originalId: null, answer: { '39': '00' }, fingerprint: `02:000000:100`,
      });
      // A NOT NULL column left null: refused by both databases, like PostgreSQL refuses a NUL in TEXT.
      const bad = { ...row('000099'), merchantId: null as unknown as string };
      const results = await Promise.allSettled([row('000001'), bad, row('000002'), row('000003')].map((r) => commits.submit({ row: r, effects: [] })));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(await sw.store.byKey(terminalIds[0]!, '000003', '1127120000', '0200')).toBeDefined();
      await commits.drain();
    });

    it('routes only the four wallets of DE48 WS; any other answers 15 (no such issuer)', async () => {
      sw = await testSwitch(database.url());
      const t = await terminal(sw);
      try {
        const code = (wallet: string, qr = '134567890123456789') => t.message('0200', { '3': '000000', '4': 1200, '22': '031', '25': '00', '49': '156', '48.QR': qr, '48.WS': wallet });
        expect((await t.send(code('PAYPALX'))).getString('39')).toBe('15');
        expect(await sw.store.balance('wallet:PAYPALX:13')).toBeUndefined();
        expect((await t.send(code('ALIPAY', '284567890123456789'))).getString('39')).toBe('00');
      } finally {
        await t.close();
      }
    });

    it('repeated sign-ons replace the terminal\'s working keys in the HSM instead of adding new ones', async () => {
      const hsm = createSimulatedHsm({ lmk: randomBytes(32), logger: pino({ level: 'silent' }) });
      const workingKeys = () => hsm.toJSON().keys.filter((key) => /^t[ap]k:/.test(key.id)).length;
      sw = await testSwitch(database.url(), { hsm });
      const t = await terminal(sw);
      try {
        for (let i = 0; i < 10; i++) expect((await t.signOn(i % 2 ? '101' : '001')).getString('39')).toBe('00');
        expect(workingKeys()).toBe(2); // the current TPK and TAK: each sign-on's pair replaced the last
        expect((await t.send(sale(t, 1100))).getString('39')).toBe('00');
        expect((await t.send(t.message('0800', { '70': '002' }))).getString('39')).toBe('00');
        expect(workingKeys()).toBe(0);
      } finally {
        await t.close();
      }
    });
  });
}
