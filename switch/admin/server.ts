/**
 * The admin HTTP API (fastify): journal search, terminals, merchants, test cards, fault injection,
 * settlement reports, health and Prometheus metrics. Every route's input is a JSON schema that
 * fastify validates, and the same schemas make the OpenAPI document at /openapi.json.
 * Writes need `Authorization: Bearer <token>`; without a configured token they are refused.
 */
import { timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest, type FastifySchemaValidationError } from 'fastify';
import type { Logger } from 'pino';
import { maskPan, maskPansIn, wordOrLength } from '../../protocols/mask.js';
import type { Fault, Faults } from '../faults.js';
import { cardAccount, type IssuerCard } from '../issuer/cards.js';
import type { Metrics } from '../metrics.js';
import type { JournalRow, Store } from '../store/index.js';
import { pinTriesAllowed } from '../store/program.js';
import { errorBody, okBodies, schemas } from './responses.js';

export interface AdminOptions {
  port: number;
  host?: string | undefined;
  token?: string | undefined;
  store: Store;
  faults: Faults;
  metrics: Metrics;
  log: Logger;
  /** Configured terminals (no keys), then enrolled ones signed on now (`enrolled: true`; a merchant only when the enrolment fixes one). */
  terminals(): AdminTerminal[];
  cards: readonly IssuerCard[];
  /** GET /health gives the journal this long to answer (ms); default 2000. */
  healthTimeoutMs?: number | undefined;
}

export interface AdminTerminal {
  id: string;
  merchantId?: string | undefined;
  merchantName?: string | undefined;
  enrolled?: true;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

// A calendar date (a bare `to` means the whole day) or an RFC 3339 date-time; ajv-formats checks that the
// day, hour and offset exist (2026-13-45 or 2026-02-29 is a 400 naming the parameter).
const date = { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }], description: 'YYYY-MM-DD or an RFC 3339 date-time' };
const transactionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    terminal: { type: 'string', maxLength: 8 },
    merchant: { type: 'string', maxLength: 15 },
    from: date,
    to: date,
    pan: { type: 'string', pattern: '^[0-9]{6}\\*{1,13}[0-9]{4}$', description: 'masked PAN: first 6 and last 4 digits, 1 to 13 stars between (each PAN length, 12 to 19 digits, is tried)' },
    rrn: { type: 'string', pattern: '^[0-9A-Za-z]{1,12}$' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'next page: the rows listed after the one with this id (the last id of the previous page)' },
  },
};
/** Routes that take no query parameters still refuse unknown ones (a typo is a 400, not ignored). */
const noQuery = { type: 'object', additionalProperties: false, properties: {} };
const faultBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    delayMs: { type: 'integer', minimum: 0, maximum: 600000 },
    drop: { type: 'boolean' },
    disconnect: { type: 'boolean' },
    corruptMac: { type: 'boolean' },
    corruptArpc: { type: 'boolean' },
    network: { type: 'boolean' },
  },
};
const terminalParam = {
  type: 'object',
  required: ['terminal'],
  // A fault for an ID no DE41 can be (DE41 is 8 characters: the switch's own enrolment rule) would never fire.
  properties: { terminal: { type: 'string', pattern: '^(\\*|[ -~]{8})$', description: 'DE41 (8 characters), or * for every terminal' } },
};

const cardParam = {
  type: 'object',
  required: ['pan'],
  properties: { pan: { type: 'string', pattern: '^[0-9]{6}\\*+[0-9]{4}$', description: 'masked PAN of a test card, as GET /cards lists it' } },
};
const balanceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['balance'],
  properties: { balance: { type: 'integer', minimum: 0, maximum: 1e15, description: 'minor units' } },
};

interface RouteDoc {
  method: 'GET' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  write?: boolean;
  querystring?: object;
  params?: object;
  body?: object;
  produces?: string;
}

