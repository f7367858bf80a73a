/** The switch's real (simulated) HSM, with one terminal's next MAC check held — before or after the check itself — until a test lets it go. */
import pino from 'pino';
import { createSimulatedHsm, type Hsm } from '../../switch/hsm/index.js';

export function heldHsm(terminalId: string, at: 'before' | 'after') {
  const real = createSimulatedHsm({ lmk: Buffer.alloc(32, 7), logger: pino({ level: 'silent' }) });
  let reached!: () => void;
  let release!: () => void;
  /** Set `armed`; `reached` resolves when a request of the terminal is held; `go()` lets it continue. */
  const held = { reached: new Promise<void>((resolve) => (reached = resolve)), go: () => release(), armed: false };
  const gate = new Promise<void>((resolve) => (release = resolve));
  const hold = async (takId: string) => {
    if (!held.armed || !takId.startsWith(`tak:${terminalId}`)) return;
    held.armed = false;
    reached();
    await gate;
  };
  const hsm = new Proxy(real, {
    get(target, property) {
      if (property === 'verifyMac')
        return async (takId: string, data: Buffer, mac: Buffer) => {
          if (at === 'before') await hold(takId);
          const ok = await target.verifyMac(takId, data, mac);
          if (at === 'after') await hold(takId);
          return ok;
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Hsm;
  /** How many working keys (TPK, TAK) of the terminal the HSM holds. */
  const keysOf = (id: string) => real.toJSON().keys.filter((key) => /^t[ap]k:/.test(key.id) && key.id.slice(4).startsWith(id)).length;
  return { hsm, held, keysOf };
}
