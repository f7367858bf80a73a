// A terminal the switch enrolled on first sign-on (enrollUnknown: the demo's `any terminal ID signs
// on`) has no configured merchant: its journal rows and settlement reports take DE42's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { testTmk } from '../../switch/config.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';

let sw: RunningSwitch;
let t: IsoClient;
beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  t = await IsoClient.connect({ port: sw.port, terminalId: 'ENR00001', merchantId: 'M00000000000009', tmk: testTmk });
  await t.signOn();
});
afterAll(async () => {
  await t?.close();
  await sw?.stop();
});

it('the settlement report of an enrolled terminal names the merchant its requests carry (was "")', async () => {
  const sale = await t.send(t.message('0200', { '2': '4111111111111111', '3': '000000', '4': 700, '14': '3012', '22': '011', '25': '00', '49': '156' }));
  expect(sale.getString('39')).toBe('00');
  const settled = await t.send(t.message('0500', { '60.1': '00', '60.2': '000001', '74': 1, '86': 700, '76': 0, '88': 0 }));
  expect(settled.getString('39')).toBe('00');
  expect((await sw.store.search({ terminalId: 'ENR00001' }))[0]?.merchantId).toBe('M00000000000009');
  expect((await sw.store.settlements('ENR00001')).map((r) => r.merchantId)).toEqual(['M00000000000009']);
});
