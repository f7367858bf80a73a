/** `pos load`: N virtual terminals against a switch over TCP, with a progress line and a summary. */
import { lengthHeaders, type LengthHeader } from '../../protocols/framing/index.js';
import { testTmk } from '../../switch/config.js';
import { CliError, numberOption, parseOptions, printJson, quoted, type CliIo } from '../io.js';
import { runLoad, terminalIdProblem } from '../load/generator.js';
import { resolveSpec } from '../spec-option.js';

const usage = `usage: pos load [--host H] [--port N] [--terminals N] [--rate N] [--duration S] [--mix sale=80,refund=10,reversal=10]
                [--spec NAME|FILE.json] [--framing binary2|…] [--tmk HEX] [--merchant ID] [--terminal-prefix P]
                [--timeout-ms N] [--json]
  N virtual terminals (IDs L0000001…, or see --terminal-prefix), one connection and STAN sequence each,
  one request in flight per terminal, paced to --rate requests/s in total (0 = as fast as answers
  come) for --duration seconds.
  Unanswered requests are reversed as a POS would. Progress on stderr each second; summary at the end
  (--json: one JSON object). Defaults: port 8583, 16 terminals, rate 0, 10 s, the switch's test TMK.
  No request starts after --duration; what is owed then (answers, reversals) gets at most
  2 × --timeout-ms more, so a run takes at most duration + 2 × timeout.
  A reversal's repeats (0420) carry its 0400's STAN and DE7.
  --terminal-prefix P: terminal IDs P then the number, zero-padded to DE41's 8 characters (default L:
  L0000001…); 1 to 7 printable ASCII characters, no space, leaving room for N's digits. Loads at once
  against one switch or one shared journal need disjoint IDs: give each its own prefix, all of one
  length (else they share terminals: one run's sign-on replaces the other's keys, its requests
  answered A0, or their request keys meet, answered 94).
  Summary (--json names): durationMs (asked for), elapsedMs (taken, drain included), sent, approved,
  approvalsPerSecond (over elapsedMs), declined, latencyMs and responseCodes count sales, refunds and
  --mix reversals (a reversal once, by its last answer); unanswered (sales and refunds with no answer
  in time), unansweredReversed (of those, reversal answered 00/25; these reversals are counted only
  here), unreversed (--mix reversals never answered 00/25: those sales may stay charged; in sent
  only), reconnects (connections lost and made again), neverSignedOn (terminals that never signed
  on), signOnFailures (their first failure reason → terminals).
  Exit 0; 1 when an unanswered request stays unreversed, a --mix reversal is never answered, or a
  terminal never signed on; when none could, one line names the host and the reason on stderr
  (--json: also {"error", "neverSignedOn", "signOnFailures"} on stdout), exit 1; 2 for bad usage.`;

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
    'timeout-ms': { type: 'string' },
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
  const host = values.host ?? '127.0.0.1';
  const port = numberOption(values.port, 'port', { min: 1, max: 65535 }, 8583);
  const terminals = numberOption(values.terminals, 'terminals', { min: 1, max: 9999 }, 16);
  const rate = numberOption(values.rate, 'rate', { min: 0, max: 1_000_000, decimals: true }, 0);
  const durationMs = numberOption(values.duration, 'duration', { min: 0.1, max: 86_400, decimals: true }, 10) * 1000;
  const timeoutMs = numberOption(values['timeout-ms'], 'timeout-ms', { min: 1, max: 600_000 }, 5000);
  const mix = values.mix ? parseMix(values.mix) : undefined;
  const terminalPrefix = values['terminal-prefix'] ?? 'L';
  // Named through quoted(): a value in the wrong place may be a PAN or PIN.
  if (!/^[!-~]{1,7}$/.test(terminalPrefix)) throw new CliError(`--terminal-prefix: 1 to 7 printable ASCII characters, no space, got ${quoted(terminalPrefix)}`);
  const idProblem = terminalIdProblem(terminalPrefix, terminals, quoted(terminalPrefix));
  if (idProblem) throw new CliError(`--terminal-prefix: ${idProblem}`);
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
    ...(values.merchant ? { merchantId: values.merchant } : {}),
    terminalPrefix,
    timeoutMs,
    onProgress: (p) =>
      io.err(`${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  sent ${p.sent}  approved ${p.approved}  declined ${p.declined}  unanswered ${p.unanswered}`),
  });
  const { approvals: _approvals, unansweredRequests, ...summary } = result;
  const failures = Object.entries(result.signOnFailures).map(([reason, n]) => (n > 1 ? `${reason} (${n} terminals)` : reason)).join('; ');
  if (result.neverSignedOn === terminals) {
    const error = `no terminal could sign on to ${host}:${port}: ${failures}`;
    // A machine reader of --json gets an object either way.
    if (values.json) printJson(io, { error, neverSignedOn: result.neverSignedOn, signOnFailures: result.signOnFailures });
    throw new CliError(error, 1);
  }
  const report = { ...summary, unansweredReversed: unansweredRequests.filter((u) => u.reversed).length };
  if (values.json) printJson(io, report);
  else
    io.out(
      [
        `${report.sent} requests in ${(report.elapsedMs / 1000).toFixed(1)} s over ${terminals} terminals`,
        `approved ${report.approved} (${report.approvalsPerSecond}/s), declined ${report.declined}, unanswered ${report.unanswered} (reversed ${report.unansweredReversed})`,
        ...(report.unreversed ? [`reversals unanswered ${report.unreversed} (their approved sales may stay charged)`] : []),
        `latency ms: p50 ${report.latencyMs.p50}  p99 ${report.latencyMs.p99}  p99.9 ${report.latencyMs.p999}  max ${report.latencyMs.max}`,
        `response codes: ${Object.entries(report.responseCodes).map(([code, n]) => `${code}×${n}`).join(' ')}`,
        ...(report.neverSignedOn ? [`never signed on: ${report.neverSignedOn} of ${terminals} terminals: ${failures}`] : []),
      ].join('\n'),
    );
  return report.unanswered > report.unansweredReversed || report.unreversed > 0 || report.neverSignedOn > 0 ? 1 : 0;
}
