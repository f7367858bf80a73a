/** `pos load`: N virtual terminals against a switch over TCP, with a progress line and a summary. */
import { lengthHeaders, type LengthHeader } from '../../protocols/framing/index.js';
import { testTmk } from '../../switch/config.js';
import { CliError, numberOption, parseOptions, printJson, quoted, splitHostPort, type CliIo } from '../io.js';
import { durationEnded, runLoad, terminalIdProblem, type LoadResult } from '../load/generator.js';
import { resolveSpec } from '../spec-option.js';

const usage = `usage: pos load [--host H[:PORT]] [--port N] [--terminals N] [--rate N] [--duration S]
                [--mix sale=80,refund=10,reversal=10] [--spec NAME|FILE.json] [--framing binary2|…]
                [--tmk HEX] [--merchant ID] [--terminal-prefix P] [--first-stan N] [--timeout-ms N]
                [--sign-on-first] [--json]
  N virtual terminals (IDs L0000001…, or see --terminal-prefix), one connection and STAN sequence each,
  one request in flight per terminal, paced to --rate requests/s in total (0 = as fast as answers
  come) for --duration seconds.
  Unanswered requests are reversed as a POS would. Progress on stderr each second; summary at the end
  (--json: one JSON object). Defaults: host 127.0.0.1, port 8583 (or --host H:PORT, as pos terminal
  takes it; an IPv6 address as ::1 or [::1]:PORT), 16 terminals, rate 0, 10 s, --timeout-ms 5000, the switch's test TMK, --merchant
  M00000000000001 (DE42: 15 printable ASCII characters).
  No request starts after --duration; what is owed then (answers, reversals) gets at most
  2 × --timeout-ms more, so a run takes at most duration + 2 × timeout. Ctrl-C (SIGINT) ends the
  duration there: the same drain, then the summary ("interrupted": true) and exit 130; a second
  Ctrl-C quits at once (sales in flight may then stay charged).
  Terminals sign on within --duration (a sign-on waits at most what is left of it). --sign-on-first:
  every terminal signs on before the duration starts, 32 at a time, each with --timeout-ms and one
  more try on a new connection, so the duration (and elapsedMs, approvalsPerSecond) is all requests —
  for hundreds of terminals or a short run, whose last sign-ons would queue behind the first ones' sales.
  Refunds are of half an approved sale, never more than is left of it.
  A reversal's repeats (0420) carry its 0400's STAN and DE7.
  --terminal-prefix P: terminal IDs P then the number, zero-padded to DE41's 8 characters (default L:
  L0000001…); 1 to 7 printable ASCII characters, no space, leaving room for N's digits. Loads at once
  against one switch or one shared journal need disjoint IDs: give each its own prefix, all of one
  length (else they share terminals: one run's sign-on replaces the other's keys, its requests
  answered A0, or their request keys meet, answered 94).
  --first-stan N: every terminal's first STAN (1 to 999999; after 999999 comes 000001). Default: one
  drawn at random per run, so a run started in the second the last one ended does not repeat its
  request keys (terminal, STAN, DE7 in whole seconds: answered 94), as STANs counted from 1 would.
  Summary (--json names): durationMs (asked for), elapsedMs (taken, drain included), sent, approved,
  approvalsPerSecond (over elapsedMs), declined, latencyMs and responseCodes count sales, refunds and
  --mix reversals (a reversal once, by its last answer); byKind: sent, approved, declined and
  unanswered per kind (sale, refund, reversal; a reversal's unanswered are the unreversed below),
  a line of the text summary when more than one kind was sent; unanswered (sales and refunds with no answer
  in time), unansweredReversed (of those, reversal answered 00/25; these reversals are counted only
  here), unreversed (--mix reversals never answered 00/25: those sales may stay charged; in sent
  only), reconnects (connections lost and made again; one the host closed between two requests is
  made again before the next is sent), neverSignedOn (terminals with a request due that never signed
  on; at a low --rate, one whose first request falls after --duration does not start and is not
  counted), signOnFailures (their first failure reason → terminals).
  Exit 0; 1 when answers came and none approved (e.g. all A0: keys lost), an unanswered
  request stays unreversed, a --mix reversal is never answered, or a terminal failed to sign on (not
  one the end of the duration cut off before it could: counted, not failed); when
  none could, one line names the host and the reason on stderr (--json: also {"error",
  "neverSignedOn", "signOnFailures"} on stdout), exit 1; 2 for bad usage; 130 after Ctrl-C (with
  the summary, also when none had signed on yet).

example:
  pos load --terminals 64 --duration 10 --mix sale=100 --sign-on-first --json`;

