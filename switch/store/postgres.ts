/**
 * The shared journal: several switch processes on one PostgreSQL database keep exactly-once
 * together because the request key is a unique constraint (a concurrent duplicate waits for the
 * first insert and then sees it), every balance or state change is a conditional UPDATE in the
 * same transaction as its journal row, and a deadlock between two processes' batches is retried.
 * Commits are durable with the server's default synchronous_commit = on.
 */
import pg from 'pg';
import * as sql from './program.js';
import type { Program, Query, QueryResult } from './program.js';
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
  let entry = prepared.get(query.sql);
  if (!entry) {
    let n = 0;
    entry = { name: `pos_${prepared.size}`, text: query.sql.replace(/\?/g, () => `$${++n}`) };
    prepared.set(query.sql, entry);
  }
  return { name: entry.name, text: entry.text, values: query.params };
}

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const schemaName = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(schemaName)) throw new Error(`postgres schema name '${schemaName}' must be lowercase letters, digits and _`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 8,
    options: `-c search_path=${schemaName}`,
    // BIGINT columns hold minor units well inside Number's safe range.
    types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  });

  const exec = async (client: pg.PoolClient | pg.Pool, query: Query): Promise<QueryResult> => {
    const result = await client.query(toPg(query));
    return { rows: result.rows as Array<Record<string, unknown>>, changes: result.rowCount ?? 0 };
  };
  const run = async <T>(program: Program<T>, client: pg.PoolClient | pg.Pool = pool): Promise<T> => {
    let step = program.next();
    while (!step.done) step = program.next(await exec(client, step.value));
    return step.value;
  };
  const transaction = async <T>(make: () => Program<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        await client.query('BEGIN');
        try {
          const result = await run(make(), client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (attempt >= 5 || !retryable.has((error as { code?: string }).code ?? '')) throw error;
          options.onRetry?.(error);
        }
      }
    } finally {
      client.release();
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
    commit: (entries) => transaction(() => sql.commitEntries(entries, new Date().toISOString(), true)),
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
