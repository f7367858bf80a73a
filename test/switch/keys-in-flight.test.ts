// Review of session 13 (network management and keys): a request finishes under the working keys its
// MAC verified under, whatever a sign-off, key exchange or sign-on does to its terminal meanwhile
// (docs/switch.md, "Terminals and keys"); and no answer is MAC'd over fields nobody authenticated.
// Before: a sale written with a sign-off behind it was charged and answered without DE64 (the
// terminal could only reverse, refused A0 since signed off); a PIN sale held across a key exchange
// was checked under the new TPK (55) and MAC'd under the new TAK (and, kept by slot, under the newest after
// two key exchanges); an enrolled terminal's sign-off and
// sign-on back to back left it signed off after a 00 with keys; a wrong-MAC 0200 with an unknown
// processing code got 12 with a valid MAC over its chosen fields.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { encipherPinBlock, MessageMacKey, unwrapWorkingKeys } from '../../protocols/crypto/index.js';
import { testTmk as tmk } from '../../switch/config.js';
import { createSimulatedHsm, type Hsm } from '../../switch/hsm/index.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { heldHsm } from './held-hsm.js';

const merchantId = 'M00000000000001';
const configured = 'T0000001';
const enrolled = 'ENR0000A';
const saleFields = (amount: number, more: Record<string, string | number | Buffer> = {}) => ({ '2': '4111111111111111', '3': '000000', '4': amount, '14': '3012', '22': '021', '25': '00', '49': '156', ...more });

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function aSwitch(hsm?: Hsm): Promise<RunningSwitch> {
  const sw = await startSwitch({ port: 0, db: ':memory:', terminals: [{ id: configured, merchantId, tmk }], enrollUnknown: { tmk }, logger: pino({ level: 'silent' }), ...(hsm ? { hsm } : {}) });
  stops.push(() => sw.stop());
  return sw;
}

async function client(sw: RunningSwitch, terminalId: string, options: { verifyAnswers?: boolean; tmk?: string } = {}): Promise<IsoClient> {
  const c = await IsoClient.connect({ port: sw.port, terminalId, merchantId, tmk: options.tmk ?? tmk, timeoutMs: 2000, verifyAnswers: options.verifyAnswers ?? false });
  stops.push(() => c.close());
  return c;
}

/** Whether the answer's DE64 is a MAC under `tak` (false when it has none). */
function macVerifies(answer: ReturnType<IsoClient['message']>, tak: Buffer): boolean {
  const mac = answer.getBuffer('64');
  if (!mac) return false;
  const bytes = answer.pack();
  return new MessageMacKey(tak).verify(bytes.subarray(answer.spec.headerLength ?? 0, bytes.length - 8), mac);
}

/** The simulated HSM answering each command after `ms`, as a networked HSM would. */
function slowHsm(ms: number): Hsm {
  const real = createSimulatedHsm({ lmk: Buffer.alloc(32, 7), logger: pino({ level: 'silent' }) });
  return new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (['keyInfo', 'deleteKey', 'toJSON'].includes(String(property))) return value.bind(target);
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Hsm;
}

describe.each([configured, enrolled])('terminal %s: a request keeps the keys it arrived with', (terminalId) => {
  it('a sale with a sign-off behind it in one write: charged once and answered with a MAC under its TAK', async () => {
    const sw = await aSwitch();
    const c = await client(sw, terminalId);
    await c.signOn();
    const tak = c.tak!;
    const sale = c.message('0200', saleFields(1500));
    const off = c.message('0800', { '70': '002' });
    const [saleAnswer, offAnswer] = await Promise.all([
      c.exchange(Buffer.concat([c.framed(sale), c.framed(off)]), sale.getString('11')!),
      c.exchange(Buffer.alloc(0), off.getString('11')!),
    ]);
    expect([saleAnswer.responseCode, offAnswer.responseCode]).toEqual(['00', '00']);
    expect(macVerifies(saleAnswer.message(), tak)).toBe(true);
    expect((await sw.store.search({ terminalId })).map((r) => [r.kind, r.responseCode, r.debit])).toEqual([['sale', '00', 1500]]);
  });

  // Regression review of session 13: the keys were kept by slot ID, and two key changes reuse a slot.
  it('a PIN sale held after its MAC check across two key exchanges: PIN read under its TPK (00), answer MAC\'d under its TAK, its keys gone after', async () => {
    const { hsm, held, keysOf } = heldHsm(terminalId, 'after');
    const sw = await aSwitch(hsm);
    const keys = await client(sw, terminalId, { verifyAnswers: true });
    await keys.signOn();
    const [oldTak, oldTpk] = [keys.tak!, keys.tpk!];
    const sender = await client(sw, terminalId);
    Object.assign(sender, { tak: oldTak, takMac: new MessageMacKey(oldTak) });
    held.armed = true;
    const pan = '5555555555554444';
    const inFlight = sender.send(sender.message('0200', saleFields(1500, { '2': pan, '52': encipherPinBlock(oldTpk, { format: 0, pin: '1234', pan }) })));
    await held.reached;
    expect((await keys.signOn('101')).getString('39')).toBe('00');
    expect((await keys.signOn('101')).getString('39')).toBe('00');
    // The current pair, and the one the held sale holds.
    expect(keysOf(terminalId)).toBe(4);
    held.go();
    const answer = await inFlight;
    expect(answer.getString('39')).toBe('00');
    expect(macVerifies(answer, oldTak)).toBe(true);
    expect(macVerifies(answer, keys.tak!)).toBe(false);
    expect(keysOf(terminalId)).toBe(2);
  });

  it('sign-off and sign-on back to back (HSM answering in 5 ms): the 00 with keys leaves it signed on under them', async () => {
    const sw = await aSwitch(slowHsm(5));
    const c = await client(sw, terminalId);
    await c.signOn();
    const off = c.message('0800', { '70': '002' });
    const on = c.message('0800', { '70': '001' });
    const [offAnswer, onAnswer] = await Promise.all([
      c.exchange(Buffer.concat([c.framed(off), c.framed(on)]), off.getString('11')!),
      c.exchange(Buffer.alloc(0), on.getString('11')!),
    ]);
    expect([offAnswer.responseCode, onAnswer.responseCode]).toEqual(['00', '00']);
    const { tak } = unwrapWorkingKeys(onAnswer.message().getBuffer('96')!, Buffer.from(tmk, 'hex'));
    Object.assign(c, { tak, takMac: new MessageMacKey(tak) });
    expect((await c.send(c.message('0200', saleFields(1500)))).getString('39')).toBe('00');
  });
});

describe('a request whose MAC does not verify', () => {
  it('is answered A0 without a MAC, whatever else is wrong with it (an unknown processing code, another merchant)', async () => {
    const sw = await aSwitch();
    const terminal = await client(sw, configured);
    await terminal.signOn();
    const forger = await client(sw, configured, { tmk: '00'.repeat(16) });
    for (const fields of [saleFields(999999, { '3': '990000' }), saleFields(999999, { '42': 'M00000000000009' }), saleFields(999999)]) {
      const message = forger.message('0200', fields).set('64', Buffer.alloc(8));
      const answer = await forger.sendRaw(message.pack(), message.getString('11')!);
      expect([answer.getString('39'), answer.has('64')], JSON.stringify(fields)).toEqual(['A0', false]);
    }
    // The same unknown processing code, MAC'd by the terminal: 12, MAC'd under its TAK.
    const answer = await terminal.send(terminal.message('0200', saleFields(1500, { '3': '990000' })));
    expect(answer.getString('39')).toBe('12');
    expect(macVerifies(answer, terminal.tak!)).toBe(true);
  });
});
