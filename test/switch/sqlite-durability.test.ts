// The SQLite journal answers nothing before its WAL is on disk: with synchronous=NORMAL the store
// fsyncs the -wal file itself (switch/store/sqlite.ts). node:fs's fsync is wrapped to hold each
// fsync until the test releases it, so the order of COMMIT, fsync and resolution is observable.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const held = vi.hoisted(() => ({ calls: [] as Array<{ fd: number; release(): void }> }));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const fsync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) =>
    held.calls.push({ fd, release: () => fs.fsync(fd, done) });
  return { ...fs, default: { ...fs, fsync }, fsync };
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

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
};

describe('SQLite journal durability', () => {
  it('a commit resolves only after an fsync of the WAL that started after its COMMIT; commits during an fsync share the next one', async () => {
    const path = join(dir, 'journal.db');
    const store = await openStore(`sqlite:${path}`);
    expect(held.calls).toHaveLength(0);

    const first = store.commit([entry('000001')]);
    // Committed (the row is in the WAL and readable) but not answered: its fsync is held.
    expect(await store.byKey('T0000001', '000001', '1127103000', '0200')).toBeDefined();
    expect(readFileSync(`${path}-wal`).length).toBeGreaterThan(0);
    expect(held.calls).toHaveLength(1);
    expect(await settled(first)).toBe(false);

    const second = store.commit([entry('000002')]);
    const third = store.commit([entry('000003')]);
    expect(held.calls).toHaveLength(1); // one fsync at a time; the ones committed meanwhile wait for the next
    held.calls.shift()!.release();
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(false);
    expect(held.calls).toHaveLength(1);
    held.calls.shift()!.release();
    expect(await settled(second)).toBe(true);
    expect(await settled(third)).toBe(true);

    const closing = store.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    while (held.calls.length) held.calls.shift()!.release();
    await closing;
  });
});
