// bench:pipeline puts sales through the switch's steps and its SQLite journal (in a file, and in
// memory) and through the codec floor, taking turns. Nothing is timed here: a tiny run, and what any
// run must report.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

it('journals every sale of its rounds (each answered 00, or the run fails) and reports each path and its ratio to the codec floor', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/pipeline.ts', '--rounds', '2', '--requests', '40', '--batch', '16', '--json'], { cwd: root, timeout: 30_000 });
  const result = JSON.parse(stdout) as { journaled: number; options: { rounds: number; requests: number; batch: number }; ratio: number; inMemoryRatio: number } & Record<
    'pipeline' | 'inMemory' | 'codec',
    { usPerSale: number; min: number; max: number }
  >;
  expect(result.options).toEqual({ rounds: 2, requests: 40, batch: 16 });
  // Read back from the journal file: the warm-up round and two measured ones, 40 sales each (batches of 16, 16 and 8).
  expect(result.journaled).toBe(120);
  for (const path of ['pipeline', 'inMemory', 'codec'] as const) {
    expect(result[path].usPerSale).toBeGreaterThan(0);
    expect(result[path].min).toBeLessThanOrEqual(result[path].usPerSale);
    expect(result[path].max).toBeGreaterThanOrEqual(result[path].usPerSale);
  }
  expect(result.ratio).toBeGreaterThan(0);
  expect(result.inMemoryRatio).toBeGreaterThan(0);
}, 40_000);
