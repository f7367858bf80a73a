import { DecodeError } from '../../protocols/errors.js';
import { parseSwipe, serviceCode, type Track1, type Track2 } from '../../protocols/magstripe/index.js';
import { maskPan } from '../../protocols/mask.js';
import { atMost, CliError, parseOptions, printJson, readInput, type CliIo } from '../io.js';

const help = `usage: pos track decode [--reveal] TEXT|-

Decodes what a magnetic stripe reader sends for one swipe (track 1 %B…?, track 2 ;…=…?, or both)
and prints JSON: PAN (masked unless --reveal), name, expiry, service code with its meaning (and
whether a chip-capable terminal must ask for the chip), discretionary data (hidden unless --reveal).

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

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { reveal: { type: 'boolean' } });
  const [action, input] = positionals;
  if (values.help || !action) {
    io.out(help);
    return values.help ? 0 : 2;
  }
  atMost(positionals, 2);
  if (action !== 'decode') throw new CliError(`unknown action '${action}' (decode)`);
  const text = await readInput(input, io, 'track text');
  try {
    const { track1, track2 } = parseSwipe(text);
    const reveal = values.reveal === true;
    printJson(io, { ...(track1 ? { track1: shown(track1, reveal) } : {}), ...(track2 ? { track2: shown(track2, reveal) } : {}) });
  } catch (error) {
    if (error instanceof DecodeError) throw new CliError(error.message);
    throw error;
  }
  return 0;
}
