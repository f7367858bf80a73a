// Connection timers and limits over real TCP: the idle timeout waits for answers the switch owes (a .98
// late answer, a fault's delay), a frame begun must complete in time, and connections beyond the limit are closed.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { terminal, terminalIds, testSwitch } from './harness.js';

const sale = (t: IsoClient, amount: number) =>
  t.message('0200', { '2': '4111111111111111', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });

async function open(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, closed };
}

describe('switch host timers', () => {
  let sw: RunningSwitch;
  beforeAll(async () => {
    sw = await testSwitch(':memory:', { idleTimeoutMs: 300, lateAnswerMs: 700 });
  });
  afterAll(async () => {
    await sw?.stop();
  });

  it('sends a .98 late answer and a fault-delayed one that take longer than the idle timeout, then closes the idle connection', async () => {
    const t = await terminal(sw, terminalIds[0]);
    expect((await t.send(sale(t, 1098))).getString('39')).toBe('00');
    const u = await terminal(sw, terminalIds[1]);
    sw.faults.set(terminalIds[1]!, { delayMs: 700 });
    try {
      expect((await u.send(sale(u, 100))).getString('39')).toBe('00');
    } finally {
      sw.faults.clear();
    }
    // Owing nothing, the connections are idle again: closed after the timeout.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(t.closed && u.closed).toBe(true);
  }, 10_000);

});

describe('switch frame timeout and connection limit', () => {
  let sw: RunningSwitch;
  beforeAll(async () => {
    sw = await testSwitch(':memory:', { frameTimeoutMs: 200, maxConnections: 2 });
  });
  afterAll(async () => {
    await sw?.stop();
  });

  it('closes a connection whose frame is not completed within the frame timeout, and counts it', async () => {
    const { socket, closed } = await open(sw.port);
    socket.write(Buffer.concat([Buffer.from([0x00, 0x40]), Buffer.alloc(10, 0x30)]));
    await closed;
    expect(sw.metrics.text()).toMatch(/^pos_switch_frame_timeouts_total 1$/m);
  });

  it('closes a connection beyond maxConnections as it arrives, counts it, and serves the ones within', async () => {
    const t = await terminal(sw);
    const second = await open(sw.port);
    const third = await open(sw.port);
    await third.closed;
    expect(sw.metrics.text()).toMatch(/^pos_switch_connections_refused_total 1$/m);
    expect(second.socket.destroyed).toBe(false);
    expect((await t.send(sale(t, 100))).getString('39')).toBe('00');
    second.socket.destroy();
    await t.close();
  });
});
