// The serial MSR driver through the real serialport binding over a socat PTY pair, against the
// virtual MSR writing what a serial reader writes (terminal-protocols.md §2: `%B…?;…?\r`, CR or
// CRLF, LRC stripped, `%E?`/`;E?` for unreadable tracks).
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialMsr, SwipeFormatError, SwipeUnreadableError, swipeFromLine, type Swipe } from '../../hardware/msr/index.js';
import { VirtualMsr } from '../../hardware/msr/virtual-msr.js';
import { SerialTransport } from '../../hardware/serial/index.js';
import { parseTrack2, track2Data } from '../../protocols/magstripe/index.js';
import { magstripeTestCards } from '../../protocols/testcards.js';
import { openPtyPair } from '../support/pty.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function rig(options: { terminator?: 'CR' | 'CRLF'; lrc?: boolean; baudRate?: number } = {}) {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const deviceSide = new SerialTransport({ path: pty.a, reconnect: false, baudRate: 9600 });
  await deviceSide.open();
  cleanups.push(() => deviceSide.close());
  const virtual = new VirtualMsr(deviceSide, { baudRate: options.baudRate ?? 115200, ...options });
  cleanups.push(() => virtual.close());
  const msr = new SerialMsr(new SerialTransport({ path: pty.b, baudRate: 9600, reconnect: false, watchIntervalMs: 50 }));
  await msr.start();
  cleanups.push(() => msr.stop());
  const swipes: Swipe[] = [];
  const errors: Error[] = [];
  msr.on('swipe', (s) => swipes.push(s));
  msr.on('error', (e) => errors.push(e));
  return { pty, virtual, msr, swipes, errors };
}

// Not events.once: it rejects on 'error', which is an ordinary event here.
const next = (msr: SerialMsr, event: 'swipe' | 'error') => new Promise<unknown>((resolve) => msr.once(event, resolve));

describe('SerialMsr against the virtual MSR over a PTY', () => {
  it('reads every magstripe test card: both tracks, sentinels kept, ready for DE35', async () => {
    const { virtual, msr } = await rig();
    for (const card of Object.values(magstripeTestCards)) {
      const swiped = next(msr, 'swipe');
      await virtual.swipe(card.id);
      const swipe = (await swiped) as Swipe;
      expect(swipe.track1).toBe(`%B${card.pan}^${card.name}^${card.expiry}${card.serviceCode}${card.discretionary}?`);
      expect(track2Data(parseTrack2(swipe.track2!))).toBe(`${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}`);
    }
    expect(magstripeTestCards.magstripe.serviceCode).toBe('101');
  });

  it('takes CRLF lines and a reader that leaves the LRC on, and strips the LRC', async () => {
    const { virtual, msr } = await rig({ terminator: 'CRLF', lrc: true });
    for (let i = 0; i < 2; i++) {
      const swiped = next(msr, 'swipe');
      await virtual.swipe('magstripe', { tracks: [2] });
      expect(await swiped).toEqual({ track2: ';4111111111111111=30121010000010100000?' });
    }
  });

  it('unreadable tracks: one bad track still gives the other, both bad is a typed error', async () => {
    const { virtual, msr } = await rig();
    const partial = next(msr, 'swipe');
    await virtual.swipe('visa', { unreadable: [1] });
    expect(Object.keys((await partial) as Swipe)).toEqual(['track2']);
    const failed = next(msr, 'error');
    await virtual.swipe('visa', { unreadable: [1, 2] });
    const error = (await failed) as Error;
    expect(error).toBeInstanceOf(SwipeUnreadableError);
    expect(error.message).toBe('swipe unreadable: track 1 and track 2 could not be read; swipe again');
  });

  it('garbage and a bad LRC are typed errors without track data, and the next swipe reads fine', async () => {
    const { virtual, msr, swipes, errors } = await rig({ lrc: true });
    await virtual.sendRaw(Buffer.from('\x00\xffnot a card\r'));
    const bad = ';4111111111111111=30121010000010100000?' + '9' + '\r'; // wrong LRC character
    await virtual.sendRaw(Buffer.from(bad));
    const good = next(msr, 'swipe');
    await virtual.swipe('mastercard');
    await good;
    expect(errors.map((e) => e.constructor)).toEqual([SwipeFormatError, SwipeFormatError]);
    expect(errors[1]!.message).toBe('swipe not understood: track 2 LRC at byte 39: LRC does not match');
    expect(errors.map((e) => e.message).join()).not.toMatch(/4111111111111111|5413339000001513/);
    expect(swipes).toHaveLength(1);
  });

  it('drops a line that never ends instead of buffering it forever', async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const deviceSide = new SerialTransport({ path: pty.a, reconnect: false });
    await deviceSide.open();
    cleanups.push(() => deviceSide.close());
    const msr = new SerialMsr(new SerialTransport({ path: pty.b, reconnect: false }), { maxLineLength: 64 });
    await msr.start();
    cleanups.push(() => msr.stop());
    const failed = next(msr, 'error');
    await deviceSide.write(Buffer.alloc(100, 0x41));
    expect(((await failed) as Error).message).toBe('swipe not understood: no line terminator within 64 bytes');
  });

  it('with no error listener, bad input is dropped, not thrown', async () => {
    const { virtual, msr } = await rig();
    msr.removeAllListeners('error');
    await virtual.sendRaw(Buffer.from('garbage\r%E?;E?\r'));
    const swiped = next(msr, 'swipe');
    await virtual.swipe('unionpay');
    expect(await swiped).toHaveProperty('track2');
  });

  it('reports the reader gone when the line is unplugged', async () => {
    const { pty, msr } = await rig();
    const gone = once(msr, 'gone');
    await pty.close();
    expect((await gone)[0]).toBeInstanceOf(Error);
  });
});

describe('swipeFromLine', () => {
  it('parses a swipe in either track order and refuses a line with no track', () => {
    expect(swipeFromLine(';4111111111111111=3012101?%B4111111111111111^A/B^3012101?')).toEqual({
      track1: '%B4111111111111111^A/B^3012101?',
      track2: ';4111111111111111=3012101?',
    });
    expect(() => swipeFromLine('hello')).toThrow('swipe at byte 0: holds no track');
    expect(() => swipeFromLine('%E?;E?')).toThrow(SwipeUnreadableError);
  });
});
