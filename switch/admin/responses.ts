/**
 * What the admin API answers, as JSON schemas for the OpenAPI document only: fastify does not serialize
 * through them (a response schema there would drop any field it does not list).
 */
const nullable = (type: string) => ({ type: [type, 'null'] });
const int = { type: 'integer' };
const text = { type: 'string' };
const object = (properties: Record<string, object>, optional: string[] = []) => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((name) => !optional.includes(name)),
});

const totals = object({ creditCount: int, creditAmount: int, debitCount: int, debitAmount: int });

export const schemas: Record<string, object> = {
  Error: object({ statusCode: int, error: text, message: { type: 'string', description: 'what is wrong and where (a parameter as querystring/NAME, body/NAME, params/NAME); a 500 says only "internal error"' } }),
  Health: object({ status: { enum: ['ok', 'unavailable'] }, journal: { enum: ['sqlite', 'postgres'] }, reason: { type: 'string', description: 'why the journal did not answer (503 only)' } }, ['reason']),
  Transaction: object(
    {
      id: int, terminalId: text, merchantId: text, stan: text, transmitted: { type: 'string', description: 'DE7 MMDDhhmmss' }, mti: text, kind: text,
      processingCode: text, amount: { type: 'integer', description: 'minor units' }, currency: text, maskedPan: nullable('string'), wallet: nullable('string'),
      entryMode: nullable('string'), issuer: nullable('string'), account: nullable('string'), responseCode: text, authCode: nullable('string'),
      rrn: nullable('string'), debit: int, closed: { enum: [null, 'reversed', 'voided', 'completed'] }, refunded: int, originalId: nullable('integer'),
      batch: nullable('string'), createdAt: { type: 'string', format: 'date-time' }, arpc: { type: 'string', description: 'DE55 tag 91, hex' },
    },
    ['arpc'],
  ),
  Settlement: object({ terminalId: text, merchantId: text, batch: text, inBalance: { type: 'boolean' }, terminal: totals, host: totals, uploaded: int, closedAt: { type: 'string', format: 'date-time' } }),
  Card: object(
    {
      pan: { type: 'string', description: 'masked' }, label: text, status: text, expiry: text, limit: int, balance: nullable('integer'),
      emvProfile: text, pinTries: int, pinBlocked: { type: 'boolean' },
    },
    ['emvProfile'],
  ),
  Fault: object(
    { terminal: text, delayMs: int, drop: { type: 'boolean' }, disconnect: { type: 'boolean' }, corruptMac: { type: 'boolean' }, corruptArpc: { type: 'boolean' }, network: { type: 'boolean' } },
    ['delayMs', 'drop', 'disconnect', 'corruptMac', 'corruptArpc', 'network'],
  ),
  Terminal: object({ id: text, merchantId: text, merchantName: text, enrolled: { const: true } }, ['merchantId', 'merchantName', 'enrolled']),
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const list = (key: string, item: string) => object({ [key]: { type: 'array', items: ref(item) } });

/** The 200 body of each route that answers JSON (by `METHOD /url`). */
export const okBodies: Record<string, object> = {
  'GET /health': ref('Health'),
  'GET /transactions': list('transactions', 'Transaction'),
  'GET /terminals': list('terminals', 'Terminal'),
  'GET /merchants': object({ merchants: { type: 'array', items: object({ merchantId: text, name: text, terminals: { type: 'array', items: text } }, ['name']) } }),
  'GET /cards': list('cards', 'Card'),
  'PUT /cards/:pan/balance': object({ pan: text, balance: int }),
  'DELETE /cards/:pan/pin-tries': object({ pan: text, pinTries: int, pinBlocked: { type: 'boolean' } }),
  'GET /settlements': list('settlements', 'Settlement'),
  'GET /faults': list('faults', 'Fault'),
  'PUT /faults/:terminal': list('faults', 'Fault'),
  'DELETE /faults/:terminal': list('faults', 'Fault'),
};

export const errorBody = { 'application/json': { schema: ref('Error') } };
