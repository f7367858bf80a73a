// pos switch and pos load from the command line: options, a real switch process, a short load.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { switchConfig, switchOptions } from '../../cli/commands/switch.js';
import { parseOptions } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { capture } from '../support/cli.js';

describe('pos switch and pos load', () => {
  it.each([
    [['switch', '--framing', 'morse'], '--framing'],
    [['switch', '--port', 'eighty'], '--port'],
    [['switch', '--log-level', 'loud'], '--log-level'],
    [['switch', '--spec', 'nope'], '--spec'],
    [['switch', '--max-in-flight', '0'], '--max-in-flight: a whole number from 1 to 65536'],
    [['switch', '--max-in-flight', '2.5'], '--max-in-flight: a whole number from 1 to 65536'],
    [['switch', '--max-in-flight', '65537'], '--max-in-flight: a whole number from 1 to 65536'],
    [['switch', '--max-unwritten-bytes', '1023'], '--max-unwritten-bytes: a whole number from 1024 to 1073741824'],
    [['switch', '--max-unwritten-bytes', '4MiB'], '--max-unwritten-bytes: a whole number from 1024 to 1073741824'],
    [['switch', '--idle-timeout-ms', '999'], '--idle-timeout-ms: a whole number from 1000 to 86400000'],
    [['switch', '--frame-timeout-ms', '5s'], '--frame-timeout-ms: a whole number from 100 to 600000'],
    [['switch', '--max-connections', '0'], '--max-connections: a whole number from 1 to 1000000'],
    [['switch', '--max-signed-on', '-1'], '--max-signed-on: a whole number from 1 to 10000000'],
    [['switch', '--port', '0', '--admin-port', '0', '--db', 'postgres://pos@127.0.0.1:1/x'], '--db: cannot open the journal (connect ECONNREFUSED 127.0.0.1:1)'],
    [['switch', '--host', '198.51.100.77', '--port', '0', '--admin-port', '0', '--db', ':memory:'], "--host: cannot listen on '198.51.100.77'"], // TEST-NET-2: no machine's own
    [['switch', '--db', 'mysql://pos@localhost/pos'], "--db: unknown database 'mysql://'"], // was taken for a SQLite path
    [['switch', '--db', 'POSTGRES://pos@localhost/pos'], "--db: unknown database 'POSTGRES://' (sqlite:PATH, PATH, :memory: or postgres://…, the scheme in lower case)"],
    [['load', '--mix', 'sale=1,tip=2'], '--mix'],
    [['load', '--terminals', '0'], '--terminals'],
    [['load', '--tmk', 'abc'], '--tmk'],
  ])('refuses %j in one line', async (args, what) => {
    const io = capture();
    expect(await main(args, io)).toBe(2);
    expect(io.stderr.join('')).toContain(what);
    expect(io.stderr.join('').trim().split('\n')).toHaveLength(1);
  });

  it('prints help', async () => {
    for (const command of ['switch', 'load']) {
      const io = capture();
      expect(await main([command, '--help'], io)).toBe(0);
      expect(io.stdout.join('')).toContain(`usage: pos ${command}`);
    }
    const io = capture();
    await main(['switch', '--help'], io);
    expect(io.stdout.join('')).toMatch(/--max-in-flight N .*default 256/);
    expect(io.stdout.join('')).toMatch(/--max-unwritten-bytes N .*default 4194304/);
    expect(io.stdout.join('')).toMatch(/--frame-timeout-ms N .*default 5000/);
    expect(io.stdout.join('')).toMatch(/--max-connections N .*default 10000/);
    expect(io.stdout.join('')).toMatch(/--max-signed-on N .*default 10000/);
    expect(io.stdout.join('')).toMatch(/none: one message per TCP read, no\s+pipelining/);
  });

  it('passes the per-connection limits to the switch, and leaves the defaults to it without them', () => {
    const config = switchConfig(
      parseOptions(
        ['--db', ':memory:', '--max-in-flight', '16', '--max-unwritten-bytes', '65536', '--idle-timeout-ms', '2000', '--frame-timeout-ms', '300', '--max-connections', '50', '--max-signed-on', '7'],
        switchOptions,
      ).values,
    );
    expect(config).toMatchObject({ maxInFlightPerConnection: 16, maxUnwrittenBytes: 65536, idleTimeoutMs: 2000, frameTimeoutMs: 300, maxConnections: 50, maxSignedOn: 7 });
    const defaults = switchConfig(parseOptions(['--db', ':memory:'], switchOptions).values);
    for (const name of ['maxInFlightPerConnection', 'maxUnwrittenBytes', 'idleTimeoutMs', 'frameTimeoutMs', 'maxConnections', 'maxSignedOn']) expect(defaults).not.toHaveProperty(name);
  });

  it('makes no data/ folder when it does not start (a bad option)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pos-switch-cwd-'));
    const code = await new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../cli/pos.mjs'), 'switch', '--spec', 'nope'], { cwd, stdio: 'ignore' });
      child.once('exit', done);
    });
    expect(code).toBe(2);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('listens on 127.0.0.1 unless --host opens it (its enrolment takes any terminal with the published test TMK)', () => {
    expect(switchConfig(parseOptions(['--db', ':memory:'], switchOptions).values).host).toBe('127.0.0.1'); // before: every interface
    expect(switchConfig(parseOptions(['--db', ':memory:', '--host', '0.0.0.0'], switchOptions).values).host).toBe('0.0.0.0');
  });

  it('runs a switch process and a load against it with a JSON summary', async () => {
    // sqlite:// with an absolute path (three slashes) is a SQLite file, as `sqlite:PATH` is.
    const file = join(mkdtempSync(join(tmpdir(), 'pos-switch-cli-')), 'switch.db');
    const child = spawn(process.execPath, ['cli/pos.mjs', 'switch', '--port', '0', '--admin-port', '0', '--db', `sqlite://${file}`, '--log-level', 'warn', '--max-in-flight', '4', '--max-unwritten-bytes', '1048576'], {
      cwd: resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      // A child that dies before its ready line fails the test at once, not at the test's timeout.
      const readyLine = await new Promise<string>((done, fail) => {
        child.stdout!.once('data', (chunk) => done(String(chunk)));
        child.once('exit', (code, signal) => fail(new Error(`pos switch exited (${code ?? signal}) before it was ready`)));
      });
      const ready = JSON.parse(readyLine) as { host: string; port: number; db: string };
      expect(ready).toMatchObject({ host: '127.0.0.1', db: 'sqlite' });
      const io = capture();
      expect(await main(['load', '--port', String(ready.port), '--terminals', '3', '--duration', '1.5', '--rate', '200', '--json'], io)).toBe(0);
      const summary = JSON.parse(io.stdout.join('')) as { sent: number; approved: number; latencyMs: { p50: number }; responseCodes: Record<string, number> };
      expect(summary.approved).toBeGreaterThan(50);
      expect(summary.sent).toBeLessThan(400);
      expect(summary.latencyMs.p50).toBeGreaterThan(0);
      expect(io.stderr.join('')).toMatch(/sent \d+ {2}approved \d+/);
      expect(existsSync(file)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  }, 20_000);
});
