/**
 * The floor's load: `connections` TCP connections, one request in flight each as `pos load` keeps,
 * sending fixed length-framed bytes of a sale's size and timing each answer. No ISO 8583 and no MAC:
 * its CPU per answer is the least a load generator on this stack can spend.
 */
import net from 'node:net';
import { Deframer, frame } from '../../protocols/framing/index.js';
import { percentile } from './stats.js';

export interface FloorResult {
  answered: number;
  answersPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number };
}

export async function runFloorLoad(port: number, connections: number, durationMs: number, requestBytes: number): Promise<FloorResult> {
  const request = frame(Buffer.alloc(requestBytes, 0x30), { length: 'binary2' });
  const latencies: number[] = [];
  const sockets = await Promise.all(
    Array.from({ length: connections }, () => new Promise<net.Socket>((connected, fail) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => connected(socket));
      socket.once('error', fail);
    })),
  );
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    sockets.map((socket) => new Promise<void>((done, fail) => {
      const deframer = new Deframer({ length: 'binary2' });
      let sentAt = performance.now();
      socket.on('error', fail);
      socket.on('data', (chunk) => {
        for (const _answer of deframer.push(chunk)) {
          const now = performance.now();
          latencies.push(now - sentAt);
          if (now >= until) return done();
          sentAt = now;
          socket.write(request);
        }
      });
      socket.write(request);
    })),
  );
  const elapsedMs = performance.now() - started;
  for (const socket of sockets) socket.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    answered: sorted.length,
    answersPerSecond: Math.round((sorted.length / elapsedMs) * 1000),
    latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), p999: round(percentile(sorted, 99.9)) },
  };
}
