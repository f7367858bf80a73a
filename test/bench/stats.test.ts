// bench/support/stats.ts: nearest-rank percentiles (rank ⌈p/100 × n⌉; Wikipedia "Percentile",
// "The nearest-rank method", whose worked example is the first case below).
import { describe, expect, it } from 'vitest';
import { latencies, percentile } from '../../bench/support/stats.js';

describe('bench stats', () => {
  it('picks the nearest-rank percentile', () => {
    // Wikipedia's worked example: 15, 20, 35, 40, 50 → p30 = 20, p40 = 20, p50 = 35, p100 = 50.
    const sorted = [15, 20, 35, 40, 50];
    expect([30, 40, 50, 100].map((p) => percentile(sorted, p))).toEqual([20, 20, 35, 50]);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(hundred, 50), percentile(hundred, 99)]).toEqual([50, 99]); // p99 of 100 samples is not the maximum
    expect(() => percentile([], 50)).toThrow(/no samples/);
  });

  it('takes samples in any order and leaves them as they are', () => {
    const samples = [9, 1, 5, 3, 7];
    expect(latencies(samples)).toEqual({ median: 5, p99: 9 });
    expect(samples).toEqual([9, 1, 5, 3, 7]);
  });
});
