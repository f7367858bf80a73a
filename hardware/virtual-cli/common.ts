/**
 * Shared by `pos virtual msr` and `pos virtual scanner` (which live in hardware/ because hardware/
 * may not import cli/): strict option parsing, one-line usage errors (exit 2), the control API
 * client, and running a service until Ctrl-C.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ControlError } from '../virtual-service.js';

export interface VirtualCliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Bad usage or input: one line on stderr, exit code 2 (1 when a running device does not answer). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

export function integer(value: unknown, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`${option}: a whole number ${min}..${max}`);
  return Number(value);
}

/** Runs `body`, turning usage and control errors into one line on stderr and an exit code. */
export async function runCommand(name: string, io: VirtualCliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError || error instanceof ControlError) {
      io.err(`pos virtual ${name}: ${error.message}`);
      return error instanceof UsageError ? error.exitCode : 2;
    }
    throw error;
  }
}

/** Calls a running device's control API; its 400 answers become UsageErrors. */
export async function control(device: string, port: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' } } : {}),
    });
  } catch {
    throw new UsageError(`no virtual ${device} answers on 127.0.0.1:${port} (start one with pos virtual ${device} --pty PATH --control-port ${port})`, 1);
  }
  const answer = (await response.json()) as { error?: string };
  if (!response.ok) throw new UsageError(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

/** Waits for Ctrl-C or SIGTERM, then stops the service. */
export async function serveUntilSignal(stop: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
}
