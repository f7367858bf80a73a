// Voids, refunds, reversals and completions against their originals: money goes back once, to the right account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { merchantId, originalDataElements, terminal, terminalIds, testSwitch, tmk } from './harness.js';

const mc = '5555555555554444';
const up = '6212345678901232';
const account = 'card:5555554444';
const sale = (t: IsoClient, amount: number, pan = mc, extra: Record<string, string | number | Buffer> = {}) =>
  t.message('0200', { '2': pan, '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156', ...extra });
const refundOf = (t: IsoClient, amount: number, rrn: string, pan = mc) => sale(t, amount, pan, { '3': '200000', '48.OR': rrn });
const voidOf = (t: IsoClient, rrn: string, amount = 1) => sale(t, amount, mc, { '3': '020000', '48.OR': rrn });
const reversalOf = (t: IsoClient, original: ReturnType<IsoClient['message']>) =>
  t.message('0400', {
    '2': original.getString('2')!, '3': original.getString('3')!, '4': Number(original.getString('4')), '22': '011',
    '90': originalDataElements(original),
  });

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`originals on ${database.name}`, () => {
    let sw: RunningSwitch;
    let t: IsoClient;
    let other: IsoClient;
    const balance = async (id = account) => (await sw.store.balance(id))!;
    beforeAll(async () => {
      sw = await testSwitch(database.url(), {
        terminals: [...terminalIds.map((id) => ({ id, merchantId, tmk })), { id: 'T0000009', merchantId: 'M00000000000002', tmk }],
      });
      t = await terminal(sw);
      // Another terminal of the same merchant, and one of another merchant.
      other = await terminal(sw, terminalIds[1]);
    });
    afterAll(async () => {
      await t?.close();
      await other?.close();
      await sw?.stop();
      await database.cleanup();
    });

    it('refuses (12) to void a sale that has refunds, and credits nothing', async () => {
      const start = await balance();
      const s = await t.send(sale(t, 10_000));
      const rrn = s.getString('37')!;
      expect((await t.send(refundOf(t, 10_000, rrn))).getString('39')).toBe('00');
      expect((await t.send(voidOf(t, rrn))).getString('39')).toBe('12');
      expect(await balance()).toBe(start);
    });

    // Review of session 12: the fingerprint took the void's amount after it became the original's, so another DE4 under the key was its repeat.
    it('a void repeated under its key with another DE4 is another request (94); with the same, the original answer', async () => {
      const s = await t.send(sale(t, 4_000));
      const v = voidOf(t, s.getString('37')!, 4_000);
      const first = await t.send(v);
      expect(first.getString('39')).toBe('00');
      const key = { stan: v.getString('11')!, transmitted: v.getString('7')! };
      const again = (amount: number) => t.message('0200', { '2': mc, '3': '020000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156', '48.OR': s.getString('37')! }, key);
      expect((await t.send(again(4_000))).getString('37')).toBe(first.getString('37'));
      expect((await t.send(again(1))).getString('39')).toBe('94');
    });

    it('a refund and a void of the same sale sent together: never both, and the balance follows what stood', async () => {
      const start = await balance();
      const s = await t.send(sale(t, 6_000));
      const rrn = s.getString('37')!;
      const [r, v] = await Promise.all([t.send(refundOf(t, 6_000, rrn)), t.send(voidOf(t, rrn))]);
      const codes = [r.getString('39'), v.getString('39')];
      expect(codes.filter((c) => c === '00')).toHaveLength(1);
      expect(await balance()).toBe(start);
    });

    // Review of session 12: reversed, a refunded sale left its refund counted against the merchant in a batch that never paid it the sale.
    it('a refunded sale is not reversed (12, nothing moves, as for a void); reversing the refund, then the sale, nets to zero', async () => {
      const start = await balance();
      const s = sale(t, 7_000);
      const answer = await t.send(s);
      const refund = refundOf(t, 3_000, answer.getString('37')!);
      expect((await t.send(refund)).getString('39')).toBe('00');
      expect(await balance()).toBe(start - 4_000);
      expect((await t.send(reversalOf(t, s))).getString('39')).toBe('12');
      expect(await balance()).toBe(start - 4_000);
      expect((await t.send(reversalOf(t, refund))).getString('39')).toBe('00');
      expect(await balance()).toBe(start - 7_000);
      expect((await t.send(reversalOf(t, s))).getString('39')).toBe('00');
      expect(await balance()).toBe(start);
    });

    // Review of session 12: 13 ("above what is left") for an original with nothing left to refund at all.
    it('a refund of a voided or reversed sale is 12 (13 is for more than is left)', async () => {
      const voided = await t.send(sale(t, 1_000));
      expect((await t.send(voidOf(t, voided.getString('37')!))).getString('39')).toBe('00');
      expect((await t.send(refundOf(t, 500, voided.getString('37')!))).getString('39')).toBe('12');
      const s = sale(t, 1_000);
      const reversed = await t.send(s);
      expect((await t.send(reversalOf(t, s))).getString('39')).toBe('00');
      expect((await t.send(refundOf(t, 500, reversed.getString('37')!))).getString('39')).toBe('12');
      expect((await t.send(refundOf(t, 1_001, (await t.send(sale(t, 1_000))).getString('37')!))).getString('39')).toBe('13');
    });

    it('a referenced refund credits the original card (not the card it names), never above the original, never of a refund', async () => {
      const [a, b] = [await balance(), await balance('card:6212341232')];
      const s = await t.send(sale(t, 5_000));
      const r = await other.send(refundOf(other, 5_000, s.getString('37')!, up));
      expect(r.getString('39')).toBe('00');
      expect(await balance()).toBe(a);
      expect(await balance('card:6212341232')).toBe(b);
      expect((await other.send(refundOf(other, 1, s.getString('37')!, up))).getString('39')).toBe('13');
      // A refund of the refund would credit again.
      expect((await other.send(refundOf(other, 5_000, r.getString('37')!, up))).getString('39')).toBe('12');
      expect(await balance('card:6212341232')).toBe(b);
    });

    it("refuses (25) a refund of another merchant's sale", async () => {
      const foreign = await IsoClient.connect({ port: sw.port, terminalId: 'T0000009', merchantId: 'M00000000000002', tmk, timeoutMs: 1000 });
      try {
        await foreign.signOn();
        const start = await balance();
        const s = await t.send(sale(t, 2_000));
        expect((await foreign.send(refundOf(foreign, 2_000, s.getString('37')!))).getString('39')).toBe('25');
        expect(await balance()).toBe(start - 2_000);
      } finally {
        await foreign.close();
      }
    });

    it('a completion is capped at its pre-authorization (13 above it), of this merchant only (25), and its debit is checked (51)', async () => {
      const pan = '4000000000000515'; // low balance: 10.00
      const low = 'card:4000000515';
      await sw.store.setBalance(low, 1_000);
      const pre = t.message('0100', { '2': pan, '3': '000000', '4': 900, '14': '3012', '22': '011', '25': '06', '49': '156' });
      const held = await t.send(pre);
      expect(held.getString('39')).toBe('00');
      expect(await balance(low)).toBe(100);
      const complete = (c: IsoClient, amount: number, reference: Record<string, string> = { '90': originalDataElements(pre) }) =>
        c.send(c.message('0220', { '2': pan, '3': '000000', '4': amount, '22': '011', '25': '06', '49': '156', ...reference }));
      expect((await complete(t, 901)).getString('39')).toBe('13');
      const foreign = await IsoClient.connect({ port: sw.port, terminalId: 'T0000009', merchantId: 'M00000000000002', tmk, timeoutMs: 1000 });
      try {
        await foreign.signOn();
        expect((await complete(foreign, 900, { '48.OR': held.getString('37')! })).getString('39')).toBe('25');
      } finally {
        await foreign.close();
      }
      await sw.store.setBalance(low, -500); // drained meanwhile (admin): released hold 900 leaves 400 < 900
      expect((await complete(t, 900)).getString('39')).toBe('51');
      expect(await balance(low)).toBe(-500);
      await sw.store.setBalance(low, 100);
      expect((await complete(t, 850)).getString('39')).toBe('00');
      expect(await balance(low)).toBe(150);
    });
  });
}
