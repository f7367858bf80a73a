import { describe, expect, it } from 'vitest';
import { DecodeError } from '../protocols/errors.js';
import { fuzz, loadTargets, type FuzzTarget } from './fuzz/harness.js';

const runsPerTarget = 3000;
const targets = await loadTargets();

describe(`fuzz: ${runsPerTarget} random and mutated inputs per decoder`, () => {
  it('the harness reports a decoder that crashes', () => {
    const crashing: FuzzTarget = {
      name: 'crashes-on-short-input',
      seeds: [Buffer.from('0102030405', 'hex')],
      decode: (input) => {
        if (input.length < 3) throw new DecodeError('test', '', 0, 'short');
        return input.readUInt32BE(input.length - 4); // RangeError on 3 bytes: a finding
      },
    };
    expect(fuzz(crashing, 2000).findings.length).toBeGreaterThan(0);
  });

  it('the key-exchange seed has real KCVs: unwrapWorkingKeys accepts it, so mutations start past the check', () => {
    const target = targets.find((t) => t.name === 'crypto.unwrapWorkingKeys')!;
    for (const seed of target.seeds) expect(target.decode(seed)).toEqual({ tpk: expect.any(Buffer), tak: expect.any(Buffer) });
  });

  for (const target of targets) {
    it(target.name, () => {
      const report = fuzz(target, runsPerTarget);
      expect(report.findings).toEqual([]);
      expect(report.decoded + report.rejected).toBe(runsPerTarget);
    });
  }
});
