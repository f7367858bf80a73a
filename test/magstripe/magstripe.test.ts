// Track vectors: sualeh/magnetictrackparser README (track 1 + 2 of one swipe) and xslim/msr606's
// test-card list (Visa 4761739001010010=1808101). LRC rules: ISO/IEC 7811-2 (track 1: 6-bit
// characters, track 2: 4-bit characters, XOR from start sentinel to end sentinel).
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../protocols/errors.js';
import { formatTrack1, formatTrack2, parseSwipe, parseTrack1, parseTrack2, serviceCode, track1Lrc, track2Data, track2Lrc } from '../../protocols/magstripe/index.js';

const swipe = '%B5350290149345177^FATEHI/SUALEH^16042010000000000000000000000000000567001000?;5350290149345177=16042010000056700100?';

describe('tracks', () => {
  it('parses a published swipe (magnetictrackparser README)', () => {
    const { track1, track2 } = parseSwipe(swipe);
    expect(track1).toMatchObject({ pan: '5350290149345177', name: 'FATEHI/SUALEH', expiry: '1604', serviceCode: '201' });
    expect(track2).toEqual({ pan: '5350290149345177', expiry: '1604', serviceCode: '201', discretionary: '0000056700100' });
  });
  it('parses a test-card track 2 (msr606 list) and builds DE35 from it', () => {
    const track = parseTrack2(';4761739001010010=1808101?');
    expect(track).toEqual({ pan: '4761739001010010', expiry: '1808', serviceCode: '101', discretionary: '' });
    expect(track2Data(track)).toBe('4761739001010010=1808101');
  });
  it('formats what it parses, with a valid LRC', () => {
    const text = ';5350290149345177=16042010000056700100?';
    const withLrc = formatTrack2(parseTrack2(text), { lrc: true });
    expect(withLrc.slice(0, -1)).toBe(text);
    expect(parseTrack2(withLrc).pan).toBe('5350290149345177');
    const t1 = formatTrack1({ pan: '4761739001010010', name: 'DOE/JOHN', expiry: '2512', serviceCode: '201', discretionary: '1000' }, { lrc: true });
    expect(parseTrack1(t1).name).toBe('DOE/JOHN');
  });
  it('an LRC makes the XOR of the whole track zero', () => {
    const text = ';4761739001010010=1808101?';
    let xor = 0;
    for (const char of text + track2Lrc(text)) xor ^= (char.charCodeAt(0) - 0x30) & 0x0f;
    expect(xor).toBe(0);
    const t1 = '%B4761739001010010^DOE/JOHN^1808101?';
    let xor1 = 0;
    for (const char of t1 + track1Lrc(t1)) xor1 ^= (char.charCodeAt(0) - 0x20) & 0x3f;
    expect(xor1).toBe(0);
  });
  it('refuses a wrong LRC, a missing sentinel, letters in the PAN, with offsets', () => {
    expect(track2Lrc(';4761739001010010=1808101?')).toBe('0');
    expect(() => parseTrack2(';4761739001010010=1808101?1')).toThrow('track 2 LRC at byte 26: LRC does not match');
    expect(() => parseTrack2('4761739001010010=1808101?')).toThrow(/at byte 0: does not start with the ; sentinel/);
    try {
      parseTrack2(';47617390A1010010=1808101?');
      expect.unreachable();
    } catch (error) {
      expect((error as DecodeError).offset).toBe(9);
    }
    expect(() => parseSwipe('garbage')).toThrow(/holds no track/);
  });
});

describe('service code', () => {
  it('2xx and 6xx mean chip: the terminal must ask for the chip', () => {
    expect(serviceCode('201').requiresChip).toBe(true);
    expect(serviceCode('620').requiresChip).toBe(true);
    expect(serviceCode('101').requiresChip).toBe(false);
  });
  it('reads every digit', () => {
    expect(serviceCode('220')).toMatchObject({ interchange: 'international interchange, integrated circuit card', authorization: 'contact issuer via online means', services: 'no restrictions, PIN required', pinRequired: true });
  });
});
