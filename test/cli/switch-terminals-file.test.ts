// pos switch --terminals FILE.json: an entry the switch could never serve is refused at start, one
// line naming it. Before, a repeated ID silently replaced the earlier entry (its TMK and merchant),
// an ID with a control character was taken (every request from it answers 30), and a merchantName
// that is not text was dropped.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { switchConfig, switchOptions } from '../../cli/commands/switch.js';
import { CliError, parseOptions } from '../../cli/io.js';
import { cleanupsAfterEach, tempDir } from '../support/cli.js';

const cleanups = cleanupsAfterEach();
const tmk = 'C1D0F8FB4958670DBA40AB1F3752EF0D';
const entry = (over: Record<string, unknown> = {}) => ({ id: 'T0000001', merchantId: 'M00000000000001', tmk, ...over });

function load(terminals: unknown[]) {
  const file = join(tempDir(cleanups), 'terminals.json');
  writeFileSync(file, JSON.stringify(terminals));
  return () => switchConfig(parseOptions(['--db', ':memory:', '--log-level', 'silent', '--terminals', file], switchOptions).values);
}

describe('pos switch --terminals', () => {
  it.each([
    [[entry(), entry({ id: 'T0000002' }), entry({ merchantId: 'M00000000000002' })], '--terminals[2].id: T0000001 is also --terminals[0]'],
    [[entry({ id: 'T000000\u0001' })], '--terminals[0].id: 8 printable ASCII characters'],
    [[entry({ merchantId: 'M0000000000000\t' })], '--terminals[0].merchantId: 15 printable ASCII characters'],
    [[entry({ merchantName: 42 })], '--terminals[0].merchantName: text'],
  ])('refuses %j naming the entry', (terminals, message) => {
    expect(load(terminals)).toThrow(new CliError(message));
  });

  it('takes well-formed entries, merchant names included', () => {
    const config = load([entry({ merchantName: 'Test shop' }), entry({ id: 'T0000002' })])();
    expect(config.terminals?.map((t) => [t.id, t.merchantName])).toEqual([['T0000001', 'Test shop'], ['T0000002', undefined]]);
  });
});
