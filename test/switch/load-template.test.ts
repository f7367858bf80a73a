// pos load's request templates: a patched template is byte for byte the request packing would build, and the switch approves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { frame } from '../../protocols/framing/index.js';
import { IsoMessage } from '../../protocols/iso8583/index.js';
import type { RunningSwitch } from '../../switch/index.js';
import { terminal, testSwitch } from './harness.js';

const fields = () => ({ '2': '4111111111111111', '3': '000000', '14': '3012', '22': '011', '25': '00', '49': '156' });

describe('pos load request templates', () => {
  let sw: RunningSwitch;
  let t: IsoClient;
  beforeAll(async () => {
    sw = await testSwitch(':memory:');
    t = await terminal(sw);
  });
  afterAll(async () => {
    await t?.close();
    await sw?.stop();
  });

  it('patch DE7, DE11, DE4 and the MAC into the same bytes a packed message has', async () => {
    for (const amount of [10, 1230, 123_450]) {
      const request = t.patched('sale', '0200', fields, amount);
      const message = new IsoMessage(t.spec, '0200');
      message.header = Buffer.from('6000010000', 'hex');
      message.set('7', request.transmitted).set('11', request.stan).set('41', t.options.terminalId).set('42', t.options.merchantId);
      for (const [path, value] of Object.entries({ ...fields(), '4': amount })) message.set(path, value);
      expect(request.bytes.toString('hex')).toBe(frame(t.pack(message), { length: 'binary2' }).toString('hex'));
      const answer = await t.sendFramed(request.bytes, request.stan);
      expect([answer.getString('39'), answer.getString('11'), answer.getString('4')]).toEqual(['00', request.stan, String(amount).padStart(12, '0')]);
    }
  });

  it('read MTI, STAN, DE39, DE37 and the MAC of answers at their layout as unpacking them gives', async () => {
    // Each approval/decline shape is unpacked the first time and read at its offsets after that: both paths are compared.
    for (const amount of [10, 20, 1251, 1351, 30]) {
      const request = t.patched('sale', '0200', fields, amount);
      const answer = await t.exchange(request.bytes, request.stan);
      const message = answer.message();
      const read = [answer.mti, answer.stan, answer.responseCode, answer.rrn, answer.mac?.toString('hex')];
      expect(read).toEqual([message.mti, message.getString('11'), message.getString('39'), message.getString('37'), message.getBuffer('64')?.toString('hex')]);
      expect(answer.stan).toBe(request.stan);
      expect(answer.responseCode).toBe(amount % 100 === 51 ? '51' : '00');
    }
  });

  it('fall back to packing when the class carries no MAC', () => {
    const request = t.patched('echo', '0800', () => ({ '70': '301' }), 0);
    expect(IsoMessage.unpack(t.spec, request.bytes.subarray(2)).getString('70')).toBe('301');
  });
});
