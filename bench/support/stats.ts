/** Latency statistics for the benchmarks: nearest-rank percentiles over the measured samples. */

/** The nearest-rank percentile (p in 0..100] of samples sorted ascending: the smallest value with at least p % of samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median and p99 of samples in any order (the array is left as it is). */
export function latencies(samples: readonly number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}
