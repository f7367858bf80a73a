// `pos preauth`, `pos completion`, `pos balance` and the same on `pos terminal`'s stdin, against the
// real switch over TCP: a virtual chip card on an in-process virtual PN532 (real driver) — also for
// chip balance inquiries, whose ARQC the switch verifies and answers with an ARPC (tag 91) as for a
// sale — and a virtual serial MSR on a socat PTY for swiped balance inquiries (the switch answers a balance with
// DE54 "0002" + currency + C/D + 12 digits, docs/switch.md; opening balance 1,000,000.00,
// docs/test-cards.md). Arguments are checked before sign-on: one line, exit 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { VirtualMsr } from '../../hardware/msr/virtual-msr.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { parseCommand } from '../../cli/commands/terminal.js';
import { additionalAmounts } from '../../cli/commands/terminal-setup.js';
import { main } from '../../cli/main.js';
import { maskPan } from '../../protocols/mask.js';
import { testCards } from '../../protocols/testcards.js';
import { cardAccount } from '../../switch/issuer/cards.js';
import { testDatabases } from '../switch/databases.js';
import { capture, runPos } from '../support/cli.js';
import { spawnJsonLines, type JsonLinesChild } from '../support/child-lines.js';
import { openPtyPair, type PtyPair } from '../support/pty.js';

const root = resolve(import.meta.dirname, '../..');
const opening = 100_000_000; // 1,000,000.00 (docs/test-cards.md)
let sw: RunningSwitch;
let dir: string;
let pty: PtyPair;
let deviceSide: SerialTransport;
let msr: VirtualMsr;
let child: JsonLinesChild | undefined;

beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  dir = mkdtempSync(join(tmpdir(), 'pos-preauth-'));
  pty = await openPtyPair();
  deviceSide = new SerialTransport({ path: pty.a, reconnect: false });
  await deviceSide.open();
  msr = new VirtualMsr(deviceSide, {});
});
afterAll(async () => {
  if (child && child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await child?.exited;
  await msr.close();
  await deviceSide.close();
  await pty.close();
  await sw.stop();
  rmSync(dir, { recursive: true, force: true });
});

const host = () => ['--host', `127.0.0.1:${sw.port}`, '--timeout-ms', '2000'];

/** Runs `pos ARGS` in this process; `swipe` has the virtual MSR swipe the magstripe test card when the terminal asks for a card. */
async function pos(args: string[], options: { swipe?: boolean } = {}) {
  const io = capture();
  const err = io.err;
  io.err = (line) => {
    err(line);
    if (options.swipe && line.includes('"status":"present-card"')) void msr.swipe('magstripe');
  };
  const code = await main(args, io);
  return { code, result: JSON.parse(io.stdout.join('\n')) as Record<string, any>, stderr: io.stderr };
}

describe('pos preauth / completion / balance (one-shot)', () => {
  it('a chip pre-authorization, then its completion for less: both approved, the switch journal has both', async () => {
    const common = [...host(), '--journal', join(dir, 'chip.db'), '--terminal-id', 'PREAUTH1', '--virtual-card', 'visa'];
    const held = await pos(['preauth', '50.00', ...common]);
    expect(held.code).toBe(0);
    expect(held.result).toMatchObject({ kind: 'preauth', state: 'approved', responseCode: '00', amount: 5000, maskedPan: '476173******0010', entryMode: '071' });
    expect(held.stderr.join('\n')).toContain('"status":"approved"');

    // More than was held, refused while the pre-authorization is still open (once completed, that is what the terminal names).
    const above = await pos(['completion', held.result.id, '50.01', ...common]);
    expect(above.code).toBe(1);
    expect(above.result).toMatchObject({ state: 'failed', reasonCode: 'amount-exceeds-original' });

    const completed = await pos(['completion', held.result.id, '40.00', ...common]);
    expect(completed.code).toBe(0);
    expect(completed.result).toMatchObject({ kind: 'completion', state: 'approved', responseCode: '00', amount: 4000, maskedPan: '476173******0010' });
    const rows = await sw.store.search({ terminalId: 'PREAUTH1' });
    expect(rows.map((r) => [r.kind, r.amount, r.responseCode]).sort()).toEqual([['completion', 4000, '00'], ['preauthorization', 5000, '00']]);
    expect(JSON.stringify([held, completed])).not.toContain('4761739001010010'); // the PAN only masked

    // Refused before anything is sent, with the reason: an ID the journal does not hold, an original that is not a pre-authorization.
    const unknown = await pos(['completion', 'no-such-id', ...common]);
    expect(unknown.code).toBe(1);
    expect(unknown.result).toMatchObject({ kind: 'completion', state: 'failed', reasonCode: 'original-not-found', reason: 'the original transaction is not in this terminal’s journal' });
    const ofCompletion = await pos(['completion', completed.result.id, ...common]);
    expect(ofCompletion.code).toBe(1);
    expect(ofCompletion.result).toMatchObject({ state: 'failed', reasonCode: 'original-not-eligible', reason: 'a completion that is approved cannot be completed' });
    expect(await sw.store.search({ terminalId: 'PREAUTH1' })).toHaveLength(2);
  });

  it('a balance inquiry on a swiped card answers the balance; a pre-authorization holds, its completion takes only its amount', async () => {
    const common = [...host(), '--journal', join(dir, 'msr.db'), '--terminal-id', 'BALANCE1', '--msr', `serial:${pty.b}`];
    const balance = async () => {
      const { code, result } = await pos(['balance', ...common], { swipe: true });
      expect(code).toBe(0);
      expect(result).toMatchObject({ kind: 'balance', state: 'approved', maskedPan: '411111******1111', entryMode: '021' });
      expect(result.balance).toBe(`0002156C${String(result.amounts[0].amount).padStart(12, '0')}`);
      return result.amounts as Array<Record<string, unknown>>;
    };
    expect(await balance()).toEqual([{ accountType: '00', amountType: '02', currency: '156', amount: opening }]);
    const held = await pos(['preauth', '50', ...common], { swipe: true });
    expect(held.result).toMatchObject({ kind: 'preauth', state: 'approved', entryMode: '021' });
    expect((await balance())[0]!.amount).toBe(opening - 5000);
    expect((await pos(['completion', held.result.id, '40', ...common])).result).toMatchObject({ state: 'approved', amount: 4000 });
    expect((await balance())[0]!.amount).toBe(opening - 4000);
  });

  it.each([
    [['preauth'], 'amount: enter an amount'],
    [['preauth', '0'], 'amount: must be more than zero'],
    [['preauth', '12', '13'], "unexpected argument '13'"],
    [['preauth', '12', '--tender', 'code'], '--tender: only pos sale takes a tender'],
    [['completion'], 'missing the pre-authorization\'s transaction ID (see "id" in the preauth\'s output)'],
    [['completion', 'ID', '0'], 'amount: must be more than zero'],
    [['completion', 'ID', '5', '6'], "unexpected argument '6'"],
    [['balance', 'x'], "unexpected argument 'x'"],
    [['balance', '--tender', 'card'], '--tender: only pos sale takes a tender'],
    [['void', 'ID', '--tender', 'code'], '--tender: only pos sale takes a tender'],
  ])('pos %j: one line naming it, exit 2, no transaction', async (args, message) => {
    const out = capture();
    expect(await main([...args, ...host(), '--journal', join(dir, 'bad.db'), '--terminal-id', 'BADARGS1', '--virtual-card', 'visa'], out)).toBe(2);
    expect(out.stderr).toEqual([`pos ${args[0]}: ${message}`]);
    expect(out.stdout).toEqual([]);
    expect(await sw.store.search({ terminalId: 'BADARGS1' })).toEqual([]);
  });

  it('as a process: bad arguments exit 2 with one line; --help exits 0', async () => {
    expect(await runPos(['completion', 'ID', '5', '6', ...host()], root)).toEqual({ code: 2, stdout: '', stderr: "pos completion: unexpected argument '6'\n" });
    for (const command of ['preauth', 'completion', 'balance']) {
      const help = capture();
      expect(await main([command, '--help'], help)).toBe(0);
      expect(help.stdout.join('\n')).toMatch(new RegExp(`^usage: pos ${command} `));
    }
  });

  it('DE54 as numbers: several amounts, D negative; another layout gives none', () => {
    expect(additionalAmounts('0002156C0001000000001001840D000000000250')).toEqual([
      { accountType: '00', amountType: '02', currency: '156', amount: 100000000 },
      { accountType: '10', amountType: '01', currency: '840', amount: -250 },
    ]);
    expect(additionalAmounts('')).toBeUndefined();
    expect(additionalAmounts('0002156X000100000000')).toBeUndefined();
    expect(additionalAmounts('0002156C00010000000')).toBeUndefined();
  });
});

// A chip balance inquiry's ARQC, ARPC and ATC go through the switch journal: on both journals.
for (const database of testDatabases()) {
  describe.skipIf(!database.available)(`pos balance --virtual-card against the switch on ${database.name}`, () => {
    let chip: RunningSwitch;
    let folder: string;
    beforeAll(async () => {
      chip = await startSwitch({ port: 0, db: database.url(), enrollUnknown: { tmk: testTmk } });
      folder = mkdtempSync(join(dir, `chip-${database.name}-`));
    });
    afterAll(async () => {
      await chip?.stop();
      await database.cleanup();
    });

    it.each(['visa', 'mastercard', 'unionpay'] as const)('%s: ARQC verified, ARPC in 91 accepted, the balance answered, nothing debited; again with the next ATC', async (profile) => {
      // The terminal takes a chip approval without a fitting 91 as failed and reverses it; the virtual unionpay card also checks 91 in EXTERNAL AUTHENTICATE (AIP 1C00).
      const card = testCards[profile];
      const account = cardAccount(card.pan);
      const terminalId = `CHIPBAL${profile[0]!.toUpperCase()}`;
      const common = ['--host', `127.0.0.1:${chip.port}`, '--timeout-ms', '2000', '--journal', join(folder, `${profile}.db`), '--terminal-id', terminalId, '--virtual-card', profile];
      for (const attempt of [1, 2]) {
        const before = (await chip.store.balance(account))!;
        const { code, result } = await pos(['balance', ...common]);
        expect(result, `attempt ${attempt}`).toMatchObject({ kind: 'balance', state: 'approved', responseCode: '00', entryMode: '071', maskedPan: maskPan(card.pan), balance: `0002156C${String(before).padStart(12, '0')}` });
        expect(result.amounts).toEqual([{ accountType: '00', amountType: '02', currency: '156', amount: before }]);
        expect(code).toBe(0);
        expect(await chip.store.balance(account)).toBe(before);
      }
      const rows = await chip.store.search({ terminalId });
      expect(rows.map((r) => [r.kind, r.responseCode, r.debit, r.closed])).toEqual([['balance', '00', 0, null], ['balance', '00', 0, null]]);
    });
  });
}

describe('pos terminal stdin: preauth, completion, balance', () => {
  it('parses the new lines, refusing what it cannot run by name', () => {
    expect(parseCommand('preauth 50.00')).toEqual({ verb: 'preauth', request: { amount: 5000 } });
    expect(parseCommand('completion T1')).toEqual({ verb: 'completion', request: { original: 'T1' } });
    expect(parseCommand('completion T1 40')).toEqual({ verb: 'completion', request: { original: 'T1', amount: 4000 } });
    expect(parseCommand('balance')).toEqual({ verb: 'balance' });
    expect(() => parseCommand('preauth')).toThrow('amount: enter an amount');
    expect(() => parseCommand('preauth 12 card')).toThrow("preauth: unexpected argument 'card'");
    expect(() => parseCommand('completion')).toThrow("completion: missing the pre-authorization's transaction ID");
    expect(() => parseCommand('completion T1 0')).toThrow('amount: must be more than zero');
    expect(() => parseCommand('completion T1 5 6')).toThrow("completion: unexpected argument '6'");
    expect(() => parseCommand('balance now')).toThrow("balance: unexpected argument 'now'");
  });

  it('a child pos terminal with a serial MSR: balance, preauth, its completion, a completion of an unknown ID refused', async () => {
    child = spawnJsonLines(process.execPath, ['cli/pos.mjs', 'terminal', ...host(), '--msr', `serial:${pty.b}`, '--journal', join(dir, 'stdin.db'), '--terminal-id', 'STDINPA1'], { cwd: root });
    expect(await child.waitFor((l) => l.ready === true, 'ready')).toEqual({ ready: true, signedOn: true });
    const c = child;
    /** Sends a card command, swipes when the terminal asks, returns its result line. */
    const swiped = async (line: string) => {
      const before = c.lines.length;
      c.send(line);
      await c.waitFor((l) => l.status === 'present-card' && c.lines.indexOf(l) >= before, `${line}: present-card`);
      await msr.swipe('magstripe');
      return c.waitFor((l) => typeof l.state === 'string' && c.lines.indexOf(l) >= before, `${line}: the result`);
    };
    const first = await swiped('balance');
    expect(first).toMatchObject({ kind: 'balance', state: 'approved', maskedPan: '411111******1111', amounts: [{ amountType: '02', currency: '156' }] });
    const held = await swiped('preauth 25.00');
    expect(held).toMatchObject({ kind: 'preauth', state: 'approved', amount: 2500 });

    const before = c.lines.length;
    c.send(`completion ${held.id} 20`);
    const completed = await c.waitFor((l) => l.kind === 'completion' && c.lines.indexOf(l) >= before, 'the completion');
    expect(completed).toMatchObject({ state: 'approved', responseCode: '00', amount: 2000 });
    c.send('completion no-such-id');
    expect(await c.waitFor((l) => l.reasonCode === 'original-not-found', 'the refusal')).toMatchObject({ kind: 'completion', state: 'failed' });
    c.send('completion');
    expect(await c.waitFor((l) => 'error' in l, 'the argument error')).toEqual({ error: "completion: missing the pre-authorization's transaction ID" });

    const last = await swiped('balance');
    expect(last.amounts[0].amount).toBe(first.amounts[0].amount - 2000);
    expect(JSON.stringify(c.lines)).not.toContain('4111111111111111');
    c.send('quit');
    expect(await c.exited).toBe(0);
  });
});
