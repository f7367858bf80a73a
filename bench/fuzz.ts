// npm run fuzz [-- --runs N] [--target SUBSTRING] [--seed N]
// Runs every decoder's fuzz target (test/fuzz/targets) and prints the counts; exits 1 on a finding.
import { parseArgs } from 'node:util';
import { fuzz, loadTargets } from '../test/fuzz/harness.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1000000' }, target: { type: 'string' }, seed: { type: 'string', default: '1' } },
});
const runs = Number(values.runs);
const targets = (await loadTargets()).filter((t) => !values.target || t.name.includes(values.target));
let findings = 0;
for (const target of targets) {
  const started = performance.now();
  const report = fuzz(target, runs, Number(values.seed));
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
