// PostgreSQL failures met with real processes (reviewer R2): a terminated backend, a COMMIT whose reply
// is lost, a database that goes silent. The switch survives; a commit whose outcome is unknown is learnt
// by running its entry again by key, and gets no answer while it stays unknown (a 96 is a decline the
// terminal would not reverse); a silent connection fails its query in bounded time, so stop() returns.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { NoAnswerError, type IsoClient } from '../../cli/load/iso-client.js';
import type { IsoMessage } from '../../protocols/iso8583/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { originalDataElements, terminal, terminalIds, testSwitch } from './harness.js';

const account = 'card:5555554444';
const sale = (t: IsoClient, amount: number) =>
  t.message('0200', { '2': '5555555555554444', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });
const reversalOf = (t: IsoClient, original: IsoMessage) =>
  t.message('0400', { '2': '5555555555554444', '3': '000000', '4': Number(original.getString('4')), '22': '011', '49': '156', '90': originalDataElements(original) });

/** A simple-query COMMIT as pg sends it: 'Q', length 11, "COMMIT\0". */
const commitMessage = Buffer.from([0x51, 0, 0, 0, 11, ...Buffer.from('COMMIT'), 0]);

/**
 * A TCP proxy to the test database. `loseCommitReply`: the next COMMIT is forwarded, and when the server's
 * reply comes (it has committed) both sides are cut instead. `refuse`: new connections are closed at once.
 * `freeze()`: the open connections stop passing bytes in both directions, without closing (new ones work).
 */
