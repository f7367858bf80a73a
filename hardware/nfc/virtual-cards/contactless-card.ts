/** What the virtual PN532 needs from a card in its field: ISO 14443-A identity and an APDU handler. */
export interface ContactlessCard {
  /** For logs and the control API ("visa", "mastercard #2"). */
  readonly label: string;
  /** NFCID1 (UID). */
  readonly uid: Buffer;
  /** SENS_RES (ATQA). */
  readonly atqa: Buffer;
  /** SEL_RES (SAK); 0x20 set for ISO 14443-4. */
  readonly sak: number;
  /** ATS including TL, for ISO 14443-4 cards. */
  readonly ats: Buffer;
  /** The reader activated the card (REQA … RATS): selection state resets, as after power-up in the field. */
  activate(): void;
  /** One C-APDU in, the R-APDU (with SW1 SW2) out, and how long the card took to answer. */
  transmit(apdu: Buffer): { response: Buffer; delayMs: number };
}
