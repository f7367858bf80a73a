// The virtual cards' ATCs and the virtual PIN pad's KSN shared by `pos sale` processes in one data
// folder (cli/device-counters.ts): parallel processes never use one ATC twice (before: a read-modify-
// write without a lock, 8 parallel sales sent 4 ATCs twice), each PIN block has its own KSN (before:
// every process started at KSN counter 1), a stale lock is broken by one process only, and a corrupt
// counter file is refused, never silently reset.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { DeviceCounters } from '../../cli/device-counters.js';
import { tdesKsnCounter } from '../../protocols/crypto/index.js';
import { testTmk } from '../../switch/config.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { SimulatedHsm, type CryptogramCheck } from '../../switch/hsm/index.js';
import { capture, runPos } from '../support/cli.js';

/** Every ATC that reaches the switch in an ARQC, in arrival order. */
class RecordingHsm extends SimulatedHsm {
  readonly atcs: number[] = [];
  override async verifyArqc(check: CryptogramCheck): Promise<boolean> {
    this.atcs.push(check.atc.readUInt16BE(0));
    return super.verifyArqc(check);
  }
}
const hsm = new RecordingHsm({ lmk: randomBytes(32) });
let sw: RunningSwitch;
let dir: string;
beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk }, hsm });
  dir = mkdtempSync(join(tmpdir(), 'pos-counters-'));
});
afterAll(async () => {
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
});

const lastJson = (stdout: string) => JSON.parse(stdout) as { state: string; responseCode: string };

