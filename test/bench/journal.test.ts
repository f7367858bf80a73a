// bench:journal reads back the WAL the journal's commits wrote and names the b-tree of each page.
// Nothing is timed: a tiny run, and what it must find in any run.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

it('counts WAL pages per commit by b-tree, for the switch journal and the floor: the request key and the row in every commit', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/journal.ts', '--rows', '600', '--commits', '5', '--batch', '10', '--terminals', '8', '--json'], { cwd: root, timeout: 30_000 });
  const { journal, floor } = JSON.parse(stdout) as Record<'journal' | 'floor', { walPagesPerCommit: number; walPagesPerSale: number; cpuUsPerSale: number; byTree: Record<string, number> }>;
  // Every commit changes the table, its unique request key, the account debited and the indexes the admin API searches by.
  for (const tree of ['transactions', 'sqlite_autoindex_transactions_1', 'accounts', 'transactions_rrn', 'transactions_created', 'transactions_merchant', 'transactions_pan'])
    expect(journal.byTree[tree], tree).toBeGreaterThanOrEqual(1);
  for (const tree of ['journal', 'sqlite_autoindex_journal_1', 'accounts']) expect(floor.byTree[tree], tree).toBeGreaterThanOrEqual(1);
  // The pages by tree add up to the commit's, and the journal writes more of them than the floor's two-column key.
  expect(Object.values(journal.byTree).reduce((a, b) => a + b, 0)).toBeCloseTo(journal.walPagesPerCommit, 0);
  expect(journal.walPagesPerCommit).toBeGreaterThan(floor.walPagesPerCommit);
  expect(journal.walPagesPerSale).toBeCloseTo(journal.walPagesPerCommit / 10, 1);
  expect(journal.cpuUsPerSale).toBeGreaterThan(0);
}, 40_000);
