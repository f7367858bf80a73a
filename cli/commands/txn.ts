/**
 * One-shot terminal commands for scripts and testers: `pos sale 12.34`, `pos refund ID 5.00`,
 * `pos void ID`, `pos preauth 50.00`, `pos completion ID [40.00]`, `pos balance`, `pos batch close`.
 * Each starts the terminal (sign-on, journal recovery), runs one operation, prints the result as
 * JSON on stdout (status lines on stderr) and stops.
 * Exit code 0 approved, 1 anything else, 2 bad arguments (checked before the terminal starts).
 */
import { atMost, CliError, parseOptions, printJson, type CliIo } from '../io.js';
import { amountArgument, openTerminal, terminalOptions, terminalUsage, withAmounts } from './terminal-setup.js';

type Terminal = Awaited<ReturnType<typeof openTerminal>>['terminal'];

/**
 * `parse` checks the arguments before the terminal starts (a typo costs no sign-on), `operation`
 * runs what it returned.
 */
function command<A>(
  usage: string,
  parse: (positionals: string[], tender: string | undefined, offline: boolean) => A,
  operation: (terminal: Terminal, args: A) => Promise<{ ok: boolean; value: unknown }>,
) {
  return async (args: string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseOptions(args, { ...terminalOptions, tender: { type: 'string' }, offline: { type: 'boolean' } });
    if (values.help) {
      io.out(`${usage}\n${terminalUsage}`);
      return 0;
    }
    const parsed = parse(positionals, values.tender, values.offline === true);
    const session = await openTerminal(values, (line) => io.err(line));
    try {
      const { ok, value } = await operation(session.terminal, parsed);
      const note = session.explain(value);
      printJson(io, note ? { ...(value as object), note } : value);
      return ok ? 0 : 1;
    } finally {
      await session.close();
    }
  };
}

/** Only a sale chooses how it is paid; the others take a card or name their original: never ignored. */
function noTender(tender: string | undefined, offline = false): void {
  if (tender !== undefined) throw new CliError('--tender: only pos sale takes a tender');
  if (offline) throw new CliError('--offline: only pos completion can be stored offline');
}

const approved = <R extends { state: string }>(result: R) => ({ ok: result.state === 'approved', value: result });

export const sale = command(
  'usage: pos sale AMOUNT [--tender card|code] [options]   e.g. pos sale 12.34 --virtual-card visa',
  (positionals, tender, offline) => {
    if (offline) throw new CliError('--offline: only pos completion can be stored offline');
    atMost(positionals, 1);
    const [amount] = positionals;
    if (tender !== undefined && tender !== 'card' && tender !== 'code') throw new CliError('--tender: card or code');
    return { amount: amountArgument(amount), ...(tender ? { tender: tender as 'card' | 'code' } : {}) };
  },
  async (t, request) => approved(await t.sale(request)),
);

export const refund = command(
  `usage: pos refund ORIGINAL_ID [AMOUNT] [options]   (refunds to the original card or wallet)
  without AMOUNT: what is left to refund of the original (its amount less its refunds that stand, are in flight or
  are being reversed), so after a partial refund it refunds the rest
  e.g. pos refund <id from the sale's output> 5.00 --host 127.0.0.1:8583`,
  (positionals, tender, offline) => {
    noTender(tender, offline);
    atMost(positionals, 2);
    const [original, amount] = positionals;
    if (!original) throw new CliError('missing the original transaction ID (see "id" in the sale\'s output)');
    return { original, ...(amount === undefined ? {} : { amount: amountArgument(amount) }) };
  },
  async (t, request) => approved(await t.refund(request)),
);

export const voidTxn = command(
  'usage: pos void ORIGINAL_ID [options]   e.g. pos void <id from the sale\'s output> --host 127.0.0.1:8583',
  (positionals, tender, offline) => {
    noTender(tender, offline);
    atMost(positionals, 1);
    const [original] = positionals;
    if (!original) throw new CliError('missing the original transaction ID');
    return { original };
  },
  async (t, request) => approved(await t.void(request)),
);

export const preauth = command(
  'usage: pos preauth AMOUNT [options]   (holds the amount on the card; complete it with pos completion ID)\n  e.g. pos preauth 50.00 --virtual-card mastercard',
  (positionals, tender, offline) => {
    noTender(tender, offline);
    atMost(positionals, 1);
    return { amount: amountArgument(positionals[0]) };
  },
  async (t, request) => approved(await t.preauth(request)),
);

export const completion = command(
  `usage: pos completion PREAUTH_ID [AMOUNT] [--offline] [options]   (captures a pre-authorization, by default its whole amount; sent as a 0220 advice)
  refused before anything is sent (exit 1, "reasonCode"): original-not-found, original-not-eligible, amount-exceeds-original,
  already-completed (a completion of it stands or is still being reversed)
  --offline   store the 0220 advice and forward it with the store-and-forward queue (as an interrupted completion is):
              "advice": "forwarded" once the host acknowledged it, "stored" while it waits (sent after the next sign-on,
              by any pos command on the same journal, and before a batch close)
  e.g. pos completion <id from the preauth's output> 42.00`,
  (positionals, tender, offline) => {
    noTender(tender);
    atMost(positionals, 2);
    const [original, amount] = positionals;
    if (!original) throw new CliError('missing the pre-authorization\'s transaction ID (see "id" in the preauth\'s output)');
    return { original, ...(amount === undefined ? {} : { amount: amountArgument(amount) }), ...(offline ? { offline } : {}) };
  },
  async (t, request) => approved(await t.completion(request)),
);

export const balance = command(
  `usage: pos balance [options]   (balance inquiry on a tapped or swiped card)
  prints "balance" (the host's DE54) and "amounts": [{ accountType, amountType ("02": available), currency, amount (minor units, negative for D) }]
  e.g. pos balance --virtual-card unionpay`,
  (positionals, tender, offline) => {
    noTender(tender, offline);
    atMost(positionals, 0);
  },
  async (t) => approved(withAmounts(await t.balance())),
);

export const batch = command(
  'usage: pos batch close [options]   (settles the open batch; uploads it when out of balance)   e.g. pos batch close --host 127.0.0.1:8583',
  (positionals, tender, offline) => {
    noTender(tender, offline);
    if (positionals[0] !== 'close') throw new CliError('usage: pos batch close');
    atMost(positionals, 1);
  },
  async (t) => ({ ok: true, value: await t.batchClose() }),
);
