/**
 * Fuzzing for every decoder: random bytes and mutations of valid seeds. A decoder passes when
 * every input either decodes or is rejected with one of its typed errors; any other exception
 * (TypeError, RangeError, out-of-memory) or an input that takes too long is a finding.
 * Targets live in test/fuzz/targets/*.ts; `npm test` runs a few thousand inputs per target,
 * `npm run fuzz` a million or more.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DecodeError } from '../../protocols/errors.js';

export interface FuzzTarget {
  /** Unique, e.g. "iso8583.unpack(default)". */
  name: string;
  /** Valid inputs to mutate (published vectors where they exist). */
  seeds: Buffer[];
  /** Decodes one input; may throw only the errors `isExpectedError` accepts. */
  decode(input: Buffer): unknown;
  /** Typed rejections. Defaults to DecodeError. */
  isExpectedError?(error: unknown): boolean;
}

export interface FuzzFinding {
  target: string;
  input: string;
  error: string;
}

export interface FuzzReport {
  target: string;
  runs: number;
  decoded: number;
  rejected: number;
  slowestMs: number;
  findings: FuzzFinding[];
}

/** xorshift32: fast and repeatable, so a finding can be replayed from its seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

export function mutate(seed: Buffer, next: () => number): Buffer {
  const bytes = Buffer.from(seed);
  const pick = (n: number) => (n <= 0 ? 0 : next() % n);
  switch (next() % 8) {
    case 0: // flip one bit
      if (bytes.length) bytes[pick(bytes.length)]! ^= 1 << pick(8);
      return bytes;
    case 1: // set one byte to a boundary value
      if (bytes.length) bytes[pick(bytes.length)] = [0x00, 0xff, 0x7f, 0x80, 0x30, 0x39, 0x20][pick(7)]!;
      return bytes;
    case 2: // truncate
      return bytes.subarray(0, pick(bytes.length + 1));
    case 3: // delete a run
      {
        const at = pick(bytes.length);
        return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(8))]);
      }
    case 4: // insert random bytes
      {
        const at = pick(bytes.length + 1);
        const extra = Buffer.alloc(1 + pick(8));
        for (let i = 0; i < extra.length; i++) extra[i] = next() & 0xff;
        return Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)]);
      }
    case 5: // duplicate a slice
      {
        const at = pick(bytes.length);
        const slice = bytes.subarray(at, at + 1 + pick(16));
        return Buffer.concat([bytes.subarray(0, at), slice, bytes.subarray(at)]);
      }
    case 6: // several random byte changes
      for (let i = 0, n = 1 + pick(4); i < n && bytes.length; i++) bytes[pick(bytes.length)] = next() & 0xff;
      return bytes;
    default: // fully random input
      {
        const random = Buffer.alloc(pick(64));
        for (let i = 0; i < random.length; i++) random[i] = next() & 0xff;
        return random;
      }
  }
}

export function fuzz(target: FuzzTarget, runs: number, seed = 1, slowMs = 1000): FuzzReport {
  const next = prng(seed);
  const expected = target.isExpectedError ?? ((error: unknown) => error instanceof DecodeError);
  const report: FuzzReport = { target: target.name, runs, decoded: 0, rejected: 0, slowestMs: 0, findings: [] };
  for (let i = 0; i < runs; i++) {
    const base = target.seeds.length ? target.seeds[next() % target.seeds.length]! : Buffer.alloc(0);
    let input = mutate(base, next);
    if (next() % 4 === 0) input = mutate(input, next);
    const started = performance.now();
    try {
      target.decode(input);
      report.decoded++;
    } catch (error) {
      if (expected(error)) report.rejected++;
      else if (report.findings.length < 10)
        report.findings.push({ target: target.name, input: input.toString('hex'), error: String((error as Error)?.stack ?? error) });
    }
    const elapsed = performance.now() - started;
    if (elapsed > report.slowestMs) report.slowestMs = elapsed;
    if (elapsed > slowMs && report.findings.length < 10)
      report.findings.push({ target: target.name, input: input.toString('hex'), error: `took ${elapsed.toFixed(0)} ms` });
  }
  return report;
}

/** Every target under test/fuzz/targets. */
export async function loadTargets(): Promise<FuzzTarget[]> {
  const dir = join(import.meta.dirname, 'targets');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const targets: FuzzTarget[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { targets: FuzzTarget[] };
    targets.push(...module.targets);
  }
  return targets;
}
