/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR), as EMVCo QR tag 63 uses it. */
export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The four uppercase hex digits tag 63 carries for `text` (which ends with "6304"). */
export function qrCrc(text: string): string {
  return crc16CcittFalse(Buffer.from(text, 'utf8')).toString(16).toUpperCase().padStart(4, '0');
}
