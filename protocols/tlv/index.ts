export { decodeTlv, encodeTlv, findTag, isConstructed, objectToTlv, tlvToObject } from './ber.js';
export type { DecodeTlvOptions, Tlv, TlvObject } from './ber.js';
export { emvTagName, emvTags } from './emv-tags.js';
export type { EmvTagInfo, EmvTagSource } from './emv-tags.js';
