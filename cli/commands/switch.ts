/** `pos switch`: the acquiring switch simulator until Ctrl-C (docs/switch.md). */
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pino from 'pino';
import { lengthHeaders, type LengthHeader } from '../../protocols/framing/index.js';
import type { MessageSpec } from '../../protocols/iso8583/index.js';
import { testTmk, type SwitchConfig, type TerminalConfig } from '../../switch/config.js';
import { JournalOpenError, startSwitch } from '../../switch/index.js';
import { sqliteFilePath } from '../../switch/store/index.js';
import { adminTokenFromEnv, CliError, numberOption, parseJson, parseOptions, quoted, quotedPath, writableFileOption, type CliIo } from '../io.js';
import { resolveSpec } from '../spec-option.js';
import { switchSpecProblem } from '../switch-spec.js';

const usage = `usage: pos switch [--port N] [--admin-port N] [--db URL] [--spec NAME|FILE.json] [--framing binary2|bcd2|ascii4|none]
                  [--terminals FILE.json] [--no-enroll] [--late-answer-ms N] [--log-level LEVEL] [--host ADDR]
                  [--max-in-flight N] [--max-unwritten-bytes N] [--idle-timeout-ms N] [--frame-timeout-ms N]
                  [--max-connections N] [--max-signed-on N]
  Serves terminals over TCP (default port 8583) and the admin API over HTTP (default 8584; 0 = none).
  --host ADDR   address both listen on (default 127.0.0.1; 0.0.0.0 = every interface)
  --db          sqlite:PATH or PATH (default sqlite:data/switch.db), postgres://… (?schema=NAME), :memory:
  --spec        message layout: a built-in name or FILE.json (default: default); refused at start unless it
                carries the switch's fields: 3, 4, 7, 11, 37, 38, 41, 70, 2 or 35, 39 as 2 characters,
                64 as 8 binary bytes (the MAC, last), 96 of 50 bytes or more (the sign-on's key exchange);
                14, 22, 25, 42, 49, 52 if defined must carry the default spec's values. Built-ins: only
                default (iso87*: field 96 holds 16 bytes; iso93*: field 39 is a 3-digit action code)
  --framing     length header of each message (default binary2); none: one message per TCP read, no
                pipelining — for links that frame below TCP
  --terminals   JSON array of { id, merchantId, merchantName?, tmk } (TMK: 32 hex digits)
  --no-enroll   refuse terminals not in --terminals (by default they sign on with the published test
                TMK: with --host wider than 127.0.0.1, anyone who reaches the port can transact —
                a closed lab only, else use --no-enroll)
  --late-answer-ms N  how long the answer to an amount ending in .98 (a late answer) is held back,
                     0–65535000 (default 60000): past the terminal's timeout, to test its reversal
  --log-level   fatal, error, warn, info (default: start, stop, declines, faults, refused frames and
                connections), debug (also each connection, approval and sign-on), trace, silent
  --max-in-flight N          requests of one connection processed at once, 1–65536 (default 256), a
                             held-back answer (late, delayed) counting until sent; above it the switch
                             stops reading that connection until one finishes
  --max-unwritten-bytes N    answer bytes a connection may leave unread, 1024–1073741824 (default 4194304);
                             above it the switch closes that connection
  --idle-timeout-ms N        a connection silent this long, owed no answer, is closed, 1000–86400000
                             (default 600000)
  --frame-timeout-ms N       a message begun must arrive whole within this, 100–600000 (default 5000);
                             else its connection is closed
  --max-connections N        terminal connections at once, 1–1000000 (default 10000); one more is closed
                             as it arrives (logged, pos_switch_connections_refused_total)
  --max-signed-on N          enrolled terminals signed on at once, 1–10000000 (default 10000); a sign-on
                             beyond it signs off the least recently used (its MAC'd requests answer A0
                             until it signs on again)
  The admin API token for writes comes from $POS_ADMIN_TOKEN (writes are refused without it).
  Prints one JSON line {"host","port","adminPort","db"} when ready; logs (pino JSON) go to stderr.

example:
  POS_ADMIN_TOKEN=secret pos switch --db data/switch.db --late-answer-ms 5000`;

