export { crc16CcittFalse, qrCrc } from './crc16.js';
export { decodeMpm, encodeMpm } from './mpm.js';
export type { DecodedMpm, MpmObject, MpmValue } from './mpm.js';
export { decodeCpm, encodeCpm, isCpm, startsAsCpm } from './cpm.js';
export { defaultPaymentCodeRules, emvcoCpmScheme, parsePaymentCodeRules, paymentCodeClassifier } from './classify.js';
export type { Classification, PaymentCodeClassifier, PaymentCodeRule } from './classify.js';
