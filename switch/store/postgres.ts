/**
 * The shared journal: several switch processes on one PostgreSQL database keep exactly-once
 * together because the request key is a unique constraint (a concurrent duplicate waits for the
 * first insert and then sees it), every balance or state change is a conditional UPDATE in the
 * same transaction as its journal row, and a deadlock between two processes' batches is retried.
 * Every session runs with synchronous_commit = on, whatever the role or database says: a commit is
 * durable before it is answered. A COMMIT whose reply is lost fails with JournalOutcomeUnknown (the
 * group commit runs the entry again by its key to learn what was committed).
 *
 * Bounds (a database that goes silent must neither hang the switch nor its stop), each of which a
 * `--db` URL parameter of the same name overrides: statement_timeout 5 s and
 * idle_in_transaction_session_timeout 10 s on the server (a transaction whose client vanished releases
 * its locks), query_timeout 10 s in the client (a silent connection fails its query, and the client is
 * discarded), 5 s to connect, TCP keepalive after 10 s idle.
 */
import pg from 'pg';
import * as sql from './program.js';
import type { Program, Query, QueryResult } from './program.js';
import { JournalOutcomeUnknown } from './errors.js';
import type { Store } from './types.js';

const retryable = new Set(['40001', '40P01']);

export interface PostgresOptions {
  /** Schema to create and use (tests use one per run); default `public`. */
  schema?: string;
  poolSize?: number;
  /** Called with each deadlock (40P01) or serialization failure (40001) before the transaction runs again. */
  onRetry?(error: unknown): void;
}

/** `?` placeholders become `$1…`; each distinct statement gets a name so the server prepares it once per connection. */
const prepared = new Map<string, { name: string; text: string }>();
function toPg(query: Query): pg.QueryConfig {
  const sql = query.returnsId ? `${query.sql} RETURNING id` : query.sql;
  let entry = prepared.get(sql);
  if (!entry) {
    let n = 0;
    entry = { name: `pos_${prepared.size}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    prepared.set(sql, entry);
  }
  return { name: entry.name, text: entry.text, values: query.params };
}

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const schemaName = options.schema ?? 'public';
  // JSON-quoted: a newline (%0A) in ?schema= is shown escaped, not ending the line.
  if (!/^[a-z_][a-z0-9_]*$/.test(schemaName)) throw new Error(`postgres schema name ${JSON.stringify(schemaName)} must be lowercase letters, digits and _`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 8,
    options: `-c search_path=${schemaName} -c synchronous_commit=on`,
    statement_timeout: 5_000,
    idle_in_transaction_session_timeout: 10_000,
    query_timeout: 10_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // BIGINT columns hold minor units well inside Number's safe range.
    types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  });
  // A checked-out client has no pool listener: its 'error' (57P01 on pg_terminate_backend, a reset)
  // was unhandled and killed the process. The query in progress fails with it; the client is then
  // released with the error, which discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));

  const exec = async (client: pg.PoolClient | pg.Pool, query: Query): Promise<QueryResult> => {
    const result = await client.query(toPg(query));
    return { rows: result.rows as Array<Record<string, unknown>>, changes: result.rowCount ?? 0 };
  };
  const run = async <T>(program: Program<T>, client: pg.PoolClient | pg.Pool = pool): Promise<T> => {
    let step = program.next();
    while (!step.done) step = program.next(await exec(client, step.value));
    return step.value;
  };
  /** `journal`: a COMMIT without its reply fails with JournalOutcomeUnknown; other writes (accounts, RRN blocks) fail plainly. */
  const transaction = async <T>(make: () => Program<T>, journal = false): Promise<T> => {
    const client = await pool.connect();
    let failure: unknown;
    try {
      for (let attempt = 1; ; attempt++) {
        await client.query('BEGIN');
        let result: T;
        try {
          result = await run(make(), client);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (attempt >= 5 || !retryable.has((error as { code?: string }).code ?? '')) throw error;
          options.onRetry?.(error);
          continue;
        }
        try {
          await client.query('COMMIT');
        } catch (error) {
          // Sent, but no answer read: the server may have committed (even a 57P01 can follow the commit record).
          throw journal ? new JournalOutcomeUnknown(error) : error;
        }
        return result;
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // A client whose transaction failed may be broken (lost, timed out mid-query): discarded, not reused.
      client.release(failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure)));
    }
  };

  {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Several processes may start on an empty database at once.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('pos-switch-schema'))");
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schemaName}`);
      for (const statement of sql.schema('postgres')) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      await pool.end();
      throw error;
    }
    client.release();
  }

  return {
    kind: 'postgres',
    commit: (entries) => transaction(() => sql.commitEntries(entries, new Date().toISOString(), true), true),
    byKey: (terminalId, stan, transmitted, mti) => run(sql.byKey(terminalId, stan, transmitted, mti)),
    byRrn: (rrn) => run(sql.byRrn(rrn)),
    byStan: (terminalId, stan, mmdd) => run(sql.byStan(terminalId, stan, mmdd)),
    balance: (account) => run(sql.balance(account)),
    highestAtc: (card) => run(sql.highestAtc(card)),
    highestKsnCounter: (device) => run(sql.highestKsnCounter(device)),
    ensureAccounts: (accounts) => transaction(() => sql.ensureAccounts(accounts)),
    setBalance: (account, balance) => transaction(() => sql.setBalance(account, balance)),
    pinTries: (account) => run(sql.pinTries(account)),
    resetPinTries: (account) => transaction(() => sql.resetPinTries(account)),
    reserveRrns: (size) => transaction(() => sql.reserveRrns(size)),
    search: (filter) => run(sql.search(filter)),
    settlements: (terminalId) => run(sql.settlements(terminalId)),
    ping: () => run(sql.ping()),
    close: () => pool.end(),
  };
}
