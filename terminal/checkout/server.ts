/**
 * The checkout page's server: static assets, a small JSON API the page calls, and a websocket that
 * pushes the terminal's status, device and result events as they happen. One transaction at a time:
 * a second "pay" while one runs is refused (409), so a double press never starts two.
 */
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { Logger } from 'pino';
import { AmountError, parseAmount } from '../amount.js';
import { InFlightRecord, type OpenOperation } from './in-flight.js';
import { Settlements } from './settlements.js';
import { SupervisorGate } from './supervisor.js';
import type { BatchView, CheckoutTerminal, DeviceState, HostFaultState, OpenBatch, SettlementView, StatusEvent, TesterControls, TransactionView } from './types.js';

export interface CheckoutOptions {
  terminal: CheckoutTerminal;
  /** Present only when virtual devices are in use: the page then shows the tester panel. */
  tester?: TesterControls;
  /** Voids and refunds need it (the supervisor's confirmation). */
  supervisorPin: string;
  currency: { code: string; symbol: string };
  merchantName?: string;
  /** A JSON file the last settlement reports are kept in, so a restart can show (reprint) them; none: kept in memory. */
  settlementsPath?: string;
  /**
   * A JSON file naming the sale, void or refund in flight, so that after the process stopped mid-operation
   * (Ctrl-C, a crash) the next start shows how it ended; none: a restart shows only what the journal calls interrupted.
   */
  inFlightPath?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
}

export interface RunningCheckout {
  url: string;
  close(): Promise<void>;
}

type Push =
  | { type: 'status'; status: StatusEvent }
  /**
   * A status of something other than the operation in flight (a queued reversal acknowledged or
   * refused later), with `result`: that transaction as the journal has it now, receipts included.
   */
  | { type: 'notice'; status: StatusEvent; result?: TransactionView }
  | { type: 'device'; device: DeviceState }
  | { type: 'busy'; kind: string; amount?: number }
  | { type: 'result'; result: TransactionView }
  | { type: 'batch'; batch: SettlementView }
  /** A batch close that did not happen: the terminal's words, and the reason code (and response code) the page words it by. */
  | { type: 'failed'; error: string; reasonCode: string; responseCode?: string }
  | { type: 'fault'; fault: HostFaultState };

interface InFlight {
  kind: string;
  amount?: number;
  /** The terminal's id for this operation, learnt from its first status event. */
  txnId?: string;
  status?: StatusEvent;
  /** When that step began (performance.now() ms): a page loaded mid-wait counts the host's wait from there. */
  stepAt?: number;
}

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

