/** `pos virtual msr`: a virtual serial magnetic stripe reader on a PTY, and its control commands. */
import { magstripeTestCardIds } from '../../protocols/testcards.js';
import { VirtualMsrService } from '../msr/virtual-msr-service.js';
import { UsageError, controlClient, parse, runCommand, serveOptions, serveUntilSignal, type VirtualCliIo } from './common.js';

const usage = `usage:
  pos virtual msr --pty PATH [--baud N] [--crlf] [--control-port N]
      Runs a virtual serial MSR until Ctrl-C (9600 baud 8N1 by default, CR after each swipe).
      PATH is what programs open: an existing PTY is attached to, otherwise socat creates a pair
      with PATH as the host end. Prints one JSON line: {"pty", "control", "baudRate"}.
  pos virtual msr status --control-port N
  pos virtual msr swipe CARD --control-port N [--track 1|2] [--unreadable 1|2 ...]
      CARD: ${magstripeTestCardIds.join(', ')}. --track sends only that track; --unreadable sends
      %E? / ;E? for that track, as a reader does when the head cannot read it.
  pos virtual msr raw HEX --control-port N      send raw bytes (garbage, a line with no CR)

example:
  pos virtual msr --pty /tmp/msr --control-port 7071 &
  pos virtual msr swipe magstripe --control-port 7071`;

export async function run(args: string[], io: VirtualCliIo): Promise<number> {
  return runCommand('pos virtual msr', io, async () => {
    const { values, positionals } = parse(args, {
      pty: { type: 'string' },
      baud: { type: 'string' },
      crlf: { type: 'boolean' },
      'control-port': { type: 'string' },
      track: { type: 'string' },
      unreadable: { type: 'string', multiple: true },
    });
    if (values.help) {
      io.out(usage);
      return 0;
    }
    const [action, ...rest] = positionals;
    if (action === undefined) {
      const serve = serveOptions(values, 9600);
      const service = await VirtualMsrService.start({ ...serve, terminator: values.crlf ? 'CRLF' : 'CR' });
      io.out(JSON.stringify({ pty: service.path, control: service.controlUrl ?? null, baudRate: serve.baudRate }));
      await serveUntilSignal(() => service.stop());
      return 0;
    }
    const call = controlClient('msr', values['control-port']);
    const track = (value: string, option: string) => {
      if (value !== '1' && value !== '2') throw new UsageError(`${option}: 1 or 2`);
      return Number(value);
    };
    let answer: unknown;
    switch (action) {
      case 'status':
        answer = await call('GET', '/status');
        break;
      case 'swipe': {
        const card = rest[0];
        if (!card) throw new UsageError(`swipe: missing CARD (${magstripeTestCardIds.join(', ')})`);
        answer = await call('POST', '/swipe', {
          card,
          ...(values.track ? { tracks: [track(values.track, '--track')] } : {}),
          ...(values.unreadable ? { unreadable: values.unreadable.map((t) => track(t, '--unreadable')) } : {}),
        });
        break;
      }
      case 'raw':
        answer = await call('POST', '/raw', { hex: rest[0] ?? '' });
        break;
      default:
        throw new UsageError(`unknown action '${action}' (status, swipe, raw)`);
    }
    io.out(JSON.stringify(answer, null, 2));
    return 0;
  });
}
