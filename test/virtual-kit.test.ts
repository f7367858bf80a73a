import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualKit } from '../hardware/virtual-kit.js';

const selectPpse = Buffer.from('00A404000E325041592E5359532E444446303100', 'hex');

describe('virtual kit: virtual devices behind their real drivers, in process', () => {
  let kit: VirtualKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  it('a tapped card answers SELECT PPSE through the PN532 driver; remove makes it gone', async () => {
    kit = new VirtualKit();
    await kit.start();
    kit.tap('unionpay');
    const info = await kit.reader.waitForCard({ timeoutMs: 3000 });
    expect(info.uid.toString('hex').toUpperCase()).toBe('08172839');
    const answer = await kit.reader.transceive(selectPpse);
    expect(answer.subarray(-2).toString('hex')).toBe('9000');
    expect(answer.includes(Buffer.from('A000000333010101', 'hex'))).toBe(true);
    expect(kit.removeCards()).toBe(1);
  });

  it('a swipe reaches the MSR driver as tracks, a scan reaches the scanner driver with its AIM id', async () => {
    kit = new VirtualKit();
    await kit.start();
    const swiped = once(kit.msr, 'swipe');
    await kit.swipe('magstripe');
    const [swipe] = (await swiped) as [{ track2?: string }];
    expect(swipe.track2).toBe(';4111111111111111=30121010000010100000?');

    const scanned = once(kit.scanner, 'scan');
    await kit.scan('134567890123456789', ']Q1');
    expect(await scanned).toEqual([{ text: '134567890123456789', symbology: ']Q1' }]);
  });

  it('a card keeps its ATC from tap to tap and reports it for the next start', async () => {
    kit = new VirtualKit({ atcs: { visa: 0x0100 } });
    expect(kit.card('visa').atc).toBe(0x0100);
    expect(kit.atcs()).toEqual({ visa: 0x0100 });
    expect(() => kit!.card('amex' as never)).toThrow(/^card: no virtual card profile of that name \(one of: visa, mastercard, unionpay\)$/);
    expect(() => kit!.card('toString' as never)).toThrow(/no virtual card profile/); // not taken from Object.prototype
    expect(() => kit!.swipe('__proto__' as never)).toThrow(/no magstripe test card/);
  });
});
