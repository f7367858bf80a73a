// Crash recovery for real: the terminal runs in its own process (test/support/terminal-child.ts:
// VirtualKit, real PN532 driver, SQLite journal in a temp dir) against the real switch in this
// process; it is SIGKILLed once its 0200 is at the switch, restarted on the same journal, and the
// switch's journal and balances must show the sale reversed exactly once. Synchronised on the
// child's stdout lines and the switch's store, never on sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCards, type TestCardProfileId } from '../../protocols/testcards.js';
import { startSwitch, type Fault, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { spawnJsonLines, type JsonLinesChild } from '../support/child-lines.js';

const root = resolve(import.meta.dirname, '../..');
let sw: RunningSwitch;
let dir: string;
const children: JsonLinesChild[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'terminal-crash-'));
  sw = await startSwitch({ port: 0, db: join(dir, 'switch.db'), enrollUnknown: { tmk: testTmk } });
});
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await sw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function startChild(terminalId: string): JsonLinesChild {
  // Each child's cards continue where the last child's left off, as the same cards would (the switch refuses a replayed ATC).
  const atcs = Object.fromEntries(Object.values(testCards).map((card) => [card.id, card.initialAtc + 100 * (children.length + 1)]));
  const config = { port: sw.port, journal: join(dir, `${terminalId}.db`), terminalId, atcs };
  const child = spawnJsonLines(process.execPath, ['--import', 'tsx', 'test/support/terminal-child.ts', JSON.stringify(config)], { cwd: root });
  children.push(child);
  return child;
}

const rowsOf = (terminalId: string) => sw.store.search({ terminalId });
const balanceOf = async (profile: TestCardProfileId) => (await sw.store.balance(cardAccount(testCards[profile].pan)))!;

/**
 * Starts a terminal, sets `fault` on its answers once it has signed on, taps `profile` for
 * `amount`, waits until `atSwitch` says the 0200 got there, SIGKILLs the process, then restarts it
 * on the same journal and waits for the recovery's reversal to be acknowledged.
 */
async function crashMidSale(terminalId: string, profile: TestCardProfileId, amount: number, fault: Fault, atSwitch: () => Promise<boolean>) {
  const first = startChild(terminalId);
  await first.waitFor((l) => l.ready && l.signedOn, 'sign-on');
  sw.faults.set(terminalId, fault);
  first.send(`sale ${amount} ${profile}`);
  const txnId = (await first.waitFor((l) => l.status?.step === 'processing', 'the 0200')).status.txnId as string;
  await expect.poll(atSwitch, { interval: 5, timeout: 5000 }).toBe(true);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  expect(first.lines.some((l) => l.result), 'the killed terminal never had an answer').toBe(false);
  sw.faults.clear(terminalId);

  const second = startChild(terminalId);
  await second.waitFor((l) => l.status?.step === 'reversed' && l.status.txnId === txnId, 'the reversal acknowledged');
  const ready = await second.waitFor((l) => l.ready, 'start');
  expect(ready.signedOn).toBe(true);
  second.send(`row ${txnId}`);
  const { row } = await second.waitFor((l) => 'row' in l, 'the journal row');
  expect(row).toMatchObject({ id: txnId, state: 'reversed', reasonCode: 'interrupted', amount });
  return { second, txnId };
}

describe('terminal SIGKILLed mid-sale, restarted on its journal', () => {
  it('0200 approved at the switch, answer still on its way: reversed once, balance restored, a new sale charges once', async () => {
    const before = await balanceOf('visa');
    const { second } = await crashMidSale('CRASH001', 'visa', 1234, { delayMs: 60_000 }, async () => (await rowsOf('CRASH001')).some((r) => r.kind === 'sale' && r.responseCode === '00'));
    const rows = await rowsOf('CRASH001');
    const sales = rows.filter((r) => r.kind === 'sale');
    const reversals = rows.filter((r) => r.kind === 'reversal');
    expect(sales).toHaveLength(1);
    expect(sales[0]).toMatchObject({ amount: 1234, closed: 'reversed' });
    expect(reversals).toHaveLength(1);
    expect(reversals[0]).toMatchObject({ responseCode: '00', amount: 1234 });
    expect(await balanceOf('visa')).toBe(before);

    second.send('sale 500 visa');
    const { result } = await second.waitFor((l) => 'result' in l, 'the new sale');
    expect(result).toMatchObject({ state: 'approved', amount: 500 });
    expect(await balanceOf('visa')).toBe(before - 500);
    expect((await rowsOf('CRASH001')).filter((r) => r.kind === 'sale')).toHaveLength(2);
    second.send('quit');
    expect(await second.exited).toBe(0);
  });

  it('0200 approved at the switch, answer dropped (fault): reversed once, balance restored', async () => {
    const before = await balanceOf('mastercard');
    const dropped = sw.metrics.dropped;
    await crashMidSale('CRASH002', 'mastercard', 2345, { drop: true }, async () => (await rowsOf('CRASH002')).some((r) => r.kind === 'sale'));
    const rows = await rowsOf('CRASH002');
    expect(rows.filter((r) => r.kind === 'sale')).toEqual([expect.objectContaining({ amount: 2345, responseCode: '00', closed: 'reversed' })]);
    expect(rows.filter((r) => r.kind === 'reversal')).toEqual([expect.objectContaining({ responseCode: '00' })]);
    expect(await balanceOf('mastercard')).toBe(before);
    expect(sw.metrics.dropped).toBe(dropped); // the fault, not the .97 rule, held the answer back
  });

  it('0200 dropped by the switch before its journal (.97): the reversal is answered 25, nothing was charged', async () => {
    const before = await balanceOf('unionpay');
    const dropped = sw.metrics.dropped;
    await crashMidSale('CRASH003', 'unionpay', 1097, {}, async () => sw.metrics.dropped > dropped);
    const rows = await rowsOf('CRASH003');
    expect(rows.filter((r) => r.kind === 'sale')).toHaveLength(0);
    expect(rows.filter((r) => r.kind === 'reversal')).toEqual([expect.objectContaining({ responseCode: '25' })]);
    expect(await balanceOf('unionpay')).toBe(before);
  });
});