export async function startCheckout(options: CheckoutOptions): Promise<RunningCheckout> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // A body property the API does not know is a 400, not silently dropped (fastify's default strips it): a
    // script's misspelt field must not look accepted.
    ajv: { customOptions: { removeAdditional: false } },
    // What fastify finds wrong before any route runs (a %-escape that does not decode): its own answer quotes the
    // URL whole, query string and all (`?pan=…`). Named here without it.
    frameworkErrors: (error: FastifyError, _request, reply: FastifyReply) => {
      if (error.code === 'FST_ERR_BAD_URL') return void reply.code(400).send({ error: 'request', message: 'malformed URL: a %-escape that does not decode' });
      options.logger?.error({ err: { code: error.code } }, 'checkout request failed');
      void reply.code(500).send({ error: 'internal', message: 'internal error' });
    },
  });
  // Fastify's own 404 quotes the method and the URL, query string and all: a path or query can carry a card number.
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not-found', message: 'no such page or API route' }));
  // Before any route: routes take the error handler in force when they are registered.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof AmountError) return reply.code(400).send({ error: error.problem, message: error.message });
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: 'request', message: error.message });
    options.logger?.error({ err: error.message }, 'checkout request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  await app.register(fastifyWebsocket);
  await app.register(fastifyStatic, { root: publicDir });

  const sockets = new Set<{ send(text: string): void }>();
  const push = (message: Push): void => {
    const text = JSON.stringify(message);
    for (const socket of sockets) socket.send(text);
  };

  let inFlight: InFlight | undefined;
  let lastResult: TransactionView | undefined;
  let closed = false;
  const settlements = new Settlements(options.settlementsPath, options.logger);
  const open = new InFlightRecord(options.inFlightPath, options.logger);

  const onStatus = (status: StatusEvent): void => {
    // A transaction never starts with "reversed": that is the store-and-forward queue finishing an earlier one.
    // A batch close has no transaction of its own: every status during it (the queue it empties first) is a notice.
    if (inFlight && inFlight.kind !== 'batch' && inFlight.txnId === undefined && status.step !== 'reversed') {
      inFlight.txnId = status.txnId;
      open.write({ kind: inFlight.kind as OpenOperation['kind'], amount: inFlight.amount ?? 0, txnId: status.txnId });
    }
    if (!inFlight || inFlight.txnId !== status.txnId) {
      // A queued reversal finished: acknowledged (reversed, and its receipt prints now) or refused (approved,
      // reversal-refused: the sale stands, charged; terminal/forwarder.ts). Re-read, so a page showing that
      // transaction shows it as the journal has it now, receipts included, and so does one loaded later.
      const now = options.terminal.transaction(status.txnId);
      if (now && lastResult?.id === status.txnId) lastResult = now;
      return push({ type: 'notice', status, ...(now ? { result: now } : {}) });
    }
    inFlight.status = status;
    inFlight.stepAt = performance.now();
    push({ type: 'status', status });
  };
  const onDevice = (device: DeviceState): void => push({ type: 'device', device });
  options.terminal.on('status', onStatus);
  options.terminal.on('device', onDevice);
  // The process stopped mid-transaction (Ctrl-C, a crash, a restart): the page that watched it run lost
  // its socket before the outcome. It shows that outcome now, not "Ready" as if nothing had happened.
  const left = open.read();
  if (left) lastResult = endedByStop(options.terminal, left);
  else {
    // No file kept (none configured): the terminal's own word for a transaction it found unfinished at start.
    const [newest] = await options.terminal.history({ limit: 1 });
    if (newest?.reasonCode === 'interrupted') lastResult = newest;
  }

  /** Runs one terminal operation in the background; its outcome reaches every page over the socket. */
  function begin(kind: string, amount: number | undefined, run: () => Promise<TransactionView | unknown>): void {
    inFlight = { kind, amount };
    // A batch close has its own report (settlements); the sale before it is no longer the one to show after a restart.
    if (kind === 'batch') open.clear();
    else open.write({ kind: kind as OpenOperation['kind'], amount: amount ?? 0 });
    push({ type: 'busy', kind, amount });
    run()
      .then((outcome) => {
        if (kind === 'batch') {
          const settlement = { ...(outcome as BatchView), closedAt: new Date().toISOString() };
          try {
            settlements.add(settlement);
          } catch (error) {
            // The batch is closed at the host whatever happens to the copy: the page still shows it.
            options.logger?.error({ err: error instanceof Error ? error.message : String(error) }, 'checkout: the settlement report could not be kept');
          }
          push({ type: 'batch', batch: settlement });
        } else {
          lastResult = outcome as TransactionView;
          push({ type: 'result', result: lastResult });
        }
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        options.logger?.warn({ kind, err: reason }, 'checkout operation failed');
        if (kind === 'batch') {
          const { reasonCode, responseCode } = error as { reasonCode?: unknown; responseCode?: unknown };
          return push({ type: 'failed', error: reason, reasonCode: typeof reasonCode === 'string' ? reasonCode : 'batch-failed', ...(typeof responseCode === 'string' ? { responseCode } : {}) });
        }
        // Kept like any outcome, so a page reloaded later still shows it.
        lastResult = { id: inFlight?.txnId ?? '', kind: kind as TransactionView['kind'], state: 'failed', amount: amount ?? 0, reason };
        push({ type: 'result', result: lastResult });
      })
      .finally(() => {
        inFlight = undefined;
        // Ended after close(): no page saw it, so the file stays and the next start shows it.
        if (!closed) open.clear();
      });
  }

  const busy = { error: 'busy', message: 'a transaction is in progress' };
  const supervisor = new SupervisorGate({ pin: options.supervisorPin });
  /** The refusal to send when the supervisor's PIN does not pass, or undefined when it does. */
  const supervisorRefusal = (pin: string) => {
    const verdict = supervisor.check(pin);
    if (verdict === 'ok') return undefined;
    options.logger?.warn({ verdict }, 'checkout: supervisor PIN refused');
    return verdict === 'locked'
      ? { status: 429, body: { error: 'supervisor-locked', message: 'too many wrong supervisor PINs: wait a minute' } }
      : { status: 403, body: { error: 'supervisor', message: 'supervisor PIN is wrong' } };
  };

  app.get('/api/config', async () => ({
    currency: options.currency,
    hostTimeoutMs: options.terminal.hostTimeoutMs,
    merchantName: options.merchantName ?? '',
    tester: options.tester ? options.tester.catalogue() : null,
  }));

  app.get('/api/state', async () => ({
    inFlight: inFlight ? inFlightView(inFlight) : null,
    lastResult: lastResult ?? null,
    devices: options.terminal.devices(),
  }));

  const amountBody = {
    type: 'object',
    required: ['amount'],
    additionalProperties: false,
    properties: { amount: { type: 'string', maxLength: 32 } },
  } as const;

  app.post<{ Body: { amount: string } }>('/api/sale', { schema: { body: amountBody } }, async (request, reply) => {
    if (inFlight) return reply.code(409).send(busy);
    const amount = parseAmount(request.body.amount);
    begin('sale', amount, () => options.terminal.sale({ amount }));
    return reply.code(202).send({ accepted: true, amount });
  });

  app.post('/api/cancel', async () => {
    options.terminal.cancel();
    return { cancelled: inFlight !== undefined };
  });

  app.get<{ Querystring: { limit?: number } }>(
    '/api/transactions',
    { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } } } } },
    async (request) => ({ transactions: await options.terminal.history({ limit: request.query.limit ?? 50 }) }),
  );

  const supervised = (extra: Record<string, unknown>, required: string[]) =>
    ({
      type: 'object',
      required: ['original', 'supervisorPin', ...required],
      additionalProperties: false,
      properties: { original: { type: 'string', minLength: 1, maxLength: 64 }, supervisorPin: { type: 'string', maxLength: 12 }, ...extra },
    }) as const;

  app.post<{ Body: { original: string; supervisorPin: string } }>(
    '/api/void',
    { schema: { body: supervised({}, []) } },
    async (request, reply) => {
      if (inFlight) return reply.code(409).send(busy);
      const refused = supervisorRefusal(request.body.supervisorPin);
      if (refused) return reply.code(refused.status).send(refused.body);
      // A void gives back its whole sale: that is its amount, shown while it runs and after a restart (not 0.00).
      begin('void', options.terminal.transaction(request.body.original)?.amount, () => options.terminal.void({ original: request.body.original }));
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post<{ Body: { original: string; supervisorPin: string; amount: string } }>(
    '/api/refund',
    { schema: { body: supervised({ amount: { type: 'string', maxLength: 32 } }, ['amount']) } },
    async (request, reply) => {
      if (inFlight) return reply.code(409).send(busy);
      const amount = parseAmount(request.body.amount);
      // The amount is refused before the PIN is looked at: the supervisor is not asked to confirm what cannot be done, and it is no PIN failure.
      const refusal = options.terminal.refundRefusal(request.body.original, amount);
      if (refusal) return reply.code(422).send({ error: 'refund', ...refusal, message: refusal.reason });
      const refused = supervisorRefusal(request.body.supervisorPin);
      if (refused) return reply.code(refused.status).send(refused.body);
      begin('refund', amount, () => options.terminal.refund({ amount, original: request.body.original }));
      return reply.code(202).send({ accepted: true, amount });
    },
  );

  app.get('/api/batch/open', async () => options.terminal.openBatch());

  // 200 with null before the first close: a page's every load asks, and a 404 would be a console error each time.
  app.get('/api/batch/last', async () => ({ settlement: settlements.last ?? null }));

  const count = { type: 'integer', minimum: 0 } as const;
  const confirmedBody = {
    type: 'object',
    required: ['batch', 'salesCount', 'salesAmount', 'refundsCount', 'refundsAmount'],
    additionalProperties: false,
    properties: { batch: count, salesCount: count, salesAmount: count, refundsCount: count, refundsAmount: count },
  } as const;

  // The body is what the cashier confirmed (GET /api/batch/open as the dialog showed it).
  app.post<{ Body: OpenBatch }>('/api/batch/close', { schema: { body: confirmedBody } }, async (request, reply) => {
    if (inFlight) return reply.code(409).send(busy);
    // Closing nothing would only replace the day's report with an empty one.
    const open = options.terminal.openBatch();
    if (open.salesCount + open.refundsCount === 0) return reply.code(422).send({ error: 'batch-empty', message: `batch ${open.batch} has no transactions to settle` });
    // Another till's sale (or an advice the host refused) since the dialog opened: settling now would send figures nobody confirmed.
    const confirmed = request.body;
    const fields = ['batch', 'salesCount', 'salesAmount', 'refundsCount', 'refundsAmount'] as const;
    if (fields.some((field) => open[field] !== confirmed[field]))
      return reply.code(409).send({ error: 'batch-changed', message: `batch ${open.batch} is no longer what was confirmed: confirm its figures again`, open });
    begin('batch', undefined, () => options.terminal.batchClose());
    return reply.code(202).send({ accepted: true });
  });

  if (options.tester) await app.register(testerRoutes(options.tester, push));

  app.get('/ws', { websocket: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });


  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    url: address.replace('[::1]', 'localhost'),
    async close() {
      closed = true;
      options.terminal.off('status', onStatus as never);
      options.terminal.off('device', onDevice as never);
      for (const socket of sockets) (socket as { close?: () => void }).close?.();
      await app.close();
    },
  };
}

