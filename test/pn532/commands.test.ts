import { describe, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { DecodeError, EncodeError } from '../../protocols/errors.js';
import {
  CARD_GONE_CODES,
  DATA_EXCHANGE_MAX,
  WAKEUP_PREAMBLE,
  decodeFrame,
  describeStatus,
  encodeCommand,
  encodePassiveTarget,
  getFirmwareVersion,
  inDataExchange,
  inListPassiveTarget,
  inRelease,
  parseFirmwareVersion,
  parseInDataExchange,
  parseInDataExchangeRequest,
  parseInListPassiveTarget,
  parseInRelease,
  parseRfConfiguration,
  parseSamConfiguration,
  rfConfigurationMaxRetries,
  samConfiguration,
  type Pn532Frame,
} from '../../protocols/pn532/index.js';

const dataOf = (frame: Pn532Frame): Buffer => {
  if (frame.kind !== 'info') throw new Error('not an information frame');
  return frame.data;
};

describe('command builders', () => {
  it('builds the frames libnfc and Adafruit send', () => {
    // libnfc pn532_uart.c wake-up: 55 55 then 14 × 00
    expect(WAKEUP_PREAMBLE).toEqual(fromHex('55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00'));
    expect(encodeCommand(...split(getFirmwareVersion()))).toEqual(fromHex('00 00 FF 02 FE D4 02 2A 00'));
    // Adafruit_PN532::SAMConfig sends 14 01 14 01
    expect(samConfiguration(1, 0x14, 1)).toEqual(fromHex('14 01 14 01'));
    expect(samConfiguration()).toEqual(fromHex('14 01'));
    // Adafruit_PN532::setPassiveActivationRetries(maxRetries): 32 05 FF 01 maxRetries
    expect(rfConfigurationMaxRetries(0x10)).toEqual(fromHex('32 05 FF 01 10'));
    expect(encodeCommand(...split(inListPassiveTarget()))).toEqual(fromHex('00 00 FF 04 FC D4 4A 01 00 E1 00'));
    expect(inRelease()).toEqual(fromHex('52 00'));
    expect(inDataExchange(1, fromHex('00 A4 04 00'))).toEqual(fromHex('40 01 00 A4 04 00'));
    expect(inDataExchange(1, fromHex('AA'), true)).toEqual(fromHex('40 41 AA'));
  });

  it('rejects out-of-range parameters', () => {
    expect(() => inListPassiveTarget(3)).toThrow(EncodeError);
    expect(() => inDataExchange(1, Buffer.alloc(DATA_EXCHANGE_MAX + 1))).toThrow(/chain/);
    expect(() => rfConfigurationMaxRetries(256)).toThrow(EncodeError);
  });
});

describe('response parsers on captured answers', () => {
  it('GetFirmwareVersion: PN532 v1.6, supports ISO 14443 A+B and ISO 18092 (libnfc/Adafruit)', () => {
    const data = dataOf(decodeFrame(fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00')));
    expect(parseFirmwareVersion(data)).toEqual({ ic: 0x32, version: 1, revision: 6, support: 7 });
  });

  it('SAMConfiguration and RFConfiguration answers carry no data', () => {
    expect(() => parseSamConfiguration(dataOf(decodeFrame(fromHex('00 00 FF 02 FE D5 15 16 00'))))).not.toThrow();
    expect(() => parseRfConfiguration(fromHex('33'))).not.toThrow();
    expect(() => parseSamConfiguration(fromHex('33'))).toThrow(/command \+ 1/);
  });

  it('InListPassiveTarget: a Mifare Classic 1K, 4-byte UID (sqf-ice/test nfc.c "m1 卡" capture)', () => {
    const data = dataOf(decodeFrame(fromHex('00 00 ff 0c f4 d5 4b 01 01 00 04 08 04 d0 bb e1 1a 48 00')));
    expect(parseInListPassiveTarget(data)).toEqual([
      { tg: 1, sensRes: fromHex('00 04'), selRes: 0x08, nfcId: fromHex('d0 bb e1 1a') },
    ]);
  });

  it('InListPassiveTarget: an ISO-DEP CPU card with its ATS (sqf-ice/test nfc.c "cpu 卡" capture)', () => {
    const data = dataOf(
      decodeFrame(fromHex('00 00 ff 1c e4 d5 4b 01 01 00 04 28 04 fd e6 08 99 10 78 80 90 02 20 90 00 00 00 00 00 fd e6 08 99 5c 00')),
    );
    const [target] = parseInListPassiveTarget(data);
    expect(target).toEqual({
      tg: 1,
      sensRes: fromHex('00 04'),
      selRes: 0x28,
      nfcId: fromHex('fd e6 08 99'),
      ats: fromHex('10 78 80 90 02 20 90 00 00 00 00 00 fd e6 08 99'),
    });
    // our device-side encoder produces the same target record
    expect(encodePassiveTarget(target!)).toEqual(data.subarray(2));
  });

  it('InListPassiveTarget: no card (NbTg 0), two cards, and malformed answers', () => {
    expect(parseInListPassiveTarget(fromHex('4B 00'))).toEqual([]);
    const two = parseInListPassiveTarget(fromHex('4B 02 01 00 04 08 04 01 02 03 04 02 00 44 00 07 04 11 22 33 44 55 66'));
    expect(two.map((t) => t.tg)).toEqual([1, 2]);
    expect(two[1]!.nfcId).toHaveLength(7);
    expect(() => parseInListPassiveTarget(fromHex('4B 01 01 00 04 08 04 01 02'))).toThrow(DecodeError);
    expect(() => parseInListPassiveTarget(fromHex('4B 01 01 00 04 08 05 01 02 03 04 05'))).toThrow(/NFCIDLength/);
    expect(() => parseInListPassiveTarget(fromHex('4B 01 01 00 04 20 04 01 02 03 04 05 78'))).toThrow(/ATS/);
    expect(() => parseInListPassiveTarget(fromHex('4B 03'))).toThrow(/at most 2/);
  });

  it('InDataExchange: status, MI bit and data (UM0701 §7.3.8)', () => {
    // "Successfully authenticated response: 00 00 FF 03 FD D5 41 00" (martin-eden/Embedded_Scrapyard Adafruit-PN532 README)
    expect(parseInDataExchange(fromHex('41 00'))).toEqual({ status: 0, errorCode: 0, moreInformation: false, data: Buffer.alloc(0) });
    expect(parseInDataExchange(fromHex('41 40 6F 00'))).toMatchObject({ errorCode: 0, moreInformation: true, data: fromHex('6F 00') });
    const gone = parseInDataExchange(fromHex('41 01'));
    expect(gone.errorCode).toBe(1);
    expect(CARD_GONE_CODES.has(gone.errorCode)).toBe(true);
    expect(describeStatus(0x01)).toMatch(/time out/);
    expect(describeStatus(0x3f)).toMatch(/0x3f/);
    expect(() => parseInDataExchange(fromHex('41'))).toThrow(/Status/);
  });

  it('InRelease answers a status', () => {
    expect(parseInRelease(fromHex('53 00'))).toBe(0);
    expect(() => parseInRelease(fromHex('53'))).toThrow(DecodeError);
  });

  it('device side: reads Tg, MI and DataOut of a host InDataExchange', () => {
    expect(parseInDataExchangeRequest(fromHex('41 00 B2'))).toEqual({ tg: 1, more: true, data: fromHex('00 B2') });
    expect(() => parseInDataExchangeRequest(Buffer.alloc(0))).toThrow(DecodeError);
  });
});

function split(data: Buffer): [number, Buffer] {
  return [data[0]!, data.subarray(1)];
}
