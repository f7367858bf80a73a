/** `pos virtual msr`: a virtual serial magnetic stripe reader on a PTY, and its control commands. */
import { magstripeTestCardIds } from '../../protocols/testcards.js';
import { VirtualMsrService } from '../msr/virtual-msr-service.js';
import { UsageError, runDeviceCommand, type VirtualCliIo } from './common.js';

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

const track = (value: string, option: string) => {
  if (value !== '1' && value !== '2') throw new UsageError(`${option}: 1 or 2`);
  return Number(value);
};

export function run(args: string[], io: VirtualCliIo): Promise<number> {
  return runDeviceCommand(
    {
      device: 'msr',
      usage,
      options: { crlf: { type: 'boolean' }, track: { type: 'string' }, unreadable: { type: 'string', multiple: true } },
      defaultBaud: 9600,
      async start(settings, values) {
        const service = await VirtualMsrService.start({ ...settings, terminator: values.crlf ? 'CRLF' : 'CR' });
        return { service, describe: { baudRate: settings.baudRate } };
      },
      actions: {
        swipe: (call, [card], values) => {
          if (!card) throw new UsageError(`swipe: missing CARD (${magstripeTestCardIds.join(', ')})`);
          return call('POST', '/swipe', {
            card,
            ...(values.track ? { tracks: [track(values.track, '--track')] } : {}),
            ...(values.unreadable ? { unreadable: values.unreadable.map((t) => track(t, '--unreadable')) } : {}),
          });
        },
        raw: (call, [hex]) => call('POST', '/raw', { hex: hex ?? '' }),
      },
    },
    args,
    io,
  );
}