/**
 * How an operation the process stopped in ended: its journal row (reversed or being reversed, or what the host
 * answered) or, with none, nothing was sent: the terminal writes the row just before it sends, after the card
 * step and the PIN pad.
 */
function endedByStop(terminal: CheckoutTerminal, left: OpenOperation): TransactionView {
  const row = left.txnId === undefined ? undefined : terminal.transaction(left.txnId);
  return row ?? { id: left.txnId ?? '', kind: left.kind, state: 'failed', amount: left.amount, reasonCode: 'terminal-stopped', reason: 'the terminal stopped before the transaction was sent; nothing was charged' };
}

/** The operation in flight as the page reads it: how long its current step has lasted instead of when it began. */
function inFlightView({ stepAt, ...rest }: InFlight) {
  return stepAt === undefined ? rest : { ...rest, waitedMs: Math.round(performance.now() - stepAt) };
}

/** The tester's panel talks to these; they exist only when virtual devices are in use. */
const testerRoutes = (tester: TesterControls, push: (message: Push) => void) => async (app: FastifyInstance): Promise<void> => {
  const one = (name: string, schema: Record<string, unknown>) =>
    ({ type: 'object', required: [name], additionalProperties: false, properties: { [name]: schema } }) as const;
  const id = { type: 'string', minLength: 1, maxLength: 64 };

  app.post<{ Body: { card: string } }>('/api/tester/tap', { schema: { body: one('card', id) } }, async (request) => {
    await tester.tap(request.body.card);
    return { ok: true };
  });
  app.post('/api/tester/remove', async () => {
    await tester.removeCard();
    return { ok: true };
  });
  app.post<{ Body: { card: string } }>('/api/tester/swipe', { schema: { body: one('card', id) } }, async (request) => {
    await tester.swipe(request.body.card);
    return { ok: true };
  });
  app.post<{ Body: { text: string } }>(
    '/api/tester/scan',
    { schema: { body: one('text', { type: 'string', minLength: 1, maxLength: 512 }) } },
    async (request) => {
      await tester.scan(request.body.text);
      return { ok: true };
    },
  );
  app.post<{ Body: { pin?: string; cancel?: boolean } }>(
    '/api/tester/pin',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { pin: { type: 'string', pattern: '^[0-9]{4,12}$' }, cancel: { type: 'boolean', const: true } },
          oneOf: [{ required: ['pin'] }, { required: ['cancel'] }],
        },
      },
    },
    async (request) => {
      await tester.pin(request.body.pin !== undefined ? { pin: request.body.pin } : { cancel: true });
      return { ok: true };
    },
  );
  app.post<{ Body: { fault: string | null } }>(
    '/api/tester/fault',
    { schema: { body: { type: 'object', required: ['fault'], additionalProperties: false, properties: { fault: { type: ['string', 'null'], maxLength: 32 } } } } },
    async (request) => {
      await tester.hostFault(request.body.fault);
      // Every open page (another tab too) shows the switch's fault as it is now.
      const fault = tester.hostFaultState();
      push({ type: 'fault', fault });
      return { ok: true, ...fault };
    },
  );
  app.get('/api/tester/fault', async () => tester.hostFaultState());
};
