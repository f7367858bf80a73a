/** The options the tap benchmarks share: how many taps, the line's baud rate, which card, JSON output. */
import { CliError, numberOption, quoted } from '../../cli/io.js';
import { testCardProfileIds, type TestCardProfileId } from '../../protocols/testcards.js';
import { benchOptions } from './options.js';

export function tapOptions(name: string, defaultTaps: number): { taps: number; baudRate: number; profile: TestCardProfileId; json: boolean } {
  return benchOptions(
    name,
    `npm run ${name} [-- --json] [--taps N] [--baud N] [--card ${testCardProfileIds.join('|')}]`,
    { taps: { type: 'string' }, baud: { type: 'string' }, card: { type: 'string' }, json: { type: 'boolean' } },
    (values) => {
      const card = (values.card as string | undefined) ?? 'mastercard';
      if (!(testCardProfileIds as readonly string[]).includes(card)) throw new CliError(`--card: one of ${testCardProfileIds.join(', ')}, got ${quoted(card)}`);
      return {
        taps: numberOption(values.taps as string | undefined, 'taps', { min: 1, max: 1_000_000 }, defaultTaps),
        baudRate: numberOption(values.baud as string | undefined, 'baud', { min: 1200, max: 4_000_000 }, 115200),
        profile: card as TestCardProfileId,
        json: values.json === true,
      };
    },
  );
}
