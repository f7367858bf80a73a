// pos load's reversals. The --mix's reversals are requests the terminals send: before, --rate paced
// them but the summary counted none (--mix sale=1,reversal=1: sent 985 while ~1000 reversals were
// approved, approvalsPerSecond halved). A reversal's 0420 repeats got a new STAN and DE7 each time
// (the journal held a 0400 and six 0420 rows as different requests); a 0420 is the same request as its 0400.
// A connect timeout's reason named its fractional ms, so signOnFailures never grouped.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { runLoad } from '../../cli/load/generator.js';
import { testTmk } from '../../switch/config.js';
import { capture } from '../support/cli.js';
import { aSwitch, stops } from '../support/load-switch.js';


describe('pos load --mix reversals', () => {
  it('count in sent, approved, response codes and latency, each naming the sale it reverses, which the switch closed', async () => {
    const sw = await aSwitch();
    const result = await runLoad({ port: sw.port, terminals: 2, rate: 200, durationMs: 600, tmk: testTmk, mix: { sale: 1, refund: 0, reversal: 1 } });
    const reversals = result.approvals.filter((a) => a.kind === 'reversal');
    expect(reversals.length).toBeGreaterThan(0);
    expect(result.approved).toBe(result.approvals.length);
    expect(result.sent).toBe(result.approved + result.declined + result.unanswered + result.unreversed);
    expect(Object.values(result.responseCodes).reduce((a, b) => a + b, 0)).toBe(result.approved + result.declined);
    // By kind: the totals are their sums; each kind's approvals are those of the approvals list.
    const { sale, refund, reversal } = result.byKind;
    expect(sale.sent + refund.sent + reversal.sent).toBe(result.sent);
    expect(sale.approved + refund.approved + reversal.approved).toBe(result.approved);
    expect(sale.declined + refund.declined + reversal.declined).toBe(result.declined);
    expect(sale.unanswered + refund.unanswered).toBe(result.unanswered);
    expect(reversal.unanswered).toBe(result.unreversed);
    expect(refund.sent).toBe(0);
    expect(reversal.approved).toBe(reversals.length);
    expect(sale.approved).toBe(result.approvals.filter((a) => a.kind === 'sale').length);
    const sales = new Map(result.approvals.filter((a) => a.kind === 'sale').map((s) => [`${s.terminalId}/${s.stan}/${s.transmitted}`, s]));
    for (const reversal of reversals) {
      const sale = sales.get(`${reversal.original!.terminalId}/${reversal.original!.stan}/${reversal.original!.transmitted}`);
      expect(sale, 'a reversal names an approved sale').toBeDefined();
      expect(reversal.amount).toBe(sale!.amount);
      expect((await sw.store.byKey(sale!.terminalId, sale!.stan, sale!.transmitted, '0200'))!.closed).toBe('reversed');
    }
  });

  it('the CLI summary: --rate paces them and approvalsPerSecond counts them', async () => {
    const sw = await aSwitch();
    const io = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '2', '--rate', '100', '--duration', '0.6', '--mix', 'sale=1,reversal=1', '--json'], io)).toBe(0);
    const summary = JSON.parse(io.stdout.join('')) as { sent: number; approved: number; responseCodes: Record<string, number> };
    const journal = await sw.store.search({ limit: 1000 });
    const approvedRows = journal.filter((row) => row.responseCode === '00' && row.mti !== '0800');
    expect(approvedRows.some((row) => row.kind === 'reversal')).toBe(true);
    expect(summary.approved).toBe(approvedRows.length);
    expect(summary.responseCodes['00']).toBe(approvedRows.length);
    expect(summary.sent).toBe(approvedRows.length);
  });

  it('the text summary has a line by kind when more than one kind was sent, none for sales alone', async () => {
    const sw = await aSwitch();
    const mixed = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '2', '--rate', '100', '--duration', '0.6', '--mix', 'sale=1,reversal=1', '--terminal-prefix', 'K'], mixed)).toBe(0);
    const line = mixed.stdout.join('').split('\n').find((l) => l.startsWith('by kind: '));
    expect(line).toMatch(/^by kind: sales (\d+) \(approved \1\); reversals (\d+) \(approved \2\)$/);
    const salesOnly = capture();
    expect(await main(['load', '--port', String(sw.port), '--terminals', '2', '--rate', '100', '--duration', '0.3', '--mix', 'sale=1', '--terminal-prefix', 'J'], salesOnly)).toBe(0);
    expect(salesOnly.stdout.join('')).not.toContain('by kind');
  });
});

describe('pos load reversal repeats', () => {
  it('a 0420 carries its 0400\'s STAN and DE7: one reversal row however often it is repeated', async () => {
    const sw = await aSwitch();
    // Answers come after the timeout: the sale and every reversal attempt go unanswered (but are journaled).
    sw.faults.set('L0000001', { delayMs: 1000 });
    // One sale (the next is due after the duration), then the drain (2 × 200 ms): a 0400 and at least one 0420.
    const result = await runLoad({ port: sw.port, terminals: 1, rate: 2, durationMs: 400, tmk: testTmk, timeoutMs: 200, mix: { sale: 1, refund: 0, reversal: 0 } });
    expect(result.unanswered).toBe(1);
    const [unanswered] = result.unansweredRequests;
    expect(unanswered!.reversal, 'a reversal was sent').toBeDefined();
    // It was repeated: the 0400 went unanswered in time, so a 0420 followed.
    expect(unanswered!.reversal!.mti).toBe('0420');
    const rows = await sw.store.search({ terminalId: 'L0000001', limit: 1000 });
    const reversalRows = rows.filter((row) => row.kind === 'reversal');
    expect(reversalRows.map((row) => [row.stan, row.transmitted])).toEqual([[unanswered!.reversal!.stan, unanswered!.reversal!.transmitted]]);
  });
});

describe('pos load sign-on failures', () => {
  it('a connect timeout is one reason however long each attempt had: terminals group under it', async () => {
    // A listener that is stopped (SIGSTOP) with its accept queue full: the kernel drops further SYNs, so connects hang.
    const listener = spawn(process.execPath, ['-e', "const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    stops.push(async () => void listener.kill('SIGKILL'));
    const port = Number(await new Promise<string>((done) => listener.stdout!.once('data', (chunk) => done(String(chunk)))));
    listener.kill('SIGSTOP');
    const fillers = Array.from({ length: 4 }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
    stops.push(async () => fillers.forEach((socket) => socket.destroy()));
    await new Promise((done) => setTimeout(done, 100));
    const io = capture();
    expect(await main(['load', '--port', String(port), '--terminals', '3', '--rate', '30', '--duration', '0.4', '--timeout-ms', '150', '--json'], io)).toBe(1);
    const { signOnFailures } = JSON.parse(io.stdout.join('')) as { signOnFailures: Record<string, number> };
    expect(signOnFailures).toEqual({ 'connect timed out': 3 });
  });
});
