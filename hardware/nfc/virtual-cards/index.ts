export type { ContactlessCard } from './contactless-card.js';
export { VirtualEmvCard, createVirtualCard, PPSE_NAME, type CardFaults, type ApduCommandName, type VirtualEmvCardOptions } from './emv-card.js';
export { applicationCryptogram, iccMasterKey, sessionKey, retailMac, kcv } from './cryptogram.js';
export { testCards, testCardProfileIds, type TestCardProfileId } from '../../../protocols/testcards.js';
