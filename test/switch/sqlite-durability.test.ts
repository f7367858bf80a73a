// The SQLite journal answers nothing before its WAL is on disk: with synchronous=NORMAL the store
// syncs the -wal file itself (fdatasync, switch/store/sqlite.ts). node:fs's fdatasync is wrapped to
// hold each sync until the test releases it, so the order of COMMIT, sync and resolution is observable.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const held = vi.hoisted(() => ({ calls: [] as Array<{ fd: number; release(): void }> }));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const fdatasync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) =>
    held.calls.push({ fd, release: () => fs.fdatasync(fd, done) });
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});

const { openStore } = await import('../../switch/store/index.js');
const dir = mkdtempSync(join(tmpdir(), 'pos-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (stan: string) => ({
  row: {
    terminalId: 'T0000001', merchantId: 'M00000000000001', stan, transmitted: '1127103000', mti: '0200', kind: 'sale' as const,
    processingCode: '000000', amount: 1000, currency: '156', maskedPan: '476173******0010', wallet: null, entryMode: '071',
    issuer: 'visa', account: null, responseCode: '00', authCode: '123456', rrn: `00000000${stan.slice(2)}`, debit: 0,
    originalId: null, answer: { '39': '00' }, fingerprint: '0200:000000:1000',
  },
  effects: [],
});

// Not settled 20 ms on: a commit that resolved early would have by then. Settled: awaited, since a
// released sync is a real fdatasync that may take longer than 20 ms on a busy disk.
const stillPending = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return !done;
};

describe('SQLite journal durability', () => {
  it('a commit resolves only after a sync of the WAL that started after its COMMIT; at most 3 run at once, later commits share the next', async () => {
    const path = join(dir, 'journal.db');
    const store = await openStore(`sqlite:${path}`);
    expect(held.calls).toHaveLength(0);
    const release = (i: number) => held.calls.splice(i, 1)[0]!.release();

    const first = store.commit([entry('000001')]);
    // Committed (the row is in the WAL and readable) but not answered: its sync is held.
    expect(await store.byKey('T0000001', '000001', '1127103000', '0200')).toBeDefined();
    expect(readFileSync(`${path}-wal`).length).toBeGreaterThan(0);
    expect(held.calls).toHaveLength(1);
    expect(await stillPending(first)).toBe(true);

    const second = store.commit([entry('000002')]);
    const third = store.commit([entry('000003')]);
    expect(held.calls).toHaveLength(3);
    const fourth = store.commit([entry('000004')]);
    const fifth = store.commit([entry('000005')]);
    expect(held.calls).toHaveLength(3); // the fourth and fifth wait for a sync that starts later

    release(1); // the second's sync: the second is durable, the first is not yet
    await second;
    expect(await stillPending(first)).toBe(true);
    expect(held.calls).toHaveLength(3); // a new sync started for the fourth and fifth
    expect(await stillPending(fourth)).toBe(true);
    release(2);
    await fourth;
    await fifth;
    expect(await stillPending(first)).toBe(true);
    release(0);
    await first;
    expect(await stillPending(third)).toBe(true);
    release(0);
    await third;

    const closing = store.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    while (held.calls.length) held.calls.shift()!.release();
    await closing;
  });
});
