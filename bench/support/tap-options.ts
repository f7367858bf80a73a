/** The options the tap benchmarks share: how many taps, the line's baud rate, which card, JSON output. */
import { parseArgs } from 'node:util';
import { testCardProfileIds, type TestCardProfileId } from '../../protocols/testcards.js';

export function tapOptions(defaultTaps: number): { taps: number; baudRate: number; profile: TestCardProfileId; json: boolean } {
  const { values } = parseArgs({
    options: {
      taps: { type: 'string', default: String(defaultTaps) },
      baud: { type: 'string', default: '115200' },
      card: { type: 'string', default: 'mastercard' },
      json: { type: 'boolean', default: false },
    },
  });
  const taps = Number(values.taps);
  const baudRate = Number(values.baud);
  if (!Number.isInteger(taps) || taps < 1) throw new Error(`--taps: a whole number above 0, got '${values.taps}'`);
  if (!Number.isInteger(baudRate) || baudRate < 1) throw new Error(`--baud: a whole number above 0, got '${values.baud}'`);
  if (!(testCardProfileIds as readonly string[]).includes(values.card)) throw new Error(`--card: one of ${testCardProfileIds.join(', ')}, got '${values.card}'`);
  return { taps, baudRate, profile: values.card as TestCardProfileId, json: values.json };
}
