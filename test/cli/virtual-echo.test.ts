// `pos virtual reader|msr|scanner` (hardware/virtual-cli, which may not import cli/io.ts quoted()):
// an error names the option or argument and says what it takes, never echoing the value, which may
// be a PAN or key typed in the wrong place. Before: unknown action '4761…', --sw 0123…: expected …,
// --card: unknown profile '4761…', --data /tmp/4761…: no such folder, --kind: serial (got '0123…').
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { VirtualReaderService } from '../../hardware/nfc/virtual-reader-service.js';
import { capture } from '../support/cli.js';

const pan = '4761739001010010';
const key = '0123456789ABCDEFFEDCBA9876543210';
const dir = mkdtempSync(join(tmpdir(), 'virtual-echo-'));
const pty = join(dir, 'never-opened');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refused(args: string[], secret: string): Promise<string> {
  const io = capture();
  expect(await main(args, io)).toBe(2);
  expect(io.stderr).toHaveLength(1);
  expect(io.stderr[0]).not.toContain(secret);
  return io.stderr[0]!;
}

describe('pos virtual: option values are never echoed in an error', () => {
  it.each([
    [['virtual', 'reader', pan, '--control-port', '7070'], pan, /^pos virtual reader: unknown ACTION \(one of: status, tap, remove, fault, reset, read\)$/],
    [['virtual', 'msr', key, '--control-port', '7070'], key, /^pos virtual msr: unknown ACTION \(one of: status, swipe/],
    [['virtual', 'reader', '--pty', pty, '--card', pan], pan, /^pos virtual reader: --card: unknown profile \(one of: visa, mastercard, unionpay\)$/],
    [['virtual', 'reader', '--pty', pty, '--data', join(dir, pan)], pan, /^pos virtual reader: --data: no such folder$/],
    [['virtual', 'reader', 'fault', '--control-port', '7070', '--sw', key], key, /^pos virtual reader: --sw: expected COMMAND=SW, e\.g\. generate-ac=6985$/],
    [['virtual', 'reader', 'fault', '--control-port', '7070', '--sw', `select=6985`, '--sw', `${pan}=6985`], pan, /^pos virtual reader: --sw: expected COMMAND=SW/],
    [['virtual', 'reader', 'fault', '--control-port', '7070', '--malformed-tlv', pan], pan, /^pos virtual reader: --malformed-tlv: unknown COMMAND \(one of: select, gpo, read-record, generate-ac\)$/],
    [['virtual', 'scanner', '--pty', pty, '--kind', key], key, /^pos virtual scanner: --kind: serial \(the only kind that sits on a PTY\)$/],
    // An own property only: before, Object's toString was taken for a command and sent on.
    [['virtual', 'reader', 'fault', '--control-port', '7070', '--malformed-tlv', 'toString'], 'toString', /^pos virtual reader: --malformed-tlv: unknown COMMAND/],
  ])('%j', async (args, secret, named) => {
    expect(await refused(args, secret)).toMatch(named);
  });

  it('tap and remove with a PAN for PROFILE: refused by the command, not echoed back by the running reader', async () => {
    const service = await VirtualReaderService.start({ pty: join(dir, 'pn532'), controlPort: 0 });
    try {
      const port = new URL(service.controlUrl!).port;
      // Before: the reader's control API answered 400 "card: unknown profile '4761…'" and the command printed it.
      expect(await refused(['virtual', 'reader', 'tap', pan, '--control-port', port], pan)).toBe('pos virtual reader: tap: PROFILE: unknown profile (one of: visa, mastercard, unionpay)');
      expect(await refused(['virtual', 'reader', 'remove', pan, '--control-port', port], pan)).toBe('pos virtual reader: remove: PROFILE: unknown profile (one of: visa, mastercard, unionpay)');
      const io = capture();
      expect(await main(['virtual', 'reader', 'tap', 'visa', '--control-port', port], io)).toBe(0); // a real profile still goes through
    } finally {
      await service.stop();
    }
  });
});