const routes: RouteDoc[] = [
  { method: 'GET', url: '/health', summary: 'Liveness: 200 when the journal answers a query, else 503 naming why' },
  { method: 'GET', url: '/metrics', summary: 'Prometheus metrics', produces: 'text/plain' },
  { method: 'GET', url: '/openapi.json', summary: 'This document' },
  { method: 'GET', url: '/transactions', summary: 'Search the journal (newest first by journal time); PANs are masked', querystring: transactionQuery },
  { method: 'GET', url: '/terminals', summary: 'Configured terminals (no keys) and enrolled ones signed on now (enrolled: true)' },
  { method: 'GET', url: '/merchants', summary: 'Merchants and their terminals' },
  { method: 'GET', url: '/cards', summary: 'Issuer test cards with balances (masked PANs; full numbers in docs/test-cards.md)' },
  { method: 'PUT', url: '/cards/:pan/balance', summary: 'Set a test card\'s balance (minor units)', write: true, params: cardParam, body: balanceBody },
  { method: 'DELETE', url: '/cards/:pan/pin-tries', summary: 'Reset a test card\'s wrong-PIN count: unblocks a card its third wrong PIN blocked (75)', write: true, params: cardParam },
  { method: 'GET', url: '/settlements', summary: 'Settlement reports (closed batches)', querystring: { type: 'object', additionalProperties: false, properties: { terminal: { type: 'string', maxLength: 8 } } } },
  { method: 'GET', url: '/faults', summary: 'Faults in force' },
  {
    method: 'PUT', url: '/faults/:terminal', write: true, params: terminalParam, body: faultBody,
    summary: 'Inject a fault for one terminal (DE41, 8 characters) or all (*): delay, drop, disconnect, corrupt MAC or ARPC; '
      + 'no body or {} clears it. A terminal with a fault of its own gets that one only, not merged with *',
  },
  { method: 'DELETE', url: '/faults/:terminal', summary: 'Clear the fault of one terminal, or every fault (*)', write: true, params: terminalParam },
];

export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...Object.entries((route.querystring as { properties?: Record<string, object> })?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema })),
      ...Object.entries((route.params as { properties?: Record<string, object> })?.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ];
    const key = `${route.method} ${route.url}`;
    const bodyStatuses = { 413: { description: 'body over 1 MiB', content: errorBody }, 415: { description: 'body not application/json', content: errorBody } };
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: Boolean((route.body as { required?: string[] }).required?.length), content: { 'application/json': { schema: route.body } } } } : {}),
      ...(route.write ? { security: [{ bearer: [] }] } : {}),
      responses: {
        200: { description: 'OK', content: { [route.produces ?? 'application/json']: okBodies[key] ? { schema: okBodies[key] } : {} } },
        ...(key === 'GET /health' ? { 503: { description: 'the journal did not answer: reason says why', content: { 'application/json': { schema: okBodies[key] } } } } : {}),
        400: { description: `request fails the schema (an unknown query parameter too${route.write && !route.body ? '; any body but none or {}' : ''})`, content: errorBody },
        ...(route.write ? { 401: { description: 'missing or wrong bearer token', content: errorBody }, 403: { description: 'writes disabled (no token configured)', content: errorBody } } : {}),
        ...(route.url.startsWith('/cards/') ? { 404: { description: 'no such test card', content: errorBody } } : {}),
        ...(route.params ? { 414: { description: 'a path parameter over 100 characters', content: errorBody } } : {}),
        ...(route.write ? bodyStatuses : {}),
        500: { description: 'internal error (the detail is logged)', content: errorBody },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'pos switch admin API', version: '1.0.0', description: 'Acquiring switch simulator: journal, faults, settlement, test cards (docs/switch.md).' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    paths,
  };
}

/**
 * The journal stores UTC ISO strings and compares them as text: a date-time (any offset) becomes one
 * of those, a bare date stays. A problem instead for what the schema lets through but the journal cannot
 * compare: second 60 (RFC 3339 allows it at any 23:59 UTC; a JavaScript Date has none), and an offset
 * that moves the time out of years 0000–9999.
 */
function instant(value: string): { at: string } | { problem: string } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { at: value };
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) return { problem: 'has second 60: give :59, or the next minute\'s :00' };
  const at = time.toISOString();
  return /^\d{4}-/.test(at) ? { at } : { problem: 'is outside the years 0000–9999 in UTC' };
}