const kindNames: Record<keyof LoadResult['byKind'], [string, string]> = { sale: ['sales', 'unanswered'], refund: ['refunds', 'unanswered'], reversal: ['reversals', 'unreversed'] };

/** `by kind: sales 90 (approved 88, declined 2); reversals 10 (approved 10)`: a line only when the run sent more than one kind. */
function byKindLines(byKind: LoadResult['byKind']): string[] {
  const sent = (Object.keys(byKind) as Array<keyof typeof byKind>).filter((kind) => byKind[kind].sent > 0);
  if (sent.length < 2) return [];
  const parts = sent.map((kind) => {
    const { approved, declined, unanswered } = byKind[kind];
    const [name, missing] = kindNames[kind];
    const counts = [`approved ${approved}`, ...(declined ? [`declined ${declined}`] : []), ...(unanswered ? [`${missing} ${unanswered}`] : [])];
    return `${name} ${byKind[kind].sent} (${counts.join(', ')})`;
  });
  return [`by kind: ${parts.join('; ')}`];
}

function parseMix(text: string): { sale: number; refund: number; reversal: number } {
  const mix = { sale: 0, refund: 0, reversal: 0 };
  for (const part of text.split(',')) {
    const [name, share] = part.split('=');
    if (!name || !(name in mix) || !share || !/^\d+$/.test(share)) throw new CliError(`--mix: expected sale=N,refund=N,reversal=N, got ${quoted(part)}`);
    mix[name as keyof typeof mix] = Number(share);
  }
  if (mix.sale === 0) throw new CliError('--mix: sales are needed (refunds and reversals refer to them)');
  return mix;
}

/**
 * --host as `pos terminal` takes it (HOST:PORT, split at the last colon followed by digits only), or
 * HOST with --port (default 8583); a port in both is refused, not chosen between.
 */
