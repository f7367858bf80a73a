/**
 * One-shot terminal commands for scripts and testers: `pos sale 12.34`, `pos refund ID 5.00`,
 * `pos void ID`, `pos batch close`. Each starts the terminal (sign-on, journal recovery), runs one
 * operation, prints the result as JSON on stdout (status lines on stderr) and stops.
 * Exit code 0 approved, 1 anything else.
 */
import { CliError, parseOptions, printJson, type CliIo } from '../io.js';
import { openTerminal, parseAmount, terminalOptions, terminalUsage } from './terminal-setup.js';

type Operation = (terminal: Awaited<ReturnType<typeof openTerminal>>['terminal'], positionals: string[], tender: string | undefined) => Promise<{ ok: boolean; value: unknown }>;

function command(usage: string, operation: Operation) {
  return async (args: string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseOptions(args, { ...terminalOptions, tender: { type: 'string' } });
    if (values.help) {
      io.out(`${usage}\n${terminalUsage}`);
      return 0;
    }
    const session = await openTerminal(values, (line) => io.err(line));
    try {
      const { ok, value } = await operation(session.terminal, positionals, values.tender);
      printJson(io, value);
      return ok ? 0 : 1;
    } finally {
      await session.close();
    }
  };
}

export const sale = command('usage: pos sale AMOUNT [--tender card|code] [options]   e.g. pos sale 12.34 --virtual-card visa', async (t, [amount], tender) => {
  if (tender !== undefined && tender !== 'card' && tender !== 'code') throw new CliError('--tender: card or code');
  const result = await t.sale({ amount: parseAmount(amount), ...(tender ? { tender } : {}) });
  return { ok: result.state === 'approved', value: result };
});

export const refund = command('usage: pos refund ORIGINAL_ID [AMOUNT] [options]   (refunds to the original card or wallet)', async (t, [original, amount]) => {
  if (!original) throw new CliError('missing the original transaction ID (see "id" in the sale\'s output)');
  const result = await t.refund({ original, ...(amount === undefined ? {} : { amount: parseAmount(amount) }) });
  return { ok: result.state === 'approved', value: result };
});

export const voidTxn = command('usage: pos void ORIGINAL_ID [options]', async (t, [original]) => {
  if (!original) throw new CliError('missing the original transaction ID');
  const result = await t.void({ original });
  return { ok: result.state === 'approved', value: result };
});

export const batch = command('usage: pos batch close [options]   (settles the open batch; uploads it when out of balance)', async (t, [verb]) => {
  if (verb !== 'close') throw new CliError('usage: pos batch close');
  const result = await t.batchClose();
  return { ok: true, value: result };
});
