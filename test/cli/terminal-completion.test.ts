// `pos completion` against the real switch over TCP (SQLite journal on disk, so it can be stopped and
// started again on the same port): a second completion of a completed pre-authorization is refused
// by the terminal before anything is sent (the switch would decline it 12); `--offline` stores the
// 0220 advice in the terminal's store-and-forward queue and forwards it from there, at once when the
// switch is up, or after the next sign-on when it was down. An approved balance inquiry's receipt
// prints the balance (a virtual MSR on a socat PTY swipes the magstripe test card).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { VirtualMsr } from '../../hardware/msr/virtual-msr.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { parseCommand } from '../../cli/commands/terminal.js';
import { main } from '../../cli/main.js';
import { Journal } from '../../terminal/journal.js';
import { capture } from '../support/cli.js';
import { openPtyPair, type PtyPair } from '../support/pty.js';

let sw: RunningSwitch;
let port: number;
let dir: string;
const switchDb = () => join(dir, 'switch.db');
const start = (at = 0) => startSwitch({ port: at, db: switchDb(), enrollUnknown: { tmk: testTmk } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pos-completion-'));
  sw = await start();
  port = sw.port;
});
afterAll(async () => {
  await sw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const host = () => ['--host', `127.0.0.1:${port}`, '--timeout-ms', '2000'];

async function pos(args: string[], io = capture()) {
  const code = await main(args, io);
  return { code, result: JSON.parse(io.stdout.join('\n')) as Record<string, any>, stderr: io.stderr };
}

const rowsOf = async (terminalId: string) => (await sw.store.search({ terminalId })).map((r) => [r.kind, r.amount, r.responseCode]).sort();

describe('pos completion: refused when the pre-authorization is already completed', () => {
  it('a second completion exits 1 with already-completed and never reaches the switch (before: sent, declined 12)', async () => {
    const common = [...host(), '--journal', join(dir, 'twice.db'), '--terminal-id', 'COMPLTW1', '--virtual-card', 'visa'];
    const held = await pos(['preauth', '50.00', ...common]);
    expect(held.result).toMatchObject({ kind: 'preauth', state: 'approved' });
    expect((await pos(['completion', held.result.id, '40.00', ...common])).result).toMatchObject({ state: 'approved', amount: 4000 });

    const again = await pos(['completion', held.result.id, '10.00', ...common]);
    expect(again.code).toBe(1);
    expect(again.result).toMatchObject({ kind: 'completion', state: 'failed', reasonCode: 'already-completed', reason: 'the pre-authorization is already completed (40.00)' });
    expect(again.result.responseCode).toBeUndefined();
    expect(await rowsOf('COMPLTW1')).toEqual([['completion', 4000, '00'], ['preauthorization', 5000, '00']]);
  });
});

describe('pos completion --offline: the 0220 advice is stored and forwarded through the queue', () => {
  it('with the switch up: journaled, queued and forwarded at once ("advice": "forwarded"), captured once at the switch', async () => {
    const common = [...host(), '--journal', join(dir, 'offline-up.db'), '--terminal-id', 'OFFLINE1', '--virtual-card', 'mastercard'];
    const held = await pos(['preauth', '30.00', ...common]);
    expect(held.result.state).toBe('approved');
    const stored = await pos(['completion', held.result.id, '25.00', '--offline', ...common]);
    expect(stored.code).toBe(0);
    expect(stored.result).toMatchObject({ kind: 'completion', state: 'approved', reasonCode: 'advice-queued', advice: 'forwarded', amount: 2500 });
    expect(await rowsOf('OFFLINE1')).toEqual([['completion', 2500, '00'], ['preauthorization', 3000, '00']]);
    // The same path an interrupted completion takes: an advice entry in the journal's queue, acknowledged.
    const journal = new Journal(join(dir, 'offline-up.db'), Buffer.from(testTmk, 'hex'));
    try {
      expect(journal.queueEntry(stored.result.id, 'advice')).toMatchObject({ done: true, attempts: 1 });
      expect(journal.pendingQueue()).toEqual([]);
    } finally {
      journal.close();
    }
    // And it counts as the completion: another is refused.
    expect((await pos(['completion', held.result.id, '--offline', ...common])).result).toMatchObject({ state: 'failed', reasonCode: 'already-completed' });
  });

  it('with the switch stopped: kept as "stored" (exit 0), then sent after the next sign-on (a batch close) once the switch is back', async () => {
    const journalPath = join(dir, 'offline-down.db');
    const common = [...host(), '--journal', journalPath, '--terminal-id', 'OFFLINE2', '--virtual-card', 'unionpay'];
    const held = await pos(['preauth', '60.00', ...common]);
    expect(held.result.state).toBe('approved');
    await sw.stop();
    try {
      const stored = await pos(['completion', held.result.id, '45.00', '--offline', ...common]);
      expect(stored.code).toBe(0);
      expect(stored.result).toMatchObject({ kind: 'completion', state: 'approved', reasonCode: 'advice-queued', advice: 'stored', amount: 4500 });
      expect(stored.result.reason).toMatch(/waits in the store-and-forward queue/);
      const journal = new Journal(journalPath, Buffer.from(testTmk, 'hex'));
      try {
        expect(journal.get(stored.result.id)).toMatchObject({ state: 'approved', mti: '0220' });
        expect(journal.pendingQueue()).toMatchObject([{ txnId: stored.result.id, kind: 'advice', done: false }]);
      } finally {
        journal.close();
      }
    } finally {
      sw = await start(port); // same port, same SQLite journal: the pre-authorization is still there
    }
    expect(await rowsOf('OFFLINE2')).toEqual([['preauthorization', 6000, '00']]);
    // A batch close empties the queue first: the advice goes out, then the batch settles with it.
    const closed = await pos(['batch', 'close', ...host(), '--journal', journalPath, '--terminal-id', 'OFFLINE2']);
    expect(closed.code).toBe(0);
    expect(closed.result).toMatchObject({ inBalance: true, totals: { card: { salesCount: 1, salesAmount: 4500 } } });
    expect(await rowsOf('OFFLINE2')).toEqual([['completion', 4500, '00'], ['preauthorization', 6000, '00'], ['settlement', 0, '00']]);
  });

  it('--offline belongs to completion only; on pos terminal stdin too', async () => {
    const out = capture();
    expect(await main(['sale', '1.00', '--offline', ...host()], out)).toBe(2);
    expect(out.stderr).toEqual(['pos sale: --offline: only pos completion can be stored offline']);
    expect(parseCommand('completion T1 40 --offline')).toEqual({ verb: 'completion', request: { original: 'T1', amount: 4000, offline: true } });
    expect(parseCommand('completion T1 --offline')).toEqual({ verb: 'completion', request: { original: 'T1', offline: true } });
    expect(() => parseCommand('completion T1 4 5 --offline')).toThrow("completion: unexpected argument '5'");
    const help = capture();
    expect(await main(['completion', '--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toContain('--offline');
  });
});

describe('pos balance: the receipt prints the balance', () => {
  let pty: PtyPair;
  let deviceSide: SerialTransport;
  let msr: VirtualMsr;
  beforeAll(async () => {
    pty = await openPtyPair();
    deviceSide = new SerialTransport({ path: pty.a, reconnect: false });
    await deviceSide.open();
    msr = new VirtualMsr(deviceSide, {});
  });
  afterAll(async () => {
    await msr?.close();
    await deviceSide?.close();
    await pty?.close();
  });

  it('the customer copy has the available balance with its currency (before: only AMOUNT CNY 0.00); the journal keeps DE54 for reprints', async () => {
    const journalPath = join(dir, 'balance.db');
    const io = capture();
    const err = io.err;
    io.err = (line) => {
      err(line);
      if (line.includes('"status":"present-card"')) void msr.swipe('magstripe');
    };
    const { code, result } = await pos(['balance', ...host(), '--journal', journalPath, '--terminal-id', 'BALRCPT1', '--msr', `serial:${pty.b}`], io);
    expect(code).toBe(0);
    expect(result).toMatchObject({ kind: 'balance', state: 'approved', amounts: [{ amountType: '02', currency: '156' }] });
    // Grouped as on every slip (54b8fd9); 'AVAIL' so that the demo cards' CNY 1,000,000.00 fits 32 columns.
    const available = `CNY ${(result.amounts[0].amount / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
    expect(result.receipt.customer).toContain(`\nAVAIL BALANCE${' '.repeat(32 - 13 - available.length)}${available}\n`);
    expect(result.receipt.merchant).not.toContain('AVAIL BALANCE');
    const journal = new Journal(journalPath, Buffer.from(testTmk, 'hex'));
    try {
      expect(journal.get(result.id)!.balance).toBe(result.balance);
    } finally {
      journal.close();
    }
  });
});
