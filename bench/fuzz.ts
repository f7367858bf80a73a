// npm run fuzz [-- --runs N] [--target SUBSTRING] [--seed N]
// Runs every decoder's fuzz target (test/fuzz/targets) and prints the counts; exits 1 on a finding.
import { numberOption, quoted } from '../cli/io.js';
import { fuzz, loadTargets } from '../test/fuzz/harness.js';
import { benchOptions } from './support/options.js';

const usage = 'npm run fuzz [-- --runs N] [--target SUBSTRING] [--seed N]';
const values = benchOptions('fuzz', usage, { runs: { type: 'string' }, target: { type: 'string' }, seed: { type: 'string' } }, (options) => ({
  runs: numberOption(options.runs as string | undefined, 'runs', { min: 1, max: 1e9 }, 1_000_000),
  seed: numberOption(options.seed as string | undefined, 'seed', { min: 0, max: 0xffffffff }, 1),
  target: options.target as string | undefined,
}));
const runs = values.runs;
const targets = (await loadTargets()).filter((t) => !values.target || t.name.includes(values.target));
if (!targets.length) {
  console.error(`fuzz: --target: no decoder's name contains ${quoted(values.target ?? '')} (${usage})`);
  process.exit(2);
}
let findings = 0;
for (const target of targets) {
  const started = performance.now();
  const report = fuzz(target, runs, values.seed);
  const seconds = (performance.now() - started) / 1000;
  findings += report.findings.length;
  console.log(
    `${target.name.padEnd(40)} ${report.runs} inputs: ${report.decoded} decoded, ${report.rejected} rejected with a typed error, ` +
      `${report.findings.length} findings, slowest ${report.slowestMs.toFixed(1)} ms, ${seconds.toFixed(1)} s`,
  );
  for (const finding of report.findings) console.log(`  finding: input ${finding.input}\n  ${finding.error}`);
}
console.log(`${targets.length} decoders fuzzed, ${runs} inputs each, ${findings} findings`);
process.exitCode = findings ? 1 : 0;
