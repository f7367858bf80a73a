// npm run bench:reader [-- --taps N] [--baud N] [--card visa|mastercard|unionpay] [--json]
// A full contactless read (PPSE, SELECT, GPO, READ RECORDs, GENERATE AC) through the real PN532
// driver and the real serialport binding over a socat PTY, against the virtual PN532 paced at the
// given baud rate. Prints ms per tap (median, p99), the line-speed lower bound computed from the
// bytes that crossed the line during the tap, and their ratio (goal: ≤ 1.3).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { contactlessRead, defaultTerminalData } from '../hardware/nfc/contactless-read.js';
import { BITS_PER_BYTE } from '../hardware/nfc/line-clock.js';
import { Pn532Reader } from '../hardware/nfc/pn532-reader.js';
import { VirtualPn532 } from '../hardware/nfc/virtual-pn532.js';
import { createVirtualCard } from '../hardware/nfc/virtual-cards/index.js';
import { SerialTransport } from '../hardware/serial/index.js';
import { openPtyPair } from '../test/support/pty.js';
import { latencies } from './support/stats.js';
import { tapOptions } from './support/tap-options.js';

const { taps, baudRate, profile, json } = tapOptions('bench:reader', 200);

const dir = mkdtempSync(join(tmpdir(), 'bench-reader-'));
const pty = await openPtyPair({ dir });
const deviceSide = new SerialTransport({ path: pty.a, baudRate, reconnect: false });
await deviceSide.open();
const device = new VirtualPn532(deviceSide, { baudRate });
const host = new SerialTransport({ path: pty.b, baudRate, reconnect: false });
const reader = new Pn532Reader(host);

const durations: number[] = [];
const bounds: number[] = [];
let apdus = 0;
let bytesPerTap = 0;
try {
  await reader.start();
  const card = createVirtualCard(profile);
  device.tap(card);
  for (let i = 0; i < taps + 5; i++) {
    const before = reader.stats.bytesIn + reader.stats.bytesOut;
    const un = Buffer.alloc(4);
    un.writeUInt32BE(i);
    const started = performance.now();
    await reader.waitForCard({ timeoutMs: 2000 });
    const result = await contactlessRead(reader, defaultTerminalData(un));
    await reader.release();
    const elapsed = performance.now() - started;
    if (!result.cryptogram) throw new Error('no cryptogram');
    const bytes = reader.stats.bytesIn + reader.stats.bytesOut - before;
    if (i < 5) continue; // warm-up
    durations.push(elapsed);
    bounds.push((bytes * BITS_PER_BYTE * 1000) / baudRate);
    apdus = result.exchanges.length;
    bytesPerTap = bytes;
  }
} finally {
  await reader.stop().catch(() => {});
  device.close();
  await deviceSide.close();
  await pty.close();
  rmSync(dir, { recursive: true, force: true });
}

const { median, p99 } = latencies(durations);
const bound = bounds.reduce((a, b) => a + b, 0) / bounds.length;
const summary = {
  benchmark: 'reader',
  card: profile,
  baudRate,
  taps: durations.length,
  apdusPerTap: apdus,
  bytesPerTap,
  medianMs: round(median),
  p99Ms: round(p99),
  lineBoundMs: round(bound),
  ratio: round(median / bound),
  goalRatio: 1.3,
  cores: cpus().length,
};
if (json) console.log(JSON.stringify(summary));
else {
  console.log(`contactless read (${profile}, ${apdus} APDUs, ${bytesPerTap} bytes on the line) at ${baudRate} baud, ${durations.length} taps`);
  console.log(`  per tap: median ${summary.medianMs} ms, p99 ${summary.p99Ms} ms`);
  console.log(`  line-speed lower bound: ${summary.lineBoundMs} ms (${BITS_PER_BYTE} bits/byte)`);
  console.log(`  median / bound: ${summary.ratio} (goal ≤ ${summary.goalRatio})`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
