// GET /transactions over real HTTP on both journals: paging past one page with `before` (rows of one
// group commit share a created_at and none is skipped or listed twice), a masked PAN with any number of
// stars, a date-time whose `+` came as a space; and on SQLite a date search read off the created_at
// index (it walked the whole table by rowid: 0.5–1 s on the event loop at 1M rows).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitch } from '../../switch/index.js';
import type { JournalEntry, NewRow } from '../../switch/store/index.js';
import { search } from '../../switch/store/program.js';
import { testDatabases } from './databases.js';
import { testSwitch } from './harness.js';

const row = (stan: string, maskedPan = '476173******0010'): NewRow => ({
  terminalId: 'T0000001', merchantId: 'M00000000000001', stan, transmitted: '1127103000', mti: '0200', kind: 'sale',
  processingCode: '000000', amount: 100, currency: '156', maskedPan, wallet: null, entryMode: '071',
  issuer: 'visa', account: null, responseCode: '00', authCode: '123456', rrn: null, debit: 0,
  originalId: null, answer: { '39': '00' }, fingerprint: '0200:000000:100',
});

type Listed = { transactions: Array<{ id: number; createdAt: string; maskedPan: string }> };

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`admin search on ${database.name}`, () => {
    let sw: RunningSwitch;
    let url: string;
    const get = async (query: string) => {
      const response = await fetch(`http://127.0.0.1:${sw.adminPort}/transactions?${query}`);
      return { status: response.status, body: (await response.json()) as Listed & { message?: string } };
    };

    beforeAll(async () => {
      url = database.url();
      sw = await testSwitch(url, { adminPort: 0 });
      // Three group commits of five rows: each five share one created_at.
      for (let batch = 0; batch < 3; batch++) {
        const entries: JournalEntry[] = Array.from({ length: 5 }, (_, i) => ({ row: row(String(batch * 5 + i + 1).padStart(6, '0')), effects: [] }));
        await sw.store.commit(entries);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await sw.store.commit([{ row: row('000099', '222300*********0019'), effects: [] }]);
    });
    afterAll(async () => {
      await sw?.stop();
      await database.cleanup();
    });

    it('pages through more rows than one page with before=<last id>, none skipped or repeated', async () => {
      const all = (await get('limit=1000')).body.transactions;
      expect(all).toHaveLength(16);
      const today = new Date().toISOString().slice(0, 10);
      const seen: Listed['transactions'] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = await get(`from=${today}&limit=4${cursor}`);
        expect(page.status).toBe(200);
        if (page.body.transactions.length === 0) break;
        seen.push(...page.body.transactions);
        cursor = `&before=${page.body.transactions.at(-1)!.id}`;
      }
      expect(seen.map((r) => r.id)).toEqual(all.map((r) => r.id));
      expect(new Set(seen.map((r) => r.id)).size).toBe(16);
      // Newest first, the id breaking ties within one commit's time.
      const order = [...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
      expect(all.map((r) => r.id)).toEqual(order.map((r) => r.id));
      // An id that is no row's continues after the nearest row below it.
      expect((await get(`before=${all[0]!.id + 1000}&limit=1`)).body.transactions.map((r) => r.id)).toEqual([all[0]!.id]);
      expect((await get('before=1')).body.transactions).toEqual([]);
      expect((await get('before=0')).status).toBe(400);
    });

    it('finds a masked PAN whatever the number of stars typed (any PAN length)', async () => {
      for (const pan of ['476173**0010', '476173******0010', '476173*********0010']) {
        expect((await get(`pan=${pan}`)).body.transactions, pan).toHaveLength(15);
      }
      expect((await get('pan=222300*0019')).body.transactions.map((r) => r.maskedPan)).toEqual(['222300*********0019']);
      expect((await get('pan=476173**0011')).body.transactions).toEqual([]);
    });

    it('takes a date-time whose + offset arrived as a space (typed unencoded in a URL)', async () => {
      const hourAgo = new Date(Date.now() - 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 19);
      const typed = await get(`from=${hourAgo}+08:00`);
      expect(typed.status, typed.body.message).toBe(200);
      expect(typed.body.transactions).toHaveLength(16);
      expect((await get(`to=${hourAgo}+08:00`)).body.transactions).toEqual([]);
      // Only where an offset goes: a date with ' 08:00' after it is still a 400.
      expect((await get(`from=${hourAgo.slice(0, 10)}+08:00`)).status).toBe(400);
    });

    // Review of session 12: `to` as a date-time left out the rows at that instant, while `to` as a date included its day.
    it('includes both ends: from and to at a row\'s createdAt list it', async () => {
      const [newest] = (await get('limit=1')).body.transactions as Array<{ id: number; createdAt: string }>;
      const at = encodeURIComponent(newest!.createdAt);
      expect((await get(`from=${at}&to=${at}`)).body.transactions.map((r) => r.id)).toContain(newest!.id);
      expect((await get(`to=${at}`)).body.transactions.map((r) => r.id)).toContain(newest!.id);
    });

    if (database.name === 'sqlite') {
      it('reads a date search off the created_at index, in its order (no table scan, no sort)', () => {
        const db = new Database(url, { readonly: true });
        try {
          const plan = (query: { sql: string; params: unknown[] }) =>
            (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as Array<{ detail: string }>).map((step) => step.detail).join('; ');
          for (const filter of [{ from: '2026-11-27' }, { from: '2026-11-27', to: '2026-11-28' }, { to: '2026-11-27T10:00:00.000Z' }, {}]) {
            const steps = plan(search({ ...filter, limit: 100 }).next().value as { sql: string; params: unknown[] });
            expect(steps, JSON.stringify(filter)).toMatch(/USING INDEX transactions_created/);
            expect(steps, JSON.stringify(filter)).not.toMatch(/TEMP B-TREE/);
          }
          // An equality filter keeps its own index (the order costs a sort of its matches, not a scan of the table).
          for (const filter of [{ terminalId: 'T0000001' }, { merchantId: 'M00000000000001' }, { maskedPan: '476173**0010' }, { rrn: '1' }]) {
            expect(plan(search({ ...filter, from: '2026-11-27' }).next().value as { sql: string; params: unknown[] }), JSON.stringify(filter)).toMatch(/^SEARCH transactions USING INDEX/);
          }
          // The next page: the cursor row's time is read by its id, then the same index range.
          const paging = search({ from: '2026-11-27', before: 7, limit: 100 });
          expect(plan(paging.next().value as { sql: string; params: unknown[] })).toMatch(/USING INTEGER PRIMARY KEY/);
          const page = paging.next({ rows: [{ created_at: '2026-11-28T04:00:00.000Z' }], changes: 1 }).value as { sql: string; params: unknown[] };
          expect(plan(page)).toMatch(/SEARCH transactions USING INDEX transactions_created \(created_at>\? AND created_at<\?\)/);
          expect(plan(page)).not.toMatch(/TEMP B-TREE/);
        } finally {
          db.close();
        }
      });
    }
  });
}
