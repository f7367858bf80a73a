/**
 * The application cryptogram a virtual card computes (EMV Book 2 Annex A1.3/A1.4 with the scheme
 * variants described in docs/virtual-devices.md), on protocols/crypto: ICC master key by Option A,
 * an optional session key, and an ISO 9797-1 algorithm 3 MAC over the cryptogram data.
 */
import { kcv as keyCheckValue, retailMac as mac, sessionKeyFromR, type PaddingMethod } from '../../../protocols/crypto/index.js';

export { applicationCryptogram, iccMasterKey, type CryptogramInput } from '../../../protocols/crypto/index.js';

/** Session key from R (8 bytes): 3DES(MK, R with byte 2 = F0) ‖ 3DES(MK, R with byte 2 = 0F) (EMV 4.1 A1.3.1). */
export const sessionKey = (masterKey: Buffer, r: Buffer): Buffer => sessionKeyFromR(masterKey, r);

/** ISO 9797-1 MAC algorithm 3 (retail MAC), 8 bytes. */
export const retailMac = (key: Buffer, data: Buffer, padding: PaddingMethod): Buffer => mac(key, data, padding, 8);

/** TDES key check value, 2 bytes by default (the length the test-card profiles list). */
export const kcv = (key: Buffer, length = 2): Buffer => keyCheckValue(key, 'tdes', length);
