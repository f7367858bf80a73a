// The control API server every `pos virtual …` device shares (hardware/virtual-service.ts): its
// answers to good routes, unknown routes and bad input, over real HTTP on 127.0.0.1.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlError, asObject, startControlServer, type ControlServer } from '../../hardware/virtual-service.js';

let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(): Promise<string> {
  server = await startControlServer(0, (route, body) => {
    if (route === 'GET /status') return { ok: true };
    if (route === 'POST /echo') return { got: asObject(body, 'body') };
    if (route === 'POST /bad') throw new ControlError('card: a profile name');
    if (route === 'POST /bug') throw new Error('secret detail');
    return undefined;
  });
  return server.url;
}

/** One raw HTTP/1.1 request (fetch would normalise the target); resolves with the status line. */
function rawRequest(url: string, line: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(`${line}\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('startControlServer', () => {
  it('answers routes with JSON, unknown routes 404, ControlErrors 400 and anything else 500 without its message', async () => {
    const url = await serve();
    const answer = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${url}${path}`, init);
      return [response.status, await response.json()];
    };
    expect(await answer('/status')).toEqual([200, { ok: true }]);
    expect(await answer('/echo', { method: 'POST', body: '{"a":1}' })).toEqual([200, { got: { a: 1 } }]);
    expect(await answer('/echo', { method: 'POST' })).toEqual([200, { got: {} }]);
    expect(await answer('/nowhere')).toEqual([404, { error: 'no route GET /nowhere' }]);
    expect(await answer('/bad', { method: 'POST' })).toEqual([400, { error: 'card: a profile name' }]);
    expect(await answer('/bug', { method: 'POST' })).toEqual([500, { error: 'internal error' }]);
    expect(await answer('/echo', { method: 'POST', body: '{"a":' })).toEqual([400, { error: 'body: not valid JSON' }]);
    expect(await answer('/echo', { method: 'POST', body: '[1]' })).toEqual([400, { error: 'body: a JSON object' }]);
    expect(await answer('/echo', { method: 'POST', body: `"${'x'.repeat(20_000)}"` })).toEqual([400, { error: 'body: larger than 16 KiB' }]);
  });

  it('answers a request target that does not parse as a URL with 500 and keeps serving', async () => {
    const url = await serve();
    expect(await rawRequest(url, 'GET //x:y HTTP/1.1')).toBe('HTTP/1.1 500 Internal Server Error');
    expect((await fetch(`${url}/status`)).status).toBe(200);
  });
});
