import { decodeCpm, decodeMpm } from '../../../protocols/qr/index.js';
import type { FuzzTarget } from '../harness.js';

const mpm = '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
const cpm = 'hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==';

export const targets: FuzzTarget[] = [
  { name: 'qr.decodeMpm', seeds: [Buffer.from(mpm, 'utf8')], decode: (input) => decodeMpm(input.toString('utf8')) },
  { name: 'qr.decodeCpm', seeds: [Buffer.from(cpm, 'latin1')], decode: (input) => decodeCpm(input.toString('latin1')) },
];
