// An enrolled terminal evicted from the signed-on table (maxSignedOn) while its request is in the pipeline:
// that request is answered under the keys it arrived with (journaled and answered, its answer MAC'd), the
// evicted terminal's next request is A0, and the terminal whose sign-on evicted it keeps its keys.
import { afterEach, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import type { RunningSwitch } from '../../switch/index.js';
import { testDatabases } from './databases.js';
import { merchantId, testSwitch, tmk } from './harness.js';
import { heldHsm } from './held-hsm.js';

const sale = (t: IsoClient, amount: number) => t.message('0200', { '2': '4111111111111111', '3': '000000', '4': amount, '14': '3012', '22': '011', '25': '00', '49': '156' });

for (const database of testDatabases().filter((d) => d.available)) {
  describe(`an enrolled terminal evicted mid-request on ${database.name}`, () => {
    let sw: RunningSwitch | undefined;
    const clients: IsoClient[] = [];
    const gates: Array<() => void> = [];
    afterEach(async () => {
      // A failing case must not leave its request held (stop() waits for it).
      for (const go of gates.splice(0)) go();
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await sw?.stop();
    });
    const connect = async (terminalId: string) => {
      const c = await IsoClient.connect({ port: sw!.port, terminalId, merchantId, tmk, timeoutMs: 1500 });
      clients.push(c);
      return c;
    };

    for (const at of ['after', 'before'] as const) {
      it(`a sale held ${at} its MAC check while another terminal's sign-on evicts it is answered 00; then A is A0 and B keeps going`, async () => {
        const { hsm, held, keysOf } = heldHsm('ENR0000A', at);
        gates.push(held.go);
        sw = await testSwitch(database.url(), { terminals: [], enrollUnknown: { tmk }, maxSignedOn: 1, hsm });
        const [a, b] = [await connect('ENR0000A'), await connect('ENR0000B')];
        await a.signOn();
        held.armed = true;
        const inFlight = a.send(sale(a, 1_234));
        await held.reached;
        expect((await b.signOn()).getString('39')).toBe('00');
        // A is out of the table, but its held request still owns its keys.
        expect(keysOf('ENR0000A')).toBe(2);
        held.go();
        const answer = await inFlight;
        expect(answer.getString('39')).toBe('00');
        expect((await sw.store.search({ terminalId: 'ENR0000A' })).map((row) => row.responseCode)).toEqual(['00']);
        // Answered: its keys are gone now. B (just signed on) was not evicted by A's state coming back.
        expect(keysOf('ENR0000A')).toBe(0);
        expect((await b.send(sale(b, 700))).getString('39')).toBe('00');
        const again = await connect('ENR0000A');
        Object.assign(again, { tak: a.tak, takMac: (a as unknown as { takMac: unknown }).takMac });
        expect((await again.send(sale(again, 701))).getString('39')).toBe('A0');
        await a.signOn();
        expect((await a.send(sale(a, 702))).getString('39')).toBe('00');
        expect((await b.send(sale(b, 703))).getString('39')).toBe('A0');
      });
    }

    it('pipelined sales of a terminal evicted by a sign-on in the same tick: each is A0 or journaled and answered (none unanswered)', async () => {
      sw = await testSwitch(database.url(), { terminals: [], enrollUnknown: { tmk }, maxSignedOn: 1 });
      const [a, b] = [await connect('ENR0000A'), await connect('ENR0000B')];
      await a.signOn();
      const sales = Array.from({ length: 20 }, (_, i) => a.send(sale(a, 1_000 + i * 100)).then((m) => m.getString('39'), (e: Error) => e.message));
      const signedOn = b.signOn();
      const codes = await Promise.all(sales);
      expect((await signedOn).getString('39')).toBe('00');
      const journaled = await sw.store.search({ terminalId: 'ENR0000A' });
      expect(codes.filter((code) => code !== 'A0')).toEqual(journaled.map(() => '00'));
    });
  });
}