describe('virtual card and PIN pad counters shared by pos sale processes', () => {
  // Two processes may reach the switch out of reservation order (a later one 05, as a real card tapped
  // twice at once would be): what must hold is that no ATC is used twice and the file keeps the highest.
  it('8 parallel sales with one card in one folder, a dead process\'s lock to break: 8 different ATCs, the file at the highest', async () => {
    const cwd = mkdtempSync(join(dir, 'parallel-'));
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data/virtual-devices.lock'), '999999999'); // no such process: all 8 try to break it
    const before = hsm.atcs.length;
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runPos(['sale', '1.00', '--virtual-card', 'mastercard', '--terminal-id', `POS1000${i}`, '--host', `127.0.0.1:${sw.port}`, '--timeout-ms', '10000'], cwd)),
    );
    for (const run of runs) expect(['approved', 'declined'], run.stdout + run.stderr).toContain(lastJson(run.stdout).state);
    const used = hsm.atcs.slice(before);
    // A failure shows the ATCs in arrival order and each process's output (a skipped ATC: some GET PROCESSING
    // OPTIONS ran twice; a repeated one: the lock let two processes in).
    const seen = `ATCs in arrival order: ${used.join(', ')}\n${runs.map((run) => run.stdout + run.stderr).join('\n')}`;
    expect(used, seen).toHaveLength(8);
    expect(new Set(used).size, seen).toBe(8);
    expect(JSON.parse(readFileSync(join(cwd, 'data/virtual-cards.json'), 'utf8')), seen).toEqual({ mastercard: Math.max(...used) });
    expect(Math.max(...used), seen).toBe(0x20 + 8);
    expect(existsSync(join(cwd, 'data/virtual-devices.lock'))).toBe(false);
    expect(existsSync(join(cwd, 'data/virtual-devices.lock.break'))).toBe(false);
  }, 60_000);

  it('4 parallel PIN sales: the folder PIN pad reserved 4 KSNs, one per PIN block, none refused for its PIN', async () => {
    const cwd = mkdtempSync(join(dir, 'pin-'));
    const runs = await Promise.all(
      Array.from({ length: 4 }, (_, i) => runPos(['sale', '355.00', '--virtual-card', 'unionpay', '--pin', '1234', '--terminal-id', `POS2000${i}`, '--host', `127.0.0.1:${sw.port}`, '--timeout-ms', '10000'], cwd)),
    );
    // 05 only when its ATC reached the switch after a later one (parallel taps of one card), 63 when its KSN did (the
    // switch refuses a DUKPT counter not above the pad's highest, with a note saying why); never 55 (a PIN block under a reused key).
    for (const run of runs) {
      const result = lastJson(run.stdout) as { responseCode: string; note?: string };
      expect(['00', '05', '63'], run.stdout + run.stderr).toContain(result.responseCode);
      if (result.responseCode === '63') expect(result.note).toMatch(/^63 most likely because the switch has seen a higher KSN counter/);
    }
    const saved = JSON.parse(readFileSync(join(cwd, 'data/virtual-pinpad.json'), 'utf8')) as { iksn: string; ksn: string };
    expect(saved.ksn.slice(0, 14)).toBe(saved.iksn.slice(0, 14));
    expect(tdesKsnCounter(Buffer.from(saved.ksn, 'hex'))).toBe(4);
  }, 60_000);

  it('a PIN pad file rolled back (restored from a copy): the switch refuses the reused KSN 63, and pos sale says why', async () => {
    const cwd = mkdtempSync(join(dir, 'rollback-'));
    const sale = () => runPos(['sale', '355.00', '--virtual-card', 'visa', '--pin', '1234', '--terminal-id', 'POS30001', '--host', `127.0.0.1:${sw.port}`, '--timeout-ms', '10000'], cwd);
    expect(lastJson((await sale()).stdout).responseCode).toBe('00');
    const file = join(cwd, 'data/virtual-pinpad.json');
    const first = readFileSync(file, 'utf8');
    expect(lastJson((await sale()).stdout).responseCode).toBe('00');
    writeFileSync(file, first); // the second sale's KSN is reserved again
    const replayed = lastJson((await sale()).stdout) as { responseCode: string; note?: string };
    expect(replayed.responseCode).toBe('63');
    expect(replayed.note).toContain(`63 most likely because the switch has seen a higher KSN counter from this PIN pad`);
    expect(replayed.note).toContain('data/virtual-pinpad.json');
  }, 60_000);

  it('a lock left by a killed process is broken, and one holding our own pid (a dead process\'s, pid reused after a restart)', () => {
    const folder = mkdtempSync(join(dir, 'lock-'));
    writeFileSync(join(folder, 'virtual-devices.lock'), '999999999'); // no such process
    const counters = new DeviceCounters(folder);
    expect(counters.reserveAtc('cli', 'visa', 0x11)).toBe(0x12);
    writeFileSync(join(folder, 'virtual-devices.lock'), String(process.pid));
    expect(counters.reserveAtc('demo', 'visa', 0x11)).toBe(0x13); // above the other file's
    expect(existsSync(join(folder, 'virtual-devices.lock'))).toBe(false);
  });

  it('a live holder: a short wait, then one line naming its pid and the lock; its lock is left alone', () => {
    const folder = mkdtempSync(join(dir, 'live-'));
    const lock = join(folder, 'virtual-devices.lock');
    writeFileSync(lock, String(process.ppid)); // a live process that is not us
    const counters = new DeviceCounters(folder, 50);
    expect(() => counters.reserveAtc('cli', 'visa', 0x11)).toThrow(new RegExp(`^${lock}: held by process ${process.ppid} \\(waited \\d+ ms; delete it if no pos process is running\\)$`));
    expect(readFileSync(lock, 'utf8')).toBe(String(process.ppid));
    expect(existsSync(join(folder, 'virtual-cards.json'))).toBe(false);
  });

  it('a dead holder another process is breaking (its .break guard) is not broken twice, and not named as the holder; a guard left by a dead breaker is cleared', () => {
    const folder = mkdtempSync(join(dir, 'guard-'));
    const lock = join(folder, 'virtual-devices.lock');
    writeFileSync(lock, '999999999');
    writeFileSync(`${lock}.break`, String(process.ppid)); // a live breaker: it decides, we wait
    const counters = new DeviceCounters(folder, 50);
    expect(() => counters.reserveAtc('cli', 'visa', 0x11)).toThrow(new RegExp(`^${lock}: its holder, process 999999999, is gone and process ${process.ppid} is breaking it; not free after \\d+ ms$`));
    expect(readFileSync(lock, 'utf8')).toBe('999999999');
    writeFileSync(`${lock}.break`, '999999998'); // the breaker crashed: its guard is cleared, the lock broken
    expect(counters.reserveAtc('cli', 'visa', 0x11)).toBe(0x12);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(`${lock}.break`)).toBe(false);
  });

  it('a guard older than 5 s is cleared even while its pid is alive (reused)', () => {
    const folder = mkdtempSync(join(dir, 'old-guard-'));
    const lock = join(folder, 'virtual-devices.lock');
    writeFileSync(lock, '999999999');
    writeFileSync(`${lock}.break`, String(process.ppid));
    const old = new Date(Date.now() - 10_000);
    utimesSync(`${lock}.break`, old, old);
    expect(new DeviceCounters(folder, 50).reserveAtc('cli', 'visa', 0x11)).toBe(0x12);
    expect(existsSync(`${lock}.break`)).toBe(false);
  });

  const corrupt: Array<[string, string, RegExp]> = [
    ['truncated', '{"visa": 40, "master', /virtual-cards\.json: not valid JSON \(.*\) \(fix or delete it\)$/],
    ['an array', '["x"]', /virtual-cards\.json: must be a JSON object, not \["x"\] \(fix or delete it\)$/],
    ['a fraction', '{"visa": 1.5}', /"visa" must be an ATC, an integer 0–65535, not 1\.5/],
    ['too large', '{"visa": 65536}', /"visa" must be an ATC, an integer 0–65535, not 65536/],
    ['an unknown card', '{"amex": 3}', /"amex" is not a virtual card/],
  ];
  it.each(corrupt)('virtual-cards.json %s: one line naming the file, exit 2, the file untouched', async (_name, text, message) => {
    const folder = mkdtempSync(join(dir, 'corrupt-'));
    writeFileSync(join(folder, 'virtual-cards.json'), text);
    const io = capture();
    expect(await main(['sale', '1.00', '--virtual-card', 'visa', '--journal', join(folder, 'terminal.db'), '--host', `127.0.0.1:${sw.port}`], io)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(/^pos sale: .*virtual-cards\.json: /);
    expect(io.stderr[0]).toMatch(message);
    expect(readFileSync(join(folder, 'virtual-cards.json'), 'utf8')).toBe(text);
  });

  it('a corrupt virtual-devices.json (the demo\'s, read by pos sale too) is refused the same way', async () => {
    const folder = join(mkdtempSync(join(dir, 'corrupt-demo-')), 'data');
    mkdirSync(folder);
    writeFileSync(join(folder, 'virtual-devices.json'), '');
    const io = capture();
    expect(await main(['sale', '1.00', '--virtual-card', 'visa', '--journal', join(folder, 'terminal.db'), '--host', `127.0.0.1:${sw.port}`], io)).toBe(2);
    expect(io.stderr).toEqual([expect.stringMatching(/^pos sale: .*virtual-devices\.json: not valid JSON .*\(fix or delete it\)$/)]);
  });
});
