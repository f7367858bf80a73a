/** NFC: the CardReader seam, the PN532 driver, the virtual PN532 and virtual EMV cards. */
export * from './card-reader.js';
export { Pn532Reader, type Pn532ReaderOptions, type Pn532Stats, type ReaderDeviceEvents } from './pn532-reader.js';
export { VirtualPn532, type VirtualPn532Options, type Pn532Faults, type DeviceLink } from './virtual-pn532.js';
export { VirtualReaderService, type VirtualReaderOptions } from './virtual-reader-service.js';
export { contactlessRead, defaultTerminalData, CardResponseError, type ContactlessReadResult } from './contactless-read.js';
export * from './virtual-cards/index.js';
