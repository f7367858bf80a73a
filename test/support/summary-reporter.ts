import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so
 * that CI logs say at a glance (and machine-readably) what ran. A file or hook that failed before
 * its tests could run (a beforeAll that threw, an import error) and unhandled errors count as
 * failures too, so the line never reads "0 failed" for a run that failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    let brokenFiles = 0;
    for (const module of testModules) {
      if (module.errors().length > 0 || [...module.children.allSuites()].some((suite) => suite.errors().length > 0)) brokenFiles++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    const extra = [
      brokenFiles ? `${brokenFiles} file(s) failed outside a test` : '',
      unhandledErrors.length ? `${unhandledErrors.length} unhandled error(s)` : '',
    ].filter(Boolean);
    counts.failed += brokenFiles + unhandledErrors.length;
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${extra.length ? ` (${extra.join(', ')})` : ''}\n`);
  }
}
