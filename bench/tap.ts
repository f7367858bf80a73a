// npm run bench:tap [-- --taps N] [--baud N] [--card visa|mastercard|unionpay] [--json]
// Card presented → result through the whole stack: the virtual PN532 on a socat PTY at the given
// baud rate, the real driver, the terminal's kernel, host link (MAC) and SQLite journal, and a
// local switch (startSwitch, SQLite journal) over TCP verifying the ARQC. Timed from the moment the
// card enters the field to the sale's result. Goal: median ≤ 250 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pn532Reader } from '../hardware/nfc/pn532-reader.js';
import { VirtualPn532 } from '../hardware/nfc/virtual-pn532.js';
import { createVirtualCard } from '../hardware/nfc/virtual-cards/index.js';
import { SerialTransport } from '../hardware/serial/index.js';
import { startSwitch } from '../switch/index.js';
import { startTerminal } from '../terminal/index.js';
import { openPtyPair } from '../test/support/pty.js';
import { latencies } from './support/stats.js';
import { tapOptions } from './support/tap-options.js';

const { taps, baudRate, profile, json } = tapOptions('bench:tap', 100);
const tmk = '0123456789ABCDEFFEDCBA9876543210';

const dir = mkdtempSync(join(tmpdir(), 'bench-tap-'));
const sw = await startSwitch({ port: 0, db: join(dir, 'switch.db'), terminals: [{ id: 'BENCH001', merchantId: 'MERCHANT0000001', tmk }] });
const pty = await openPtyPair({ dir });
const deviceSide = new SerialTransport({ path: pty.a, baudRate, reconnect: false });
await deviceSide.open();
const device = new VirtualPn532(deviceSide, { baudRate });
const reader = new Pn532Reader(new SerialTransport({ path: pty.b, baudRate, reconnect: false }));
await reader.start();
const terminal = await startTerminal({
  host: '127.0.0.1', port: sw.port, terminalId: 'BENCH001', merchantId: 'MERCHANT0000001', tmk, journal: join(dir, 'terminal.db'), reader,
  timeouts: { hostMs: 5000, echoIntervalMs: 0 },
});

const durations: number[] = [];
let failures = 0;
// One card tapped again and again, as at a till: its ATC counts up, so the switch's replay check
// (an ATC not above the card's highest is refused, 05) passes. A new card object per tap would
// restart the ATC and every tap after the first would be a decline, timing the wrong path.
const card = createVirtualCard(profile);
try {
  for (let i = 0; i < taps + 5; i++) {
    const asked = new Promise<void>((resolve) => terminal.once('status', () => resolve())); // "present card"
    const sale = terminal.sale({ amount: 1234 }); // .34: no forced outcome (docs/test-cards.md)
    await asked;
    const presented = performance.now();
    device.tap(card);
    const result = await sale;
    const elapsed = performance.now() - presented;
    device.remove();
    if (result.state !== 'approved') failures++;
    if (i >= 5) durations.push(elapsed);
  }
} finally {
  await terminal.stop();
  await reader.stop();
  device.close();
  await deviceSide.close();
  await pty.close();
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
}

const { median, p99 } = latencies(durations);
const summary = {
  bench: 'tap',
  card: profile,
  baudRate,
  taps: durations.length,
  failures,
  medianMs: Number(median.toFixed(1)),
  p99Ms: Number(p99.toFixed(1)),
  goalMedianMs: 250,
  cpu: cpus()[0]?.model ?? 'unknown',
};
if (json) console.log(JSON.stringify(summary));
else
  console.log(
    `tap → result (${profile}, ${baudRate} baud, local switch): median ${summary.medianMs} ms, p99 ${summary.p99Ms} ms over ${summary.taps} taps` +
      `${failures ? `, ${failures} not approved` : ''} (goal: median ≤ 250 ms)`,
  );
// Timings of declines are not the figure asked for: say so with the exit code too.
if (failures) process.exitCode = 1;
