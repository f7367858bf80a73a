/**
 * `pos terminal`: the terminal runtime on real or virtual devices until Ctrl-C. Commands come one
 * per line on stdin (`sale 12.34`, `sale 12.34 code`, `refund ID [AMOUNT]`, `void ID`, `batch close`,
 * `history`); every result, status and device change is one JSON line on stdout.
 */
import { createInterface } from 'node:readline';
import { parseOptions, type CliIo } from '../io.js';
import { openTerminal, amountArgument, terminalOptions, terminalUsage } from './terminal-setup.js';

const usage = `usage: pos terminal --host HOST:PORT [--spec NAME|FILE.json] [--framing …] --reader pn532:PATH --scanner hid:VID:PID|serial:PATH --msr serial:PATH
  then type commands: sale 12.34 [card|code] | refund ID [AMOUNT] | void ID | batch close | history | quit`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, terminalOptions);
  if (values.help) {
    io.out(`${usage}\n${terminalUsage}`);
    return 0;
  }
  const session = await openTerminal(values, (line) => io.out(line));
  const t = session.terminal;
  t.on('device', (d) => io.out(JSON.stringify({ device: d.name, state: d.state, detail: d.detail })));
  io.out(JSON.stringify({ ready: true, signedOn: t.signedOn }));
  const lines = createInterface({ input: process.stdin });
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    lines.once('close', resolve);
  });
  lines.on('line', (line) => {
    const [verb, a, b] = line.trim().split(/\s+/);
    const done = (value: unknown) => io.out(JSON.stringify(value));
    const fail = (error: Error) => io.out(JSON.stringify({ error: error.message }));
    try {
      if (verb === 'sale') t.sale({ amount: amountArgument(a), tender: b === 'code' ? 'code' : b === 'card' ? 'card' : undefined }).then(done, fail);
      else if (verb === 'refund' && a) t.refund({ original: a, ...(b ? { amount: amountArgument(b) } : {}) }).then(done, fail);
      else if (verb === 'void' && a) t.void({ original: a }).then(done, fail);
      else if (verb === 'batch' && a === 'close') t.batchClose().then(done, fail);
      else if (verb === 'history') done(t.history({ limit: 20 }));
      else if (verb === 'cancel') t.cancel();
      else if (verb === 'quit') lines.close();
      else if (verb) fail(new Error(`unknown command: ${line.trim()}`));
    } catch (error) {
      fail(error as Error);
    }
  });
  await stop;
  lines.close();
  process.stdin.destroy(); // `quit` with stdin still open: nothing may keep the process alive
  await session.close();
  return 0;
}
