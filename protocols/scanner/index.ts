/** Scanner decoders: AIM identifiers, boot keyboard reports (wedge), HID report descriptors and HID-POS reports. */
export * from './aim.js';
export * from './keyboard.js';
export * from './hid-descriptor.js';
export * from './hidpos.js';
