import { DecodeError } from '../../protocols/errors.js';
import { parseSwipe, serviceCode, type Track1, type Track2 } from '../../protocols/magstripe/index.js';
import { luhnValid } from '../../protocols/luhn.js';
import { maskPan } from '../../protocols/mask.js';
import { atMost, CliError, parseOptions, printJson, quoted, readInput, type CliIo } from '../io.js';

const help = `usage: pos track decode [--reveal] TEXT|-

Decodes what a magnetic stripe reader sends for one swipe (track 1 %B…?, track 2 ;…=…?, or both)
and prints JSON: PAN (masked unless --reveal), name, expiry, service code with its meaning (and
whether a chip-capable terminal must ask for the chip), discretionary data (hidden unless --reveal),
and "problems" a host would decline for: a PAN failing the Luhn check, an expiry month that does
not exist, track 1 and track 2 disagreeing on the PAN or expiry.

example:
  pos track decode ';4761739001010010=1808101?'`;

function shown(track: Track1 | Track2, reveal: boolean) {
  return {
    ...track,
    pan: reveal ? track.pan : maskPan(track.pan),
    discretionary: reveal ? track.discretionary : '*'.repeat(track.discretionary.length),
    ...(track.serviceCode ? { service: serviceCode(track.serviceCode) } : {}),
  };
}

/** What a host would refuse in a swipe that still parses (never the PAN itself: it is masked in each line). */
function problemsOf(track1: Track1 | undefined, track2: Track2 | undefined): string[] {
  const problems: string[] = [];
  for (const [name, track] of [['track 1', track1], ['track 2', track2]] as const) {
    if (!track) continue;
    if (!/^\d{12,19}$/.test(track.pan)) problems.push(`${name}: PAN ${maskPan(track.pan)} is not 12–19 digits (ISO/IEC 7812-1)`);
    else if (!luhnValid(track.pan)) problems.push(`${name}: PAN ${maskPan(track.pan)} fails the Luhn check (ISO/IEC 7812-1)`);
    const month = Number(track.expiry.slice(2));
    if (track.expiry && !(month >= 1 && month <= 12)) problems.push(`${name}: expiry ${track.expiry} (YYMM) has no month ${track.expiry.slice(2)}`);
  }
  if (track1 && track2) {
    if (track1.pan !== track2.pan) problems.push('track 1 and track 2 carry different PANs');
    if (track1.expiry && track2.expiry && track1.expiry !== track2.expiry) problems.push(`track 1 and track 2 carry different expiry dates (${track1.expiry}, ${track2.expiry})`);
  }
  return problems;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { reveal: { type: 'boolean' } });
  const [action, input] = positionals;
  if (values.help || !action) {
    io.out(help);
    return values.help ? 0 : 2;
  }
  atMost(positionals, 2);
  if (action !== 'decode') throw new CliError(`unknown action ${quoted(action)} (decode)`);
  const text = await readInput(input, io, 'track text');
  try {
    const { track1, track2 } = parseSwipe(text);
    const reveal = values.reveal === true;
    const problems = problemsOf(track1, track2);
    printJson(io, { ...(track1 ? { track1: shown(track1, reveal) } : {}), ...(track2 ? { track2: shown(track2, reveal) } : {}), ...(problems.length ? { problems } : {}) });
  } catch (error) {
    if (error instanceof DecodeError) throw new CliError(error.message);
    throw error;
  }
  return 0;
}