function hostAndPort(hostText: string | undefined, portText: string | undefined): { host: string; port: number } {
  const { host, port: inHost } = splitHostPort(hostText ?? '127.0.0.1');
  if (!host) throw new CliError(`--host: expected HOST or HOST:PORT, got ${quoted(hostText ?? '')}`);
  if (inHost === undefined) return { host, port: numberOption(portText, 'port', { min: 1, max: 65535 }, 8583) };
  if (portText !== undefined) throw new CliError('--host HOST:PORT and --port: give the port once');
  const port = Number(inHost);
  // quoted() never shows a port of 4 digits or more (it may be a PIN): the host is shown, the port named for what is wrong.
  if (port < 1 || port > 65535) throw new CliError(`--host: expected HOST:PORT with a port from 1 to 65535, got ${quoted(host)} with a port outside that range`);
  return { host, port };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    terminals: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    mix: { type: 'string' },
    spec: { type: 'string' },
    framing: { type: 'string' },
    tmk: { type: 'string' },
    merchant: { type: 'string' },
    'terminal-prefix': { type: 'string' },
    'first-stan': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'sign-on-first': { type: 'boolean' },
    json: { type: 'boolean' },
  }, 0);
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const framing = (values.framing ?? 'binary2') as LengthHeader;
  if (!lengthHeaders.includes(framing)) throw new CliError(`--framing: one of ${lengthHeaders.join(', ')}`);
  const tmk = values.tmk ?? testTmk;
  if (!/^[0-9A-Fa-f]{32}$/.test(tmk)) throw new CliError('--tmk: 32 hex digits');
  const { host, port } = hostAndPort(values.host, values.port);
  const terminals = numberOption(values.terminals, 'terminals', { min: 1, max: 9999 }, 16);
  const rate = numberOption(values.rate, 'rate', { min: 0, max: 1_000_000, decimals: true }, 0);
  const durationMs = numberOption(values.duration, 'duration', { min: 0.1, max: 86_400, decimals: true }, 10) * 1000;
  const timeoutMs = numberOption(values['timeout-ms'], 'timeout-ms', { min: 1, max: 600_000 }, 5000);
  const mix = values.mix !== undefined ? parseMix(values.mix) : undefined;
  const merchant = values.merchant ?? 'M00000000000001';
  // Checked here: the encoder's error would come from inside a running terminal, once per terminal.
  if (!/^[ -~]{15}$/.test(merchant)) throw new CliError(`--merchant: 15 printable ASCII characters (DE42), got ${quoted(merchant)}`);
  const terminalPrefix = values['terminal-prefix'] ?? 'L';
  // Named through quoted(): a value in the wrong place may be a PAN or PIN.
  if (!/^[!-~]{1,7}$/.test(terminalPrefix)) throw new CliError(`--terminal-prefix: 1 to 7 printable ASCII characters, no space, got ${quoted(terminalPrefix)}`);
  const idProblem = terminalIdProblem(terminalPrefix, terminals, quoted(terminalPrefix));
  if (idProblem) throw new CliError(`--terminal-prefix: ${idProblem}`);
  const firstStan = values['first-stan'] === undefined ? undefined : numberOption(values['first-stan'], 'first-stan', { min: 1, max: 999999 }, 1);
  const stop = new AbortController();
  // The first Ctrl-C ends the run as its duration would (reversals, summary); a second one quits at once.
  const interrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    io.err('interrupted: ending the run (reversing what is unanswered); Ctrl-C again to quit at once');
    stop.abort();
  };
  process.on('SIGINT', interrupt);
  const result = await runLoad({
    host,
    port,
    spec: resolveSpec(values.spec),
    framing,
    terminals,
    rate,
    durationMs,
    ...(mix ? { mix } : {}),
    tmk,
    merchantId: merchant,
    terminalPrefix,
    ...(firstStan === undefined ? {} : { firstStan }),
    timeoutMs,
    ...(values['sign-on-first'] ? { signOnFirst: {} } : {}),
    stop: stop.signal,
    onProgress: (p) =>
      io.err(`${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  sent ${p.sent}  approved ${p.approved}  declined ${p.declined}  unanswered ${p.unanswered}`),
  }).finally(() => process.off('SIGINT', interrupt));
  const interrupted = stop.signal.aborted;
  const { approvals: _approvals, unansweredRequests, ...summary } = result;
  const failures = Object.entries(result.signOnFailures).map(([reason, n]) => (n > 1 ? `${reason} (${n} terminals)` : reason)).join('; ');
  // Interrupted (Ctrl-C) before any signed on: the summary says so and exits 130 below, the host not blamed.
  if (result.neverSignedOn === terminals && !interrupted) {
    const error = `no terminal could sign on to ${host}:${port}: ${failures}`;
    // A machine reader of --json gets an object either way.
    if (values.json) printJson(io, { error, neverSignedOn: result.neverSignedOn, signOnFailures: result.signOnFailures });
    throw new CliError(error, 1);
  }
  // Answers came and none approved: the switch is refusing this load (A0: keys lost, 03: another merchant…), not carrying it.
  const nothingApproved = summary.approved === 0 && summary.declined > 0;
  const report = { ...summary, unansweredReversed: unansweredRequests.filter((u) => u.reversed).length, interrupted };
  if (values.json) printJson(io, report);
  else
    io.out(
      [
        `${report.sent} requests in ${(report.elapsedMs / 1000).toFixed(1)} s over ${terminals} terminals${interrupted ? ' (interrupted)' : ''}`,
        `approved ${report.approved} (${report.approvalsPerSecond}/s), declined ${report.declined}, unanswered ${report.unanswered} (reversed ${report.unansweredReversed})`,
        ...(report.unreversed ? [`reversals unanswered ${report.unreversed} (their approved sales may stay charged)`] : []),
        ...byKindLines(report.byKind),
        `latency ms: p50 ${report.latencyMs.p50}  p99 ${report.latencyMs.p99}  p99.9 ${report.latencyMs.p999}  max ${report.latencyMs.max}`,
        `response codes: ${Object.entries(report.responseCodes).map(([code, n]) => `${code}×${n}`).join(' ')}`,
        ...(report.neverSignedOn ? [`never signed on: ${report.neverSignedOn} of ${terminals} terminals: ${failures}`] : []),
        ...(nothingApproved ? ['nothing approved: every answer was a decline'] : []),
      ].join('\n'),
    );
  return interrupted ? 130 : loadExitCode(report);
}

/**
 * 1 when the run shows something wrong with the host: answers came and none approved, an unanswered
 * request stayed unreversed, a --mix reversal was never answered, or a terminal failed to sign on; else 0.
 * A terminal the end of the run cut off before it could sign on (due in its last moments) is counted, not failed.
 */
export function loadExitCode(report: Pick<LoadResult, 'approved' | 'declined' | 'unanswered' | 'unreversed' | 'neverSignedOn' | 'signOnFailures'> & { unansweredReversed: number }): 0 | 1 {
  const nothingApproved = report.approved === 0 && report.declined > 0;
  const failedSignOns = report.neverSignedOn - (report.signOnFailures[durationEnded] ?? 0);
  return nothingApproved || report.unanswered > report.unansweredReversed || report.unreversed > 0 || failedSignOns > 0 ? 1 : 0;
}
