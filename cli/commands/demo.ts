import { CliError, parseOptions, printJson, type CliIo } from '../io.js';

const help = `usage: pos demo [--data DIR] [--port N] [--switch-port N] [--admin-port N] [--json]

Starts the whole system in one process: the acquiring switch (SQLite journal in DIR), a terminal
with a virtual NFC reader, magstripe reader, scanner and PIN pad, and the checkout page with its
tester panel. Prints the page's address; Ctrl-C stops everything cleanly; data survives a restart.

options:
  --data DIR          journals, log and device counters (default ./data)
  --port N            checkout page (default 8080; 0 = a free port)
  --switch-port N     switch ISO 8583 port for other terminals (default 8583)
  --admin-port N      switch admin API (default 8584)
  --json              print one JSON line with the addresses instead of the banner

example:
  pos demo --port 3000`;

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65535) throw new CliError(`--${name}: a port number 0–65535, not '${value}'`);
  return number;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, {
    data: { type: 'string' },
    port: { type: 'string' },
    'switch-port': { type: 'string' },
    'admin-port': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const options = {
    dataDir: values.data ?? 'data',
    port: port(values.port, 8080, 'port'),
    switchPort: port(values['switch-port'], 8583, 'switch-port'),
    adminPort: port(values['admin-port'], 8584, 'admin-port'),
  };
  const { startDemo, demoSupervisorPin } = await import('../demo/demo.js');
  let demo;
  try {
    demo = await startDemo(options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new CliError(`a port is already in use (${(error as Error).message.replace(/^.*EADDRINUSE:?\s*/, '')}); choose others with --port, --switch-port, --admin-port`);
    throw error;
  }
  if (values.json) {
    printJson(io, { page: demo.pageUrl, switchPort: demo.switchPort, adminPort: demo.adminPort, adminToken: demo.adminToken, data: demo.dataDir });
  } else {
    io.out(
      [
        '',
        `  Checkout page   ${demo.pageUrl}`,
        `  Switch          ISO 8583 on 127.0.0.1:${demo.switchPort} (default profile, 2-byte length header)`,
        `  Admin API       http://127.0.0.1:${demo.adminPort}/openapi.json  (writes need token ${demo.adminToken})`,
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
  return 0;
}
