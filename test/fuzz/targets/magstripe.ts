import { parseSwipe } from '../../../protocols/magstripe/index.js';
import type { FuzzTarget } from '../harness.js';

const swipe = '%B5350290149345177^FATEHI/SUALEH^16042010000000000000000000000000000567001000?;5350290149345177=16042010000056700100?';

export const targets: FuzzTarget[] = [{ name: 'magstripe.parseSwipe', seeds: [Buffer.from(swipe, 'latin1')], decode: (input) => parseSwipe(input.toString('latin1')) }];
