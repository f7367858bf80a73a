/**
 * What every `pos virtual …` device service shares: putting the device on a PTY path, and a small
 * JSON-over-HTTP control API on 127.0.0.1.
 */
import { existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { wordOrLength } from '../protocols/mask.js';
import { openPtyPair, type PtyPair } from './serial/pty-pair.js';
import { SerialTransport } from './serial/serial-transport.js';

/** A bad request to a control API: answered 400 with the message, which names the bad field. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
}

export interface DevicePty {
  /** The device's own side of the line. */
  transport: SerialTransport;
  /** The socat pair we started, if PATH was not an existing PTY. */
  pty: PtyPair | undefined;
  close(): Promise<void>;
}

/**
 * The device side for PATH, the path programs open: if PATH is an existing character device (one
 * end of a pair someone else made), the device attaches to it; otherwise socat makes a pair with
 * PATH as the host end and `PATH.device` as the device's end.
 */
export async function openDevicePty(path: string, baudRate: number): Promise<DevicePty> {
  const attach = existsSync(path) && statSync(path).isCharacterDevice();
  const pty = attach ? undefined : await openPtyPair({ links: { a: `${path}.device`, b: path } });
  const transport = new SerialTransport({ path: pty ? pty.a : path, baudRate, reconnect: false });
  try {
    await transport.open();
  } catch (error) {
    await pty?.close();
    throw error;
  }
  return {
    transport,
    pty,
    close: async () => {
      await transport.close();
      await pty?.close();
    },
  };
}

/** Answers one request: `route` is "METHOD /path", `body` the parsed JSON of a POST ({} if empty). */
export type ControlHandler = (route: string, body: unknown) => unknown;

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1:port (0 = a free port). Unknown routes: the handler returns undefined → 404. */
export async function startControlServer(port: number, handler: ControlHandler): Promise<ControlServer> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    void (async () => {
      try {
        // Inside the try: a request target that URL cannot parse (e.g. `//x:y`) answers 500 instead of crashing.
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        const body = request.method === 'POST' ? await readJson(request) : undefined;
        const answer = await handler(`${request.method} ${path}`, body);
        if (answer === undefined) reply(404, { error: `no route ${request.method} ${path.split('/').map(wordOrLength).join('/')}` });
        else reply(200, answer);
      } catch (error) {
        if (error instanceof ControlError) reply(400, { error: error.message });
        else reply(500, { error: 'internal error' });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive control clients must not hold the shutdown
      return closed;
    },
  };
}

/**
 * `value` as a JSON object; with `known`, a property outside it is refused by name, or by length when
 * the name is no plain word (a typo such as `delayMS` must not answer 200 and set nothing). Inner objects are named by their path (`card.delayMs`).
 */
export function asObject(value: unknown, name: string, known?: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ControlError(`${name}: a JSON object`);
  const unknown = known && Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new ControlError(`${name === 'body' ? '' : `${name}.`}${wordOrLength(unknown)}: unknown property (${known!.join(', ')})`);
  return value as Record<string, unknown>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new ControlError('body: larger than 16 KiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError('body: not valid JSON');
  }
}

/**
 * The frame of a `pos virtual …` service: a device on its PTY line, and once `listen` has run, the
 * control API answering through `handle`. Stopping closes the API first, then the device, then the line.
 */
export abstract class VirtualDeviceService<Device extends { close(): void }> {
  private server: ControlServer | undefined;

  protected constructor(
    readonly path: string,
    readonly device: Device,
    private readonly line: DevicePty,
  ) {}

  get controlUrl(): string | undefined {
    return this.server?.url;
  }

  /** Serves the control API on 127.0.0.1:port (0 = a free port); no port, no API. */
  /** Opens the control API; when it cannot (port in use), the device and its PTY are closed: socat must not keep the process alive. */
  protected async listen(port: number | undefined): Promise<void> {
    if (port === undefined) return;
    try {
      this.server = await startControlServer(port, (route, body) => this.handle(route, body));
    } catch (error) {
      this.device.close();
      await this.line.close();
      throw error;
    }
  }

  /** Answers one control request (see ControlHandler): undefined for an unknown route. */
  protected abstract handle(route: string, body: unknown): unknown;

  async stop(): Promise<void> {
    await this.server?.close();
    this.device.close();
    await this.line.close();
  }
}
