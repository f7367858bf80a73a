import { describe, expect, it } from 'vitest';
import { parseTrack1, parseTrack2 } from '../../protocols/magstripe/index.js';
import { DecodeError } from '../../protocols/errors.js';

// ISO/IEC 7813: after the expiry date (or its field separator) comes the 3-digit service code (or
// its separator), then discretionary data. One or two digits there are a cut service code.
describe('magstripe: a service code cut short is refused, not read as discretionary data', () => {
  it('track 2 ;PAN=YYMM + 1 or 2 digits', () => {
    for (const text of [';4761739001010010=25122?', ';4761739001010010=251220?']) expect(() => parseTrack2(text), text).toThrow(DecodeError);
  });

  it('track 1 %B…^NAME^YYMM + 1 digit', () => {
    expect(() => parseTrack1('%B4761739001010010^TEST/CARD^25122?')).toThrow(DecodeError);
  });

  it('what ISO 7813 allows still parses: full tracks, separators for absent fields, expiry alone', () => {
    expect(parseTrack2(';4761739001010010=2512201123?')).toEqual({ pan: '4761739001010010', expiry: '2512', serviceCode: '201', discretionary: '123' });
    expect(parseTrack2(';4761739001010010==201123?')).toMatchObject({ expiry: '', serviceCode: '201', discretionary: '123' });
    expect(parseTrack2(';4761739001010010=2512=123?')).toMatchObject({ expiry: '2512', serviceCode: '', discretionary: '123' });
    expect(parseTrack2(';4761739001010010=2512?')).toMatchObject({ expiry: '2512', serviceCode: '', discretionary: '' });
    expect(parseTrack2(';4761739001010010=?')).toMatchObject({ expiry: '', serviceCode: '', discretionary: '' });
    expect(parseTrack1('%B4761739001010010^TEST/CARD^2512201ABC 12?')).toMatchObject({ expiry: '2512', serviceCode: '201', discretionary: 'ABC 12' });
  });
});
