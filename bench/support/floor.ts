/**
 * bench:switch's floor points: the same connections and byte sizes as a sale against servers doing
 * nothing but TCP (and, the second, a durable SQLite row and debit per request), see floor-server.ts.
 * What a switch approval costs above them is what our code adds; what they cost is the stack's.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { join, resolve } from 'node:path';
import { runFloorLoad, type FloorResult } from './floor-client.js';
import { processCpuMs } from './proc-cpu.js';

/** A pos load sale and its approval in the default profile, framed (2-byte length header excluded). */
export const saleBytes = { request: 80, answer: 87 };

export type FloorMode = 'tcp' | 'sqlite';

export interface FloorPoint extends FloorResult {
  mode: FloorMode;
  /** Per answer, µs: the server's user and system CPU, and this process's (the load) together. */
  serverCpuUs: { user: number; system: number };
  clientCpuUs: number;
}

const root = resolve(import.meta.dirname, '../..');

/** Starts a floor server as a child process; resolves with it and the port it listens on. */
export async function startFloorServer(mode: FloorMode, db: string): Promise<{ server: ChildProcessByStdio<null, Readable, null>; port: number }> {
  const args = ['--import', 'tsx', 'bench/support/floor-server.ts', '0', String(saleBytes.answer), mode, db];
  const server = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ready, fail) => {
    server.stdout.once('data', (line: Buffer) => ready(Number(line.toString())));
    server.once('exit', (code) => fail(new Error(`floor server (${mode}) exited ${code} before it was ready`)));
  });
  return { server, port };
}

/** Runs one floor server, a one-second warm-up, then `seconds` of load measured. */
export async function floorPoint(mode: FloorMode, connections: number, seconds: number, dir: string): Promise<FloorPoint> {
  const { server, port } = await startFloorServer(mode, join(dir, `floor-${mode}-${connections}.db`));
  try {
    await runFloorLoad(port, connections, 1000, saleBytes.request);
    const before = processCpuMs(server.pid!);
    const clientBefore = process.cpuUsage();
    const result = await runFloorLoad(port, connections, seconds * 1000, saleBytes.request);
    const client = process.cpuUsage(clientBefore);
    const after = processCpuMs(server.pid!);
    const perAnswer = (ms: number) => Math.round((ms * 1000) / result.answered);
    return {
      mode, ...result,
      serverCpuUs: before && after ? { user: perAnswer(after.user - before.user), system: perAnswer(after.system - before.system) } : { user: NaN, system: NaN },
      clientCpuUs: Math.round((client.user + client.system) / result.answered),
    };
  } finally {
    const exited = new Promise((done) => server.once('exit', done));
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
  }
}
