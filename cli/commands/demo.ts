import { adminTokenFromEnv, CliError, parseOptions, quoted, type CliIo } from '../io.js';

const help = `usage: pos demo [--data DIR] [--port N] [--switch-port N] [--admin-port N] [--host ADDR] [--json]

Starts the whole system in one process: the acquiring switch (SQLite journal in DIR), a terminal
with a virtual NFC reader, magstripe reader, scanner and PIN pad, and the checkout page with its
tester panel. Prints the page's address; Ctrl-C stops everything cleanly; data survives a restart.

options:
  --data DIR          journals, log and device counters (default ./data)
  --port N            checkout page (default 8080; 0 = a free port)
  --switch-port N     switch ISO 8583 port for other terminals (default 8583)
  --admin-port N      switch admin API (default 8584)
  --host ADDR         address the switch and admin API listen on (default 127.0.0.1; 0.0.0.0 = every
                      interface). The switch signs on ANY terminal ID with the published test TMK:
                      open it only in a closed lab
  --json              print JSON lines instead of the banner: {"event":"ready",…addresses} when ready,
                      {"event":"stopped"} after Ctrl-C

The admin API's write token is $POS_ADMIN_TOKEN when set, else a random one printed at start.

example:
  pos demo --port 3000`;

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  // Digits are never shown from 4 on (quoted(): they may be a PIN), so a number is named for what is wrong.
  if (!/^\d+$/.test(value) || number > 65535) throw new CliError(`--${name}: a port number 0–65535, ${/^\d+$/.test(value) ? 'got one outside that range' : `not ${quoted(value)}`}`);
  return number;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, {
    data: { type: 'string' },
    port: { type: 'string' },
    'switch-port': { type: 'string' },
    'admin-port': { type: 'string' },
    host: { type: 'string' },
    json: { type: 'boolean' },
  }, 0);
  if (values.help) {
    io.out(help);
    return 0;
  }
  const adminToken = adminTokenFromEnv();
  const options = {
    dataDir: values.data ?? 'data',
    port: port(values.port, 8080, 'port'),
    switchPort: port(values['switch-port'], 8583, 'switch-port'),
    adminPort: port(values['admin-port'], 8584, 'admin-port'),
    ...(values.host ? { host: values.host } : {}),
    ...(adminToken ? { adminToken } : {}),
  };
  const { startDemo, demoSupervisorPin } = await import('../demo/demo.js');
  const { JournalInUseError } = await import('../../terminal/journal.js');
  let demo;
  try {
    demo = await startDemo(options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new CliError(`a port is already in use (${(error as Error).message.replace(/^.*EADDRINUSE:?\s*/, '')}); choose others with --port, --switch-port, --admin-port`);
    if (code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL') throw new CliError(`--host: cannot listen on ${quoted(values.host ?? '')} (${code}): an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`);
    if (error instanceof JournalInUseError) {
      throw new CliError(`--data ${options.dataDir}: its terminal journal ${error.path} is in use by another pos process (another pos demo on this folder?): stop it, or give this one another --data`);
    }
    throw error;
  }
  const address = (port: number) => (demo.host.includes(':') ? `[${demo.host}]:${port}` : `${demo.host}:${port}`);
  // A token the user set is theirs: not echoed to the screen.
  const ownToken = process.env.POS_ADMIN_TOKEN !== undefined && process.env.POS_ADMIN_TOKEN !== '';
  const token = ownToken ? 'from $POS_ADMIN_TOKEN' : demo.adminToken;
  if (values.json) {
    io.out(JSON.stringify({ event: 'ready', page: demo.pageUrl, host: demo.host, switchPort: demo.switchPort, adminPort: demo.adminPort, ...(ownToken ? {} : { adminToken: demo.adminToken }), data: demo.dataDir }));
  } else {
    io.out(
      [
        '',
        `  Checkout page   ${demo.pageUrl}`,
        `  Switch          ISO 8583 on ${address(demo.switchPort)} (default profile, 2-byte length header; any terminal ID signs on with the test TMK)`,
        `  Admin API       http://${address(demo.adminPort)}/openapi.json  (writes need token ${token})`,
        `  Data            ${demo.dataDir}  (log: demo.log)`,
        `  Supervisor PIN  ${demoSupervisorPin} (voids and refunds)`,
        '',
        '  Open the page, type an amount, press Pay, then tap a card in the Tester panel. Ctrl-C stops.',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.err('stopping…');
  await demo.stop();
  if (values.json) io.out(JSON.stringify({ event: 'stopped' }));
  return 0;
}