/** A per-connection limit: a whole number within [min, max], or a one-line usage error. */
function bounded(value: string | undefined, name: string, min: number, max: number): number | undefined {
  return value === undefined ? undefined : numberOption(value, name, { min, max }, 0);
}

function readTerminals(path: string): TerminalConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--terminals: cannot read ${quotedPath(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // parseJson names the position, never the text around it: the file holds TMKs.
  const parsed = parseJson(text, `--terminals ${quotedPath(path)}`);
  if (!Array.isArray(parsed)) throw new CliError('--terminals: expected a JSON array');
  // DE41/DE42 as the switch reads them: printable ASCII (a control character makes every request 30).
  const printable = (value: unknown, length: number): value is string => typeof value === 'string' && new RegExp(`^[ -~]{${length}}$`).test(value);
  const seen = new Map<string, number>();
  return parsed.map((t: Partial<TerminalConfig>, i) => {
    if (!printable(t?.id, 8)) throw new CliError(`--terminals[${i}].id: 8 printable ASCII characters`);
    // A repeated ID would silently replace the earlier entry's TMK and merchant.
    if (seen.has(t.id)) throw new CliError(`--terminals[${i}].id: ${t.id} is also --terminals[${seen.get(t.id)}]`);
    seen.set(t.id, i);
    if (!printable(t.merchantId, 15)) throw new CliError(`--terminals[${i}].merchantId: 15 printable ASCII characters`);
    if (typeof t.tmk !== 'string' || !/^[0-9A-Fa-f]{32}$/.test(t.tmk)) throw new CliError(`--terminals[${i}].tmk: 32 hex digits`);
    if (t.merchantName !== undefined && typeof t.merchantName !== 'string') throw new CliError(`--terminals[${i}].merchantName: text`);
    return { id: t.id, merchantId: t.merchantId, tmk: t.tmk, ...(t.merchantName === undefined ? {} : { merchantName: t.merchantName }) };
  });
}

/** `--spec`, refused at start (not at every terminal's first request) when the switch cannot speak it. */
function switchSpec(value: string | undefined): MessageSpec {
  const spec = resolveSpec(value);
  const problem = switchSpecProblem(spec);
  if (problem) throw new CliError(`--spec ${value}: the switch cannot use it: ${problem} (see pos switch --help)`);
  return spec;
}

/** In data/ (git-ignored: the journal of a `pos switch` run in the repository stays out of commits), made only once the options are checked. */
const defaultDb = 'sqlite:data/switch.db';

export const switchOptions = {
  port: { type: 'string' },
  'admin-port': { type: 'string' },
  host: { type: 'string' },
  db: { type: 'string' },
  spec: { type: 'string' },
  framing: { type: 'string' },
  terminals: { type: 'string' },
  'no-enroll': { type: 'boolean' },
  'late-answer-ms': { type: 'string' },
  'log-level': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'max-unwritten-bytes': { type: 'string' },
  'idle-timeout-ms': { type: 'string' },
  'frame-timeout-ms': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-signed-on': { type: 'string' },
} as const;

type Values = { [K in keyof typeof switchOptions]?: (typeof switchOptions)[K]['type'] extends 'boolean' ? boolean : string };

/** The switch's configuration from the options, every value checked; a limit not given is left to the switch's default. */
export function switchConfig(values: Values): SwitchConfig {
  const framing = (values.framing ?? 'binary2') as LengthHeader;
  if (!lengthHeaders.includes(framing)) throw new CliError(`--framing: one of ${lengthHeaders.join(', ')}`);
  const level = values['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new CliError(`--log-level: unknown level ${quoted(level)}`);
  const adminPort = bounded(values['admin-port'], 'admin-port', 0, 65535) ?? 8584;
  const maxInFlightPerConnection = bounded(values['max-in-flight'], 'max-in-flight', 1, 65536);
  const maxUnwrittenBytes = bounded(values['max-unwritten-bytes'], 'max-unwritten-bytes', 1024, 2 ** 30);
  const idleTimeoutMs = bounded(values['idle-timeout-ms'], 'idle-timeout-ms', 1000, 86_400_000);
  const frameTimeoutMs = bounded(values['frame-timeout-ms'], 'frame-timeout-ms', 100, 600_000);
  const maxConnections = bounded(values['max-connections'], 'max-connections', 1, 1_000_000);
  const maxSignedOn = bounded(values['max-signed-on'], 'max-signed-on', 1, 10_000_000);
  const port = bounded(values.port, 'port', 0, 65535) ?? 8583;
  // One port for both would fail as "in use", naming whichever option listened second (or the wrong one).
  if (adminPort !== 0 && adminPort === port) throw new CliError(`--admin-port ${adminPort}: the same as --port (give each its own)`);
  const token = adminTokenFromEnv();
  return {
    port,
    ...(adminPort ? { adminPort } : {}),
    // Loopback unless asked: enrolment with a published key must not face the network by default.
    host: values.host ?? '127.0.0.1',
    ...(token ? { adminToken: token } : {}),
    db: values.db ?? defaultDb,
    spec: switchSpec(values.spec),
    framing,
    terminals: values.terminals ? readTerminals(values.terminals) : [],
    ...(values['no-enroll'] ? {} : { enrollUnknown: { tmk: testTmk } }),
    lateAnswerMs: numberOption(values['late-answer-ms'], 'late-answer-ms', { min: 0, max: 65535 * 1000 }, 60_000),
    ...(maxInFlightPerConnection === undefined ? {} : { maxInFlightPerConnection }),
    ...(maxUnwrittenBytes === undefined ? {} : { maxUnwrittenBytes }),
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    ...(frameTimeoutMs === undefined ? {} : { frameTimeoutMs }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(maxSignedOn === undefined ? {} : { maxSignedOn }),
    logger: pino({ level }, pino.destination(2)),
  };
}

/**
 * Listens on the port and closes at once, before the journal opens: a port in use or an address not
 * this machine's refuses the start with no journal file made. Not the switch's own listen moved
 * first: a terminal could then be served before the journal is open.
 */
async function probePort(port: number | undefined, host: string | undefined): Promise<void> {
  if (!port) return;
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, switchOptions, 0);
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const config = switchConfig(values);
  // Any other scheme would be taken for a SQLite path ("folder foo:/ does not exist").
  const scheme = values.db === undefined ? undefined : /^([a-z][a-z0-9+.-]*):\/\//i.exec(values.db)?.[1];
  if (scheme !== undefined && !/^(sqlite|postgres|postgresql)$/.test(scheme)) {
    throw new CliError(`--db: unknown database ${quoted(`${scheme}://`)} (sqlite:PATH, PATH, :memory: or postgres://…, the scheme in lower case)`);
  }
  const file = values.db === undefined ? undefined : sqliteFilePath(values.db);
  // SQLite opens an empty name as an anonymous temporary file: a journal gone at exit.
  if (file === '') throw new CliError(`--db ${quoted(values.db ?? '')}: no file named (sqlite:PATH or PATH; :memory: only for tests)`);
  if (file !== undefined) writableFileOption(file, 'db', values.db);
  const refused = (error: NodeJS.ErrnoException & { port?: number }): never => {
    if (error instanceof JournalOpenError) throw new CliError(`--db: cannot open the journal (${(error.cause as Error | undefined)?.message ?? error.message})`);
    if (error.code === 'ENOTFOUND' || error.code === 'EADDRNOTAVAIL') throw new CliError(`--host: cannot listen on ${quoted(values.host ?? '')} (${error.code}): an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`);
    if (error.code === 'EADDRINUSE') throw new CliError(`${error.port !== undefined && error.port === config.adminPort ? '--admin-port' : '--port'} ${error.port ?? ''}: in use`);
    throw error;
  };
  for (const port of [config.port, config.adminPort]) await probePort(port, config.host).catch(refused);
  if (values.db === undefined) mkdirSync('data', { recursive: true });
  const sw = await startSwitch(config).catch(refused);
  io.out(JSON.stringify({ host: values.host ?? '127.0.0.1', port: sw.port, adminPort: sw.adminPort ?? null, db: sw.store.kind }));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sw.stop();
  return 0;
}
