// SIGKILL the switch (a child `pos switch`) in the middle of a load, restart it on the same journal,
// and reconcile: every approval the generator saw is journaled once with its RRN, unanswered
// requests were reversed or never journaled, and every balance equals its opening balance minus
// the debits of the rows that stand, plus what refunds gave back against rows since reversed (a
// refunded sale's reversal credits only debit − refunded), so nothing was debited twice or left half-applied.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../cli/load/generator.js';
import { testTmk } from '../../switch/config.js';
import { cardAccount, issuerCards } from '../../switch/issuer/cards.js';
import { openStore } from '../../switch/store/index.js';
import { testDatabases } from './databases.js';

const root = resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

function startChild(port: number, db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['cli/pos.mjs', 'switch', '--port', String(port), '--admin-port', '0', '--db', db, '--log-level', 'warn', '--host', '127.0.0.1'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ready, fail) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    child.stdout!.once('data', () => ready(child));
    child.once('exit', (code) => fail(new Error(`pos switch exited ${code}: ${stderr.slice(0, 500)}`)));
  });
}

interface Standing {
  account: string;
  debits: number;
}

/** Σ debit of the rows that stand and Σ refunded of the closed ones, per account, read straight from the database. */
async function standingDebits(db: string): Promise<Standing[]> {
  const sql = `SELECT account, SUM(CASE WHEN closed IS NULL THEN debit ELSE refunded END) AS debits FROM transactions
               WHERE account IS NOT NULL AND response_code = '00' GROUP BY account`;
  if (!db.startsWith('postgres')) {
    const sqlite = new Database(db, { readonly: true });
    const rows = sqlite.prepare(sql).all() as Standing[];
    sqlite.close();
    return rows;
  }
  const schema = /schema=([a-z0-9_]+)/.exec(db)![1]!;
  const client = new pg.Client({ connectionString: db.replace(/[?&]schema=[a-z0-9_]+/, ''), options: `-c search_path=${schema}` });
  await client.connect();
  const { rows } = await client.query(sql);
  await client.end();
  return rows.map((r: { account: string; debits: string }) => ({ account: r.account, debits: Number(r.debits) }));
}

for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`switch killed mid-load on ${database.name}`, () => {
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await database.cleanup();
    });

    it('loses no approval, applies none twice, and reverses what went unanswered', async () => {
      const db = database.url();
      const port = await freePort();
      children.push(await startChild(port, db));
      let restarted: Promise<void> | undefined;
      const load = runLoad({
        port, terminals: 8, rate: 0, durationMs: 5000, tmk: testTmk, timeoutMs: 2000, mix: { sale: 70, refund: 15, reversal: 15 },
        onProgress: (p) => {
          if (restarted || p.approved < 20) return;
          children[0]!.kill('SIGKILL');
          restarted = new Promise((done) => setTimeout(done, 200)).then(async () => {
            children.push(await startChild(port, db));
          });
        },
      });
      const result = await load;
      await restarted;
      expect(restarted, 'the switch was killed mid-load').toBeDefined();
      const last = children[children.length - 1]!;
      const exited = new Promise((done) => last.once('exit', done));
      last.kill('SIGTERM');
      await exited;

      expect(result.reconnects).toBeGreaterThan(0);
      expect(result.unanswered, 'requests in flight when the switch died').toBeGreaterThan(0);
      expect(result.unansweredRequests.every((u) => u.reversed)).toBe(true);
      const store = await openStore(db);
      try {
        for (const seen of result.approvals) {
          const row = await store.byKey(seen.terminalId, seen.stan, seen.transmitted, seen.mti);
          expect(row, `${seen.kind} ${seen.terminalId}/${seen.stan}`).toBeDefined();
          expect(row!.responseCode).toBe('00');
          if (seen.rrn) expect(row!.rrn).toBe(seen.rrn);
        }
        for (const lost of result.unansweredRequests) {
          const row = await store.byKey(lost.terminalId, lost.stan, lost.transmitted, lost.mti);
          // Never journaled (the reversal got 25), or journaled and then reversed.
          if (row && row.responseCode === '00') expect(row.closed).toBe('reversed');
        }
        const standing = new Map((await standingDebits(db)).map((s) => [s.account, Number(s.debits)]));
        for (const card of issuerCards) {
          const account = cardAccount(card.pan);
          expect(await store.balance(account), account).toBe(card.balance - (standing.get(account) ?? 0));
        }
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
