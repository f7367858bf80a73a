/**
 * A terminal in a process of its own, for tests that SIGKILL it: the real Terminal on a VirtualKit
 * (virtual PN532 holding the test cards, real PN532 driver over an in-process serial line), its
 * SQLite journal on disk, the host a switch the test runs.
 *
 *   node --import tsx test/support/terminal-child.ts '{"port":8583,"journal":"/tmp/t.db","terminalId":"CRASH001"}'
 *
 * stdin, one command a line: `sale AMOUNT PROFILE` (taps that card and runs the sale), `row ID`
 * (prints the journal row), `quit`. stdout, one JSON line each: `{ ready, signedOn, rows }` once
 * started (the journal as recovery left it), `{ status }` for every status event, `{ result }`,
 * `{ row }`, `{ error }`. Status listeners are attached before `start()`, so a reversal the
 * recovery sends at start is seen.
 */
import { createInterface } from 'node:readline';
import { VirtualKit } from '../../hardware/virtual-kit.js';
import type { TestCardProfileId } from '../../protocols/testcards.js';
import { Terminal } from '../../terminal/index.js';

interface ChildConfig {
  port: number;
  journal: string;
  terminalId: string;
  /** Default: the switch's test TMK (switch/config.ts testTmk). */
  tmk?: string;
  hostMs?: number;
  /** The virtual cards' ATCs to start from (a restarted child continues its cards' counts: the switch refuses a replayed ATC). */
  atcs?: Partial<Record<TestCardProfileId, number>>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const kit = new VirtualKit({ atcs: config.atcs ?? {} });
await kit.start();
const terminal = new Terminal({
  host: '127.0.0.1', port: config.port, terminalId: config.terminalId, merchantId: 'MERCHANT0000001',
  tmk: config.tmk ?? 'C1D0F8FB4958670DBA40AB1F3752EF0D', journal: config.journal, reader: kit.reader,
  timeouts: { hostMs: config.hostMs ?? 30_000, presentMs: 5000, echoIntervalMs: 0, reconnectInitialMs: 20, reconnectMaxMs: 200, queueRetryMs: 100 },
});
terminal.on('status', (status) => print({ status }));
await terminal.start();
print({ ready: true, signedOn: terminal.signedOn, rows: terminal.history({ limit: 10 }) });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, a, b] = line.trim().split(/\s+/);
  if (verb === 'sale') {
    const sale = terminal.sale({ amount: Number(a) });
    kit.tap(b as TestCardProfileId);
    sale.then((result) => print({ result }), (error: Error) => print({ error: error.message })).finally(() => kit.removeCards());
  } else if (verb === 'row') print({ row: terminal.transaction(a ?? '') ?? null });
  else if (verb === 'quit') lines.close();
  else print({ error: `unknown command: ${line.trim()}` });
});
lines.once('close', () => {
  void terminal
    .stop()
    .then(() => kit.stop())
    .then(() => process.exit(0));
});
