// A journal or database path that cannot be used, or a port in use: one line naming the option,
// exit 2 — before, SQLite's "Cannot open database because the directory does not exist" or node's
// "listen EADDRINUSE" (exit 1), and with the admin port in use the switch's ISO port stayed open.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { capture, cleanupsAfterEach, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();

/** A port with a listener on it, closed after the test. */
async function busyPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(() => new Promise((done) => server.close(() => done())));
  return (server.address() as net.AddressInfo).port;
}

async function refused(args: string[]): Promise<string> {
  const io = capture();
  expect(await main(args, io)).toBe(2);
  expect(io.stderr).toHaveLength(1);
  return io.stderr[0]!;
}

describe('bad paths and ports', () => {
  it('--journal in a folder that does not exist, a folder, or under a file', async () => {
    const dir = tempDir(cleanups);
    writeFileSync(join(dir, 'file'), '');
    expect(await refused(['sale', '1.00', '--journal', '/nonexistent/dir/x.db'])).toBe('pos sale: --journal /nonexistent/dir/x.db: folder /nonexistent/dir does not exist');
    expect(await refused(['sale', '1.00', '--journal', dir])).toBe(`pos sale: --journal ${dir}: is a folder`);
    // Every terminal command, not only sale/refund/void: the check is where the journal is opened.
    expect(await refused(['terminal', '--journal', '/nonexistent/x.db'])).toBe('pos terminal: --journal /nonexistent/x.db: folder /nonexistent does not exist');
    expect(await refused(['void', 'X', '--journal', join(dir, 'file', 'x.db')])).toBe(`pos void: --journal ${join(dir, 'file', 'x.db')}: ${join(dir, 'file')} is not a folder`);
  });

  it('--db in a folder that does not exist (PATH or sqlite:PATH)', async () => {
    expect(await refused(['switch', '--port', '0', '--db', '/nonexistent/x.db'])).toBe('pos switch: --db /nonexistent/x.db: folder /nonexistent does not exist');
    expect(await refused(['switch', '--port', '0', '--db', 'sqlite:/nonexistent/x.db'])).toBe('pos switch: --db sqlite:/nonexistent/x.db: folder /nonexistent does not exist');
  });

  it('--port or --admin-port in use', async () => {
    const port = await busyPort();
    expect(await refused(['switch', '--port', String(port), '--admin-port', '0', '--db', ':memory:'])).toBe(`pos switch: --port ${port}: in use`);
    // The ISO port (0: any) listens first; the admin port's failure must close it, or main() would not return here.
    expect(await refused(['switch', '--port', '0', '--admin-port', String(port), '--db', ':memory:'])).toBe(`pos switch: --admin-port ${port}: in use`);
    // One port given to both (in use or not): before, "--admin-port N: in use" even when --port's was the busy one.
    expect(await refused(['switch', '--port', String(port), '--admin-port', String(port), '--db', ':memory:'])).toBe(`pos switch: --admin-port ${port}: the same as --port (give each its own)`);
  });

  // Review of session 12: a client sends a header's bytes as UTF-8 and the server reads them as Latin-1, so 'tök en' never matched.
  it('$POS_ADMIN_TOKEN other than printable ASCII without spaces, before anything listens', async () => {
    const saved = process.env.POS_ADMIN_TOKEN;
    try {
      for (const token of ['tök', 'two words']) {
        process.env.POS_ADMIN_TOKEN = token;
        expect(await refused(['switch', '--port', '0', '--admin-port', '0', '--db', ':memory:'])).toBe('pos switch: $POS_ADMIN_TOKEN: printable ASCII only, without spaces (an HTTP header carries it as typed)');
      }
    } finally {
      if (saved === undefined) delete process.env.POS_ADMIN_TOKEN;
      else process.env.POS_ADMIN_TOKEN = saved;
    }
  });
});
