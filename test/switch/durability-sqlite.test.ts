// A failed WAL sync is final for the SQLite journal: Linux may drop the pages that failed to write and
// mark them clean, so a later successful sync proves nothing (PostgreSQL panics here: data_sync_retry
// = off). The commit waiting on it, and every later one, fails with JournalBroken (no answer: a 96 is a
// decline the terminal would not reverse), and `pos switch` exits 74 at once; at the next start SQLite
// recovers from what is on disk, and the terminal's reversal reconciles.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { JournalBroken, type JournalEntry } from '../../switch/store/index.js';
import { openSqliteStore } from '../../switch/store/sqlite.js';
import { merchantId, originalDataElements, terminal, terminalIds, testSwitch, tmk } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const account = 'card:5555554444';
const entry = (stan: string, amount: number): JournalEntry => ({
  row: {
    terminalId: 'T0000001', merchantId, stan, transmitted: '1128050000', mti: '0200', kind: 'sale', processingCode: '000000', amount,
    currency: '156', maskedPan: '555555******4444', wallet: null, entryMode: '011', issuer: 'mastercard', account, responseCode: '00',
    authCode: '123456', rrn: null, debit: amount, originalId: null, answer: { '39': '00' }, fingerprint: 'x',
  },
  effects: [{ type: 'debit', account, amount, check: true }],
});

describe('SQLite journal after a failed WAL sync', () => {
  it('fails the commit waiting on it and every later one, even when their sync succeeds; nothing more is written', async () => {
    const path = join(dir, 'store.db');
    let failures = 0;
    const broken: Error[] = [];
    const store = openSqliteStore(path, {
      sync: (fd, done) => (failures-- > 0 ? process.nextTick(done, Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })) : process.nextTick(done, null)),
      onBroken: (error) => broken.push(error),
    });
    await store.ensureAccounts([{ id: account, balance: 10_000 }]);
    expect((await store.commit([entry('000001', 100)]))[0]!.status).toBe('new');

    failures = 1;
    const failed = store.commit([entry('000002', 200)]);
    const alongside = store.commit([entry('000003', 300)]);
    await expect(failed).rejects.toThrow(JournalBroken);
    await expect(alongside).rejects.toThrow(JournalBroken);
    expect(broken).toHaveLength(1);
    expect(broken[0]!.message).toContain('EIO');
    // The next sync would succeed: it proves nothing, so nothing more is acknowledged, nor written.
    await expect(store.commit([entry('000004', 400)])).rejects.toThrow(JournalBroken);
    await expect(store.setBalance(account, 1)).rejects.toThrow(JournalBroken);
    expect(await store.byKey('T0000001', '000004', '1128050000', '0200')).toBeUndefined();
    expect(broken).toHaveLength(1);
    await store.close();

    // Restarted: what reached the disk is the journal (here all of it: only the sync was failed).
    const reopened = openSqliteStore(path);
    expect(await reopened.balance(account)).toBe(10_000 - 100 - 200 - 300);
    expect(await reopened.byKey('T0000001', '000004', '1128050000', '0200')).toBeUndefined();
    await reopened.close();
  });

  it('pos switch answers nothing and exits 74; restarted, the terminal reversal of the unanswered sale undoes it', async () => {
    const db = join(dir, 'switch.db');
    const flag = join(dir, 'fail-sync');
    const child = spawn(
      process.execPath,
      ['--import', resolve(import.meta.dirname, 'durability-fail-sync.mjs'), 'cli/pos.mjs', 'switch', '--port', '0', '--admin-port', '0', '--db', `sqlite:${db}`, '--log-level', 'fatal'],
      { cwd: resolve(import.meta.dirname, '../..'), env: { ...process.env, POS_TEST_FAIL_SYNC: flag }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
    expect(line, stderr).toBeDefined();
    const { port } = JSON.parse(line!) as { port: number };

    const t = await IsoClient.connect({ port, terminalId: terminalIds[0]!, merchantId, tmk, timeoutMs: 3000 });
    expect((await t.signOn()).getString('39')).toBe('00');
    const sale = (amount: number) =>
      t.message('0200', { '2': '5555555555554444', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });
    expect((await t.send(sale(100))).getString('39')).toBe('00');
    writeFileSync(flag, '');
    const failed = sale(2500);
    await expect(t.send(failed)).rejects.toThrow();
    expect(await exited).toBe(74);
    expect(stderr).toContain('journal sync failed');
    expect(stderr).toContain('fdatasync');
    await t.close();

    const sw = await testSwitch(db);
    try {
      const before = (await sw.store.balance(account))!;
      const again = await terminal(sw);
      const reversal = again.message('0400', { '2': '5555555555554444', '3': '000000', '4': 2500, '22': '011', '49': '156', '90': originalDataElements(failed) });
      expect((await again.send(reversal)).getString('39')).toBe('00');
      expect(await sw.store.balance(account)).toBe(before + 2500);
      await again.close();
    } finally {
      await sw.stop();
    }
  });
});