/** Every error answer's shape (schema failures, auth, not found, 500s alike). */
const errorShape = (statusCode: number, message: string) => ({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
/**
 * An error answer whose message may quote the request: any PAN in it masked. Every run of 12–19 digits
 * counts, Luhn or not: a mistyped PAN fails the check and is still most of a card number.
 */
const problem = (statusCode: number, message: string) => errorShape(statusCode, maskPansIn(message));
const badRequest = (message: string) => problem(400, message);

/** A path as a 404 shows it, without its query: each segment a plain word or its length (wordOrLength). */
const pathShown = (url: string): string => url.split('?')[0]!.split('/').map(wordOrLength).join('/');

/**
 * What fastify finds wrong before any route runs, named without the URL (its own answers quote it whole):
 * a %-escape that does not decode, a path parameter over its 100 characters.
 */
const frameworkProblems: Record<string, [status: number, message: string]> = {
  FST_ERR_BAD_URL: [400, 'malformed URL: a %-escape that does not decode'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'a path parameter is over 100 characters'],
};

/**
 * A schema failure named by what and where: an unknown parameter or property by its name (a plain word,
 * else its length: it may be anything a caller typed), a date by the forms it takes (ajv lists each
 * branch of the anyOf apart), anything else as ajv words it (the field and the schema, no value).
 */
function schemaProblem(context: string, errors: FastifySchemaValidationError[]): string {
  const failed = errors.find((e) => e.keyword === 'anyOf') ?? errors[0]!;
  const where = `${context}${failed.instancePath}`;
  if (failed.keyword === 'additionalProperties') {
    const name = wordOrLength(String((failed.params as { additionalProperty?: unknown }).additionalProperty ?? ''));
    return context === 'querystring' ? `querystring: no parameter ${name}` : `${where}: no property ${name}`;
  }
  // The only anyOf of these schemas is `date`.
  if (failed.keyword === 'anyOf') return `${where} must be ${date.description}`;
  return `${where} ${failed.message ?? 'is invalid'}`;
}

/** Whether a query string has a %-escape that does not decode (fastify's parser keeps such text as it is). */
const malformedQuery = (url: string): boolean => {
  const query = url.split('?')[1];
  if (!query) return false;
  try {
    for (const part of query.split('&')) decodeURIComponent(part.replace(/\+/g, ' '));
    return false;
  } catch {
    return true;
  }
};

/** Answers to a request the HTTP parser refused, with the statuses fastify's own handler gives; any other is a 400. */
const clientProblems: Record<string, [status: number, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'request headers too large'],
};

/** A journal error for /health: no password of a database URL, no PAN. */
const journalProblem = (error: unknown) => {
  const e = error as { message?: string; code?: string };
  const message = String(e?.message ?? error).replace(/\/\/[^/@\s]*@/g, '//***@');
  return maskPansIn(e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message);
};

/**
 * `from=2026-11-27T16:30:00+08:00` typed into a URL unencoded: the `+` arrives as a space (form
 * encoding). A date-time with ` hh:mm` where the offset goes gets its `+` back before validation.
 */
const restorePlus = (value: unknown) =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)? \d{2}:\d{2}$/.test(value) ? value.replace(' ', '+') : value;

/** Waits `ms` at most for `promise`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A JSON body's values must have their schema's type as sent: ajv's coercion (right for query
 * strings, which are text) would take {"delayMs":"5"} as 5 and {"corruptMac":1} as true.
 * The same 400 as fastify's schema errors.
 */
function bodyTypeError(schema: { properties?: Record<string, { type?: string }> }, body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined; // the schema itself refuses it
  for (const [name, value] of Object.entries(body)) {
    const type = schema.properties?.[name]?.type;
    if (type && typeof value !== (type === 'integer' ? 'number' : type)) return `body/${name} must be ${type}`;
  }
  return undefined;
}

/** A journal row as the API shows it: no answer internals or fingerprints. */
function publicRow(row: JournalRow) {
  const { answer, fingerprint: _fingerprint, ...rest } = row;
  return { ...rest, ...(answer['55.91'] ? { arpc: answer['55.91'] } : {}) };
}

