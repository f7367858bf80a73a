/** Payment cryptography on node:crypto alone: pure functions, bytes in and bytes out (docs/crypto.md). */
export { CryptoError } from './errors.js';
export { aesCbc, aesEcb, desCbc, desEcb, equalBytes, oddParity, xor, type BlockAlgorithm } from './primitives.js';
export { aesCmac, cbcMac, padIso9797, retailMac, RetailMacKey, type PaddingMethod } from './mac.js';
export { kcv } from './kcv.js';
export {
  decipherPinBlock,
  decodePinBlock,
  encipherPinBlock,
  encodePinBlock,
  pinBlockFormats,
  type PinBlockFormat,
  type PinBlockInput,
  type RandomSource,
} from './pinblock.js';
export {
  isValidTdesKsn,
  nextTdesKsn,
  tdesDukptKeys,
  tdesDukptVariants,
  tdesIpek,
  tdesKsnCounter,
  tdesTransactionKey,
  tdesWorkingKey,
  type TdesDukptKeyUsage,
} from './dukpt-tdes.js';
export {
  aesDukptInitialKey,
  aesDukptKeys,
  aesDukptTransactionKey,
  aesDukptUsages,
  aesDukptWorkingKey,
  aesKsnCounter,
  isValidAesKsn,
  nextAesKsn,
  type AesDukptKeyType,
  type AesDukptUsage,
} from './dukpt-aes.js';
export {
  applicationCryptogram,
  arpcMethod1,
  arpcKey,
  arpcMethod2,
  commonSessionKey,
  cryptogramKey,
  generateArqc,
  iccMasterKey,
  mastercardSessionKey,
  sessionKeyFromR,
  verifyArqc,
  type CryptogramInput,
} from './emv.js';
export { parseTr31Header, unwrapTr31, wrapTr31, type Tr31Header, type Tr31OptionalBlock, type Tr31WrapInput } from './tr31.js';
export { decodeKeyExchange, encodeKeyExchange, unwrapWorkingKeys, type WrappedWorkingKeys } from './key-exchange.js';
export { messageMac, MessageMacKey, verifyMessageMac } from './message-mac.js';
export { verifyVisaPvv, visaPvv } from './pvv.js';