async function pgProxy(upstream: URL) {
  const links = new Set<{ frozen: boolean; swallowed: number }>();
  /** `startups`: each connection's first packet (the StartupMessage: its parameters in clear). */
  const state = { loseCommitReply: false, refuse: false, commitsLost: 0, swallowed: 0, startups: [] as Buffer[] };
  const server = net.createServer((client) => {
    if (state.refuse) return client.destroy();
    const db = net.connect(Number(upstream.port || 5432), upstream.hostname);
    const link = { frozen: false, swallowed: 0 };
    links.add(link);
    let cutOnReply = false;
    client.once('data', (data) => state.startups.push(data));
    client.on('data', (data) => {
      if (link.frozen) return void (state.swallowed += data.length);
      if (state.loseCommitReply && data.includes(commitMessage)) {
        state.loseCommitReply = false;
        cutOnReply = true;
      }
      db.write(data);
    });
    db.on('data', (data) => {
      if (link.frozen) return;
      if (cutOnReply) {
        state.commitsLost++;
        client.destroy();
        db.destroy();
        return;
      }
      client.write(data);
    });
    const end = () => {
      links.delete(link);
      client.destroy();
      db.destroy();
    };
    for (const socket of [client, db]) socket.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    port: (server.address() as net.AddressInfo).port,
    freeze: () => {
      for (const link of links) link.frozen = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const until = async (condition: () => Promise<boolean> | boolean) => {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
};

for (const database of testDatabases().filter((d) => d.name === 'postgres')) {
  describe.skipIf(!database.available)('durability on postgres', () => {
    let sw: RunningSwitch | undefined;
    let t: IsoClient | undefined;
    const admin = new pg.Client({ connectionString: process.env.POS_TEST_PG_URL });
    let connected = false;
    const db = async () => {
      if (!connected) await admin.connect();
      connected = true;
      return admin;
    };
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      await t?.close();
      await sw?.stop();
      for (const close of closers.splice(0)) await close();
      [t, sw] = [undefined, undefined];
    });
    afterAll(async () => {
      if (connected) await admin.end();
      await database.cleanup();
    });
    /** The test database's URL for one switch, through `port` when given, its sessions named `name`. */
    const urlOf = (name: string, port?: number, extra = '') => {
      const url = new URL(database.url());
      if (port !== undefined) [url.hostname, url.port] = ['127.0.0.1', String(port)];
      return `${url.toString()}&application_name=${name}${extra}`;
    };
    const schemaOf = (url: string) => /[?&]schema=([^&]*)/.exec(url)![1]!;
    const balance = async (schema: string) => Number((await (await db()).query(`SELECT balance FROM ${schema}.accounts WHERE id = $1`, [account])).rows[0].balance);

    it('sessions start with synchronous_commit=on (a role or database setting of off cannot weaken a commit) and server-side timeouts', async () => {
      const proxy = await pgProxy(new URL(process.env.POS_TEST_PG_URL!));
      closers.push(proxy.close);
      sw = await testSwitch(urlOf(`f6_startup_${process.pid}`, proxy.port));
      expect(proxy.state.startups.length).toBeGreaterThan(0);
      for (const startup of proxy.state.startups) {
        // StartupMessage: length, protocol 3.0, then name\0value\0 pairs.
        const pairs = startup.subarray(8).toString('latin1').split('\0');
        const parameters = Object.fromEntries(pairs.flatMap((name, i) => (i % 2 === 0 && name ? [[name, pairs[i + 1]]] : [])));
        expect(parameters.options).toContain('-c synchronous_commit=on');
        expect(parameters).toMatchObject({ statement_timeout: '5000', idle_in_transaction_session_timeout: '10000' });
      }
    });

    it('a backend terminated during a request fails only that request (96, rolled back); the process survives and serves on', async () => {
      const name = `f6_kill_${process.pid}`;
      const url = urlOf(name);
      sw = await testSwitch(url);
      t = await terminal(sw);
      const schema = schemaOf(url);
      const before = await balance(schema);
      // The account row locked by another session: the switch's debit waits on it, mid-transaction.
      const holder = new pg.Client({ connectionString: process.env.POS_TEST_PG_URL });
      await holder.connect();
      closers.push(() => holder.end());
      await holder.query('BEGIN');
      await holder.query(`SELECT balance FROM ${schema}.accounts WHERE id = $1 FOR UPDATE`, [account]);
      const answer = t.send(sale(t, 700));
      await until(async () => (await (await db()).query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).rowCount === 1);
      expect((await (await db()).query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [name])).rows[0].n).toBeGreaterThan(0);
      expect((await answer).getString('39')).toBe('96');
      await holder.query('ROLLBACK');
      expect(await balance(schema)).toBe(before);
      expect((await t.send(sale(t, 800))).getString('39')).toBe('00');
      expect(await balance(schema)).toBe(before - 800);
    });

    it('a COMMIT whose reply is lost is learnt by running the entry again: answered as committed (00), debited once', async () => {
      const proxy = await pgProxy(new URL(process.env.POS_TEST_PG_URL!));
      closers.push(proxy.close);
      const url = urlOf(`f6_lost_${process.pid}`, proxy.port);
      sw = await testSwitch(url);
      t = await terminal(sw);
      const schema = schemaOf(url);
      expect((await t.send(sale(t, 100))).getString('39')).toBe('00');
      const before = await balance(schema);
      proxy.state.loseCommitReply = true;
      const s = sale(t, 4321);
      const answer = await t.send(s);
      expect(proxy.state.commitsLost).toBe(1);
      expect(answer.getString('39')).toBe('00');
      expect(await balance(schema)).toBe(before - 4321);
      const rows = await (await db()).query(`SELECT rrn FROM ${schema}.transactions WHERE terminal_id = $1 AND stan = $2`, [terminalIds[0], s.getString('11')]);
      expect(rows.rows).toEqual([{ rrn: answer.getString('37') }]);
    });

    it('a COMMIT whose reply is lost while the database stays unreachable gets no answer; the terminal reversal then undoes it', async () => {
      const proxy = await pgProxy(new URL(process.env.POS_TEST_PG_URL!));
      closers.push(proxy.close);
      const url = urlOf(`f6_down_${process.pid}`, proxy.port);
      sw = await testSwitch(url);
      t = await terminal(sw);
      const schema = schemaOf(url);
      expect((await t.send(sale(t, 100))).getString('39')).toBe('00');
      const before = await balance(schema);
      proxy.state.loseCommitReply = true;
      proxy.state.refuse = true;
      const s = sale(t, 5000);
      await expect(t.send(s)).rejects.toThrow(NoAnswerError);
      expect(proxy.state.commitsLost).toBe(1);
      expect(await balance(schema)).toBe(before - 5000);
      proxy.state.refuse = false;
      expect((await t.send(reversalOf(t, s))).getString('39')).toBe('00');
      expect(await balance(schema)).toBe(before);
    });

    it('connections gone silent fail their request in bounded time (96: nothing committed) and stop() returns', async () => {
      const proxy = await pgProxy(new URL(process.env.POS_TEST_PG_URL!));
      closers.push(proxy.close);
      // Short bounds for the test, through the URL (the defaults are seconds: switch/store/postgres.ts).
      const url = urlOf(`f6_freeze_${process.pid}`, proxy.port, '&query_timeout=200&statement_timeout=150&idle_in_transaction_session_timeout=500');
      sw = await testSwitch(url);
      t = await terminal(sw);
      expect((await t.send(sale(t, 100))).getString('39')).toBe('00');
      proxy.freeze();
      const answer = t.send(sale(t, 200));
      await until(() => proxy.state.swallowed > 0);
      const stopped = sw.stop();
      sw = undefined;
      expect(['96', '00']).toContain((await answer).getString('39'));
      await stopped;
    });
  });
}
