/**
 * `pos terminal`: the terminal runtime on real or virtual devices until Ctrl-C. Commands come one
 * per line on stdin (`stdinCommands`, parsed by `parseCommand`); every result, status and device
 * change is one JSON line on stdout.
 */
import { createInterface } from 'node:readline';
import type { Terminal } from '../../terminal/index.js';
import { parseOptions, quoted, type CliIo } from '../io.js';
import { openTerminal, amountArgument, terminalOptions, terminalUsage, withAmounts } from './terminal-setup.js';

/** What `parseCommand` accepts, one form per verb; `cancel` stops the transaction in progress. */
export const stdinCommands = ['sale 12.34 [card|code]', 'refund ID [AMOUNT]', 'void ID', 'preauth 12.34', 'completion ID [AMOUNT] [--offline]', 'balance', 'batch close', 'history', 'cancel', 'quit'] as const;

const usage = `usage: pos terminal --host HOST:PORT [--spec NAME|FILE.json] [--framing …] --reader pn532:PATH --scanner hid:VID:PID|serial:PATH --msr serial:PATH
  then type commands: ${stdinCommands.join(' | ')}
  e.g. pos terminal --host 127.0.0.1:8583 --reader pn532:/dev/ttyUSB0 --scanner hid:0c2e:0204 --msr serial:/dev/ttyACM0`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, terminalOptions, 0);
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
    const done = (value: unknown) => io.out(JSON.stringify(value));
    const fail = (error: Error) => io.out(JSON.stringify({ error: error.message }));
    try {
      const command = parseCommand(line);
      if (command?.verb === 'sale') t.sale(command.request).then(done, fail);
      else if (command?.verb === 'refund') t.refund(command.request).then(done, fail);
      else if (command?.verb === 'void') t.void(command.request).then(done, fail);
      else if (command?.verb === 'preauth') t.preauth(command.request).then(done, fail);
      else if (command?.verb === 'completion') t.completion(command.request).then(done, fail);
      else if (command?.verb === 'balance') t.balance().then((result) => done(withAmounts(result)), fail);
      else if (command?.verb === 'batch') t.batchClose().then(done, fail);
      else if (command?.verb === 'history') done(t.history({ limit: 20 }));
      else if (command?.verb === 'cancel') t.cancel();
      else if (command?.verb === 'quit') lines.close();
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

type Request<K extends 'sale' | 'refund' | 'void' | 'preauth' | 'completion'> = Parameters<Terminal[K]>[0];
type Command =
  | { verb: 'sale'; request: Request<'sale'> }
  | { verb: 'refund'; request: Request<'refund'> }
  | { verb: 'void'; request: Request<'void'> }
  | { verb: 'preauth'; request: Request<'preauth'> }
  | { verb: 'completion'; request: Request<'completion'> }
  | { verb: 'balance' | 'batch' | 'history' | 'cancel' | 'quit' };

/** One stdin line → what to run (undefined: a blank line); a line it cannot run throws, naming what is wrong. */
export function parseCommand(line: string): Command | undefined {
  const [verb, ...words] = line.trim().split(/\s+/).filter(Boolean);
  // A line may be a swipe or a PAN typed into the wrong window: echoed only as quoted() allows (cli/io.ts).
  const shown = (text: string) => (quoted(text).startsWith("'") ? text : quoted(text));
  const atMost = (count: number) => {
    if (words[count] !== undefined) throw new Error(`${verb}: unexpected argument ${quoted(words[count])}`);
  };
  switch (verb) {
    case undefined:
      return undefined;
    case 'sale': {
      atMost(2);
      const [amount, tender] = words;
      if (tender !== undefined && tender !== 'card' && tender !== 'code') throw new Error(`sale: unknown tender ${quoted(tender)} (card or code)`);
      return { verb, request: { amount: amountArgument(amount), ...(tender ? { tender } : {}) } };
    }
    case 'refund': {
      atMost(2);
      const [original, amount] = words;
      if (!original) throw new Error('refund: missing the original transaction ID');
      return { verb, request: { original, ...(amount === undefined ? {} : { amount: amountArgument(amount) }) } };
    }
    case 'void': {
      atMost(1);
      if (!words[0]) throw new Error('void: missing the original transaction ID');
      return { verb, request: { original: words[0] } };
    }
    case 'preauth':
      atMost(1);
      return { verb, request: { amount: amountArgument(words[0]) } };
    case 'completion': {
      // --offline anywhere after the verb: the advice is stored and forwarded (Terminal.completion).
      const offline = words.includes('--offline');
      const rest = words.filter((word) => word !== '--offline');
      if (rest[2] !== undefined) throw new Error(`completion: unexpected argument ${quoted(rest[2])}`);
      const [original, amount] = rest;
      if (!original) throw new Error('completion: missing the pre-authorization\'s transaction ID');
      return { verb, request: { original, ...(amount === undefined ? {} : { amount: amountArgument(amount) }), ...(offline ? { offline } : {}) } };
    }
    case 'batch':
      if (words[0] !== 'close') throw new Error(`unknown command: ${shown(line.trim())} (batch close)`);
      atMost(1);
      return { verb };
    case 'balance':
    case 'history':
    case 'cancel':
    case 'quit':
      atMost(0);
      return { verb };
    default:
      throw new Error(`unknown command: ${shown(line.trim())}`);
  }
}