export async function startAdmin(options: AdminOptions): Promise<AdminServer> {
  const { store, faults, metrics } = options;
  const log = options.log.child({ component: 'admin' });
  const app = Fastify({
    // close() ends every connection, not only idle ones: a half-sent request must not hold the switch's stop.
    forceCloseConnections: true,
    // No request is logged: its URL can carry a PAN (`?pan=`, a path).
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown properties are an error, not silently dropped; `Infinity` (which ajv's coercion makes of the
    // text) is no integer: minimum and maximum skip non-finite numbers, and it reached the journal's SQL.
    ajv: { customOptions: { removeAdditional: false, strictNumbers: true } },
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const known = frameworkProblems[error.code];
      if (!known) log.error({ err: { code: error.code } }, 'admin request failed');
      const [status, message] = known ?? [500, 'internal error'];
      void reply.code(status).send(errorShape(status, message));
    },
    // A space or control byte in the request line, headers too large: fastify's own handler logs (at trace) the
    // error with its rawPacket, the request's bytes, secrets and all. Logged here by code and reason only.
    clientErrorHandler: (error, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      log.trace({ err: { code: error.code, message: error.message } }, 'client error');
      const [status, message] = clientProblems[error.code ?? ''] ?? [400, 'malformed HTTP request'];
      const body = JSON.stringify(errorShape(status, message));
      if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\n\r\n${body}`);
      socket.destroy(error);
    },
  });
  // An empty JSON body is {} (fastify's own parser refuses it: FST_ERR_CTP_EMPTY_JSON_BODY); any other goes to that parser.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // fastify's own text/plain parser would hand a route a string, refused as "body must be object": 415 like any other type.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, {}) : json(request, body as string, done),
  );
  const checkToken = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!options.token) return reply.code(403).send(problem(403, 'writes are disabled: start the switch with an admin token'));
    // The scheme is case-insensitive (RFC 7235 §2.1): `bearer x` is `Bearer x`.
    const given = Buffer.from(/^bearer +(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
    const wanted = Buffer.from(options.token);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return reply.code(401).send(problem(401, 'missing or wrong bearer token'));
  };
  /** Wrong PINs in a row, and whether they blocked the card (every PIN request answered 75). */
  const pinState = async (account: string) => {
    const pinTries = await store.pinTries(account);
    return { pinTries, pinBlocked: pinTries >= pinTriesAllowed };
  };
  const handlers: Record<string, (request: FastifyRequest, reply: FastifyReply) => unknown> = {
    'GET /health': async (_request, reply) => {
      try {
        await within(store.ping(), options.healthTimeoutMs ?? 2000, 'the journal');
        return { status: 'ok', journal: store.kind };
      } catch (error) {
        return reply.code(503).send({ status: 'unavailable', journal: store.kind, reason: journalProblem(error) });
      }
    },
    'GET /metrics': async (_request, reply) => reply.type('text/plain; version=0.0.4').send(metrics.text()),
    'GET /openapi.json': async () => openApiDocument(),
    'GET /transactions': async (request, reply) => {
      const q = request.query as Record<string, string | number | undefined>;
      let from: string | undefined;
      let to: string | undefined;
      for (const name of ['from', 'to'] as const) {
        if (q[name] === undefined) continue;
        const checked = instant(String(q[name]));
        if ('problem' in checked) return reply.code(400).send(badRequest(`querystring/${name} ${checked.problem}`));
        if (name === 'from') from = checked.at;
        else to = checked.at;
      }
      const rows = await store.search({
        ...(q.terminal ? { terminalId: String(q.terminal) } : {}),
        ...(q.merchant ? { merchantId: String(q.merchant) } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(q.pan ? { maskedPan: String(q.pan) } : {}),
        ...(q.rrn ? { rrn: String(q.rrn) } : {}),
        ...(q.before !== undefined ? { before: Number(q.before) } : {}),
        limit: Number(q.limit ?? 100),
      });
      return { transactions: rows.map(publicRow) };
    },
    'GET /terminals': async () => ({ terminals: options.terminals() }),
    'GET /merchants': async () => {
      const merchants = new Map<string, { merchantId: string; name?: string; terminals: string[] }>();
      for (const t of options.terminals()) {
        if (!t.merchantId) continue;
        const m = merchants.get(t.merchantId) ?? { merchantId: t.merchantId, ...(t.merchantName ? { name: t.merchantName } : {}), terminals: [] };
        m.terminals.push(t.id);
        merchants.set(t.merchantId, m);
      }
      return { merchants: [...merchants.values()] };
    },
    'GET /cards': async () => ({
      cards: await Promise.all(
        options.cards.map(async (card) => ({
          pan: maskPan(card.pan), label: card.label, status: card.status, expiry: card.expiry, limit: card.limit,
          balance: (await store.balance(cardAccount(card.pan))) ?? null, ...(card.emv ? { emvProfile: card.emv.id } : {}),
          ...(await pinState(cardAccount(card.pan))),
        })),
      ),
    }),
    'PUT /cards/:pan/balance': async (request, reply) => {
      const { pan } = request.params as { pan: string };
      const card = options.cards.find((c) => maskPan(c.pan) === pan);
      if (!card) return reply.code(404).send(problem(404, `no test card ${pan}`));
      const { balance } = request.body as { balance: number };
      await store.setBalance(cardAccount(card.pan), balance);
      return { pan, balance };
    },
    'DELETE /cards/:pan/pin-tries': async (request, reply) => {
      const { pan } = request.params as { pan: string };
      const card = options.cards.find((c) => maskPan(c.pan) === pan);
      if (!card) return reply.code(404).send(problem(404, `no test card ${pan}`));
      await store.resetPinTries(cardAccount(card.pan));
      return { pan, ...(await pinState(cardAccount(card.pan))) };
    },
    'GET /settlements': async (request) => ({ settlements: await store.settlements((request.query as { terminal?: string }).terminal) }),
    'GET /faults': async () => ({ faults: faults.list() }),
    'PUT /faults/:terminal': async (request) => {
      const { terminal } = request.params as { terminal: string };
      faults.set(terminal, request.body as Fault);
      return { faults: faults.list() };
    },
    'DELETE /faults/:terminal': async (request) => {
      const { terminal } = request.params as { terminal: string };
      faults.clear(terminal === '*' ? undefined : terminal);
      return { faults: faults.list() };
    },
  };
  // Before any route's own hooks (the token too): the same 400 as a path that does not decode.
  app.addHook('onRequest', async (request, reply) => {
    if (malformedQuery(request.raw.url ?? '')) return reply.code(400).send(errorShape(400, frameworkProblems.FST_ERR_BAD_URL![1]));
  });
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: {
        querystring: route.querystring ?? noQuery,
        ...(route.params ? { params: route.params } : {}),
        ...(route.body ? { body: route.body } : {}),
      },
      // Before the body is read or checked: an unauthenticated write is 401 (or 403), whatever it sends.
      ...(route.write ? { onRequest: checkToken } : {}),
      ...(route.url === '/transactions'
        ? {
            preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
              const q = request.query as Record<string, unknown>;
              for (const name of ['from', 'to']) if (q[name] !== undefined) q[name] = restorePlus(q[name]);
              // Digits as typed: ajv's coercion would also take 0x10, 1e3 or a blank for a number.
              for (const name of ['limit', 'before'])
                if (typeof q[name] === 'string' && !/^[0-9]+$/.test(q[name])) return reply.code(400).send(errorShape(400, `querystring/${name} must be integer`));
            },
          }
        : {}),
      ...(route.write && !route.body
        ? {
            preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
              const body = request.body as object | undefined;
              if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length))
                return reply.code(400).send(errorShape(400, `body: ${route.method} ${route.url} takes none (or {})`));
            },
          }
        : {}),
      ...(route.body
        ? {
            preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
              // No body is an empty one (PUT /faults/:terminal with nothing clears the fault); JSON null is not: the schema refuses it.
              if (request.body === undefined) request.body = {};
              const message = bodyTypeError(route.body as object, request.body);
              if (message) return reply.code(400).send(badRequest(message));
            },
          }
        : {}),
      handler: handlers[`${route.method} ${route.url}`]!,
    });
  }
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorShape(404, `no route ${request.method} ${pathShown(request.url)} (the routes: GET /openapi.json)`)),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // A schema failure's message is fastify's, made of the field's name and the schema (ajv quotes no value): its
    // numbers are the schema's limits, which masking would garble (`before must be <= 9007199254740991`).
    if (error.validation && status === 400) return reply.code(400).send(errorShape(400, schemaProblem(error.validationContext ?? 'request', error.validation)));
    if (status < 500) return reply.code(status).send(problem(status, error.message));
    // The detail (a driver's message can quote SQL or its parameters) goes to the log, masked; the caller learns only that it failed.
    request.log.error({ err: { message: maskPansIn(error.message), ...(error.code ? { code: error.code } : {}) }, url: maskPansIn(request.url.split('?')[0]!) }, 'admin request failed');
    return reply.code(500).send(problem(500, 'internal error'));
  });
  await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : options.port, close: () => app.close() };
}
