/** `pos switch`: the acquiring switch simulator until Ctrl-C (docs/switch.md). */
import { mkdirSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { lengthHeaders, type LengthHeader } from '../../protocols/framing/index.js';
import { testTmk, type SwitchConfig, type TerminalConfig } from '../../switch/config.js';
import { JournalOpenError, startSwitch } from '../../switch/index.js';
import { sqliteFilePath } from '../../switch/store/index.js';
import { CliError, numberOption, parseOptions, quoted, writableFileOption, type CliIo } from '../io.js';
import { resolveSpec } from '../spec-option.js';

const usage = `usage: pos switch [--port N] [--admin-port N] [--db URL] [--spec NAME|FILE.json] [--framing binary2|bcd2|ascii4|none]
                  [--terminals FILE.json] [--no-enroll] [--late-answer-ms N] [--log-level LEVEL] [--host ADDR]
                  [--max-in-flight N] [--max-unwritten-bytes N] [--idle-timeout-ms N] [--frame-timeout-ms N]
                  [--max-connections N] [--max-signed-on N]
  Serves terminals over TCP (default port 8583) and the admin API over HTTP (default 8584; 0 = none).
  --host ADDR   address both listen on (default 127.0.0.1; 0.0.0.0 = every interface)
  --db          sqlite:PATH or PATH (default sqlite:data/switch.db), postgres://… (?schema=NAME), :memory:
  --framing     length header of each message (default binary2); none: one message per TCP read, no
                pipelining — for links that frame below TCP
  --terminals   JSON array of { id, merchantId, merchantName?, tmk } (TMK: 32 hex digits)
  --no-enroll   refuse terminals not in --terminals (by default they sign on with the published test
                TMK: with --host wider than 127.0.0.1, anyone who reaches the port can transact —
                a closed lab only, else use --no-enroll)
  --max-in-flight N          requests of one connection processed at once, 1–65536 (default 256);
                             above it the switch stops reading that connection until one finishes
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
  Prints one JSON line {"host","port","adminPort","db"} when ready; logs (pino JSON) go to stderr.`;

/** A per-connection limit: a whole number within [min, max], or a one-line usage error. */
function bounded(value: string | undefined, name: string, min: number, max: number): number | undefined {
  return value === undefined ? undefined : numberOption(value, name, { min, max }, 0);
}

function readTerminals(path: string): TerminalConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--terminals: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
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
  const token = process.env.POS_ADMIN_TOKEN;
  return {
    port,
    ...(adminPort ? { adminPort } : {}),
    // Loopback unless asked: enrolment with a published key must not face the network by default.
    host: values.host ?? '127.0.0.1',
    ...(token ? { adminToken: token } : {}),
    db: values.db ?? defaultDb,
    spec: resolveSpec(values.spec),
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
  if (file !== undefined) writableFileOption(file, 'db', values.db);
  if (values.db === undefined) mkdirSync('data', { recursive: true });
  const sw = await startSwitch(config).catch((error: NodeJS.ErrnoException & { port?: number }) => {
    if (error instanceof JournalOpenError) throw new CliError(`--db: cannot open the journal (${(error.cause as Error | undefined)?.message ?? error.message})`);
    if (error.code === 'ENOTFOUND' || error.code === 'EADDRNOTAVAIL') throw new CliError(`--host: cannot listen on ${quoted(values.host ?? '')} (${error.code}): an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`);
    if (error.code === 'EADDRINUSE') throw new CliError(`${error.port !== undefined && error.port === config.adminPort ? '--admin-port' : '--port'} ${error.port ?? ''}: in use`);
    throw error;
  });
  io.out(JSON.stringify({ host: values.host ?? '127.0.0.1', port: sw.port, adminPort: sw.adminPort ?? null, db: sw.store.kind }));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sw.stop();
  return 0;
}
