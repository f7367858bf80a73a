/**
 * Shared by `pos virtual reader`, `msr` and `scanner` (which live in hardware/ because hardware/
 * may not import cli/): the command layout (runDeviceCommand: help, serve, status, actions), strict
 * option parsing, one-line usage errors (exit 2), the control API client, and serving until Ctrl-C.
 * An error names the option or argument and says what it takes, never echoing the value: it may be a
 * PAN or key typed in the wrong place (cli/io.ts quoted() is out of reach here).
 */
import { ArgsError, strictParseArgs, type Options } from './strict-args.js';
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

/** Strict option parsing as the pos CLI does it (strict-args.ts), its errors UsageErrors. */
export function parse<T extends Options>(args: string[], options: T) {
  try {
    return strictParseArgs(args, options);
  } catch (error) {
    throw error instanceof ArgsError ? new UsageError(error.message) : error;
  }
}

export function integer(value: unknown, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`${option}: a whole number ${min}..${max}`);
  return Number(value);
}

/** The options every serving `pos virtual …` takes: --pty (required), --baud, --control-port (0 = a free port). */
export function serveOptions(values: { pty?: string | undefined; baud?: string | undefined; 'control-port'?: string | undefined }, defaultBaud: number) {
  if (!values.pty) throw new UsageError('--pty PATH is required (the path programs will open)');
  const baudRate = integer(values.baud, '--baud', 1200, 4_000_000) ?? defaultBaud;
  const controlPort = integer(values['control-port'], '--control-port', 0, 65535);
  return { pty: values.pty, baudRate, ...(controlPort === undefined ? {} : { controlPort }) };
}

export type ServeSettings = ReturnType<typeof serveOptions>;

/** Runs `body`, turning usage and control errors into one line on stderr, after `command:`, and an exit code. */
export async function runCommand(command: string, io: VirtualCliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError || error instanceof ControlError) {
      io.err(`${command}: ${error.message}`);
      return error instanceof UsageError ? error.exitCode : 2;
    }
    throw error;
  }
}

export type ControlCall = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>;

/** The client of a running device's control API on the `--control-port` value; its 400 answers become UsageErrors. */
export function controlClient(device: string, portOption: unknown): ControlCall {
  const port = integer(portOption, '--control-port', 1, 65535);
  if (port === undefined) throw new UsageError(`--control-port is required to talk to a running virtual ${device}`);
  return async (method, path, body) => {
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
  };
}

/** Waits for Ctrl-C or SIGTERM, then stops the service. */
export async function serveUntilSignal(stop: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
}

/** The options every device command takes, to serve (--pty, --baud) or to reach a running device (--control-port). */
const deviceOptions = {
  pty: { type: 'string' },
  baud: { type: 'string' },
  'control-port': { type: 'string' },
} as const;

export type DeviceValues<O extends Options> = ReturnType<typeof parse<typeof deviceOptions & O>>['values'];

/** What one `pos virtual DEVICE` says about itself; runDeviceCommand does the rest. */
export interface DeviceCommand<O extends Options> {
  device: 'reader' | 'msr' | 'scanner';
  usage: string;
  /** Options beyond --pty, --baud and --control-port. */
  options: O;
  defaultBaud: number;
  /** Starts the device; `describe` is printed after "pty" and "control" in the serving line. */
  start(settings: ServeSettings, values: DeviceValues<O>): Promise<{ service: RunningDevice; describe: Record<string, unknown> }>;
  /** Actions on a running device besides `status`: each returns the control API's answer, printed as JSON. */
  actions: Record<string, (call: ControlCall, rest: string[], values: DeviceValues<O>) => Promise<unknown>>;
  /** Actions that need no running device (the reader's `read`): each prints its own output. */
  localActions?: Record<string, (values: DeviceValues<O>, io: VirtualCliIo) => Promise<number>>;
}

interface RunningDevice {
  readonly path: string;
  readonly controlUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * `pos virtual DEVICE [ACTION …]`: --help prints the usage; no ACTION serves the device until
 * Ctrl-C after one JSON line; `status` and the device's actions go to its control API.
 */
export function runDeviceCommand<O extends Options>(command: DeviceCommand<O>, args: string[], io: VirtualCliIo): Promise<number> {
  return runCommand(`pos virtual ${command.device}`, io, async () => {
    const parsed = parse(args, { ...deviceOptions, ...command.options });
    // TypeScript cannot see through parseArgs' types for a generic O: name the shared options.
    const values = parsed.values as DeviceValues<O> & DeviceValues<{}>;
    const positionals = parsed.positionals;
    if (values.help) {
      io.out(command.usage);
      return 0;
    }
    const [action, ...rest] = positionals;
    if (action === undefined) {
      const settings = serveOptions(values, command.defaultBaud);
      const { service, describe } = await command.start(settings, values);
      io.out(JSON.stringify({ pty: service.path, control: service.controlUrl ?? null, ...describe }));
      await serveUntilSignal(() => service.stop());
      return 0;
    }
    const local = own(command.localActions ?? {}, action);
    if (local) return local(values, io);
    const remote = action === 'status' ? (call: ControlCall) => call('GET', '/status') : own(command.actions, action);
    if (!remote) {
      const known = ['status', ...Object.keys(command.actions), ...Object.keys(command.localActions ?? {})];
      throw new UsageError(`unknown ACTION (one of: ${known.join(', ')})`);
    }
    const call = controlClient(command.device, values['control-port']);
    io.out(JSON.stringify(await remote(call, rest, values), null, 2));
    return 0;
  });
}

/** `table[key]` when the table itself has it (an action named "toString" is unknown, not Object's). */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
