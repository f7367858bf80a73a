// Online PIN without DUKPT (CONTRACTS.md "PIN": without DE53 the block is under the TPK): the PIN
// pad gets the TPK of each sign-on, the terminal sends DE52 and DE26 but no DE53, and the real
// switch's HSM verifies the block under that terminal's TPK. Virtual devices in process (VirtualKit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualKit } from '../../hardware/virtual-kit.js';
import { startSwitch, type RunningSwitch } from '../../switch/index.js';
import { testTmk } from '../../switch/config.js';
import { NoPinKeyError, startTerminal, VirtualPinPad, type PinResult, type Terminal } from '../../terminal/index.js';

/** The virtual PIN pad without DUKPT keys, remembering what it answered (block and KSN, if any). */
class RecordingPinPad extends VirtualPinPad {
  readonly answers: PinResult[] = [];
  override async requestPin(request: Parameters<VirtualPinPad['requestPin']>[0]): Promise<PinResult> {
    const answer = await super.requestPin(request);
    this.answers.push(answer);
    return answer;
  }
}

let sw: RunningSwitch;
let kit: VirtualKit;
let t: Terminal;
const pinPad = new RecordingPinPad();

beforeAll(async () => {
  sw = await startSwitch({ port: 0, db: ':memory:', enrollUnknown: { tmk: testTmk } });
  kit = new VirtualKit();
  await kit.start();
  t = await startTerminal({
    host: '127.0.0.1', port: sw.port, terminalId: 'TPKPIN01', merchantId: 'MERCHANT0000001', tmk: testTmk, journal: ':memory:',
    reader: kit.reader, pinPad, timeouts: { hostMs: 2000, presentMs: 3000, echoIntervalMs: 0 },
  });
});
afterAll(async () => {
  await t?.stop();
  await kit?.stop();
  await sw?.stop();
});

async function pinSale(pin: string) {
  pinPad.enter({ pin });
  const sale = t.sale({ amount: 50000 }); // above the CVM-required limit: online PIN
  kit.tap('mastercard');
  const result = await sale;
  kit.removeCards();
  return result;
}

describe('online PIN under the TPK (no DUKPT)', () => {
  it('a pad without DUKPT keys and no sign-on yet has no key to encipher under', async () => {
    const lonely = new VirtualPinPad();
    lonely.enter({ pin: '1234' });
    await expect(lonely.requestPin({ pan: '5413339000001513', amount: 1 })).rejects.toBeInstanceOf(NoPinKeyError);
  });

  it('the switch verifies the block under the TPK: 1234 approved, 9999 declined 55; no KSN sent', async () => {
    expect(t.signedOn).toBe(true);
    expect(await pinSale('1234')).toMatchObject({ state: 'approved', responseCode: '00' });
    expect(await pinSale('9999')).toMatchObject({ state: 'declined', responseCode: '55' });
    expect(pinPad.answers).toHaveLength(2);
    for (const answer of pinPad.answers) {
      expect(answer).not.toHaveProperty('ksn');
      expect((answer as { pinBlock: Buffer }).pinBlock).toHaveLength(8);
    }
  });
});
