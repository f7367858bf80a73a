/**
 * A `pos switch` child process for the benches: started from a checkout (this one, or another one for
 * bench:versus), ready when it prints, with the load's test cards funded through its admin API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { loadCards } from '../../cli/load/generator.js';
import { maskPan } from '../../protocols/mask.js';

/** The switch did not start, or would not fund the cards: the bench's one line. */
export class SwitchStartFailure extends Error {
  override readonly name = 'SwitchStartFailure';
}

export interface SwitchChild {
  port: number;
  process: ChildProcess;
  /** SIGTERM, and resolves when it has exited (at once if it already has). */
  stop(): Promise<void>;
}

/**
 * What each of the load's cards holds before a run (minor units). The opening 1,000,000.00 lasts
 * about 80,000 sales of the load's amounts, eight seconds at 10,000/s: a longer run declined the rest 51.
 */
const fundedBalance = 1e14;

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * Starts `checkout`'s `pos switch` on journal `db` (logs at warn, to this stderr), and funds the load's
 * cards. `spawned` gets the child as soon as it exists, before it is ready: a bench stopped meanwhile
 * (Ctrl-C) must still stop it.
 */
export async function startSwitchChild(checkout: string, db: string, spawned?: (child: SwitchChild) => void): Promise<SwitchChild> {
  const port = await freePort();
  let adminPort = await freePort();
  while (adminPort === port) adminPort = await freePort();
  const adminToken = randomBytes(16).toString('hex');
  const child = spawn(process.execPath, ['cli/pos.mjs', 'switch', '--port', String(port), '--admin-port', String(adminPort), '--db', db, '--log-level', 'warn', '--host', '127.0.0.1'], {
    cwd: checkout,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, POS_ADMIN_TOKEN: adminToken },
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };
  const started: SwitchChild = { port, process: child, stop };
  spawned?.(started);
  try {
    await new Promise<void>((ready, fail) => {
      child.stdout!.once('data', () => ready());
      child.once('exit', (code) => fail(new SwitchStartFailure(`pos switch exited ${code} before it was ready`)));
    });
    for (const pan of loadCards.map(maskPan)) {
      const answer = await fetch(`http://127.0.0.1:${adminPort}/cards/${pan}/balance`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ balance: fundedBalance }),
      });
      // 404: a card outside the issuer's table (4242…): it has no account, its sales are never short of funds.
      if (!answer.ok && answer.status !== 404) throw new SwitchStartFailure(`the admin API refused to fund the load's card ${pan}: ${answer.status}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return started;
}
