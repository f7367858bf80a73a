/**
 * Terminal Verification Results (95, 5 bytes) and Transaction Status Information (9B, 2 bytes),
 * EMV Book 3 Annex C5/C6: the bits this kernel sets, by name.
 */
export const tvrBits = {
  odaNotPerformed: [0, 0x80],
  expiredApplication: [1, 0x40],
  applicationNotYetEffective: [1, 0x20],
  cardholderVerificationFailed: [2, 0x80],
  pinPadNotPresent: [2, 0x10],
  onlinePinEntered: [2, 0x04],
  exceedsFloorLimit: [3, 0x80],
  issuerAuthenticationFailed: [4, 0x40],
} as const satisfies Record<string, readonly [number, number]>;

export const tsiBits = {
  odaPerformed: [0, 0x80],
  cardholderVerificationPerformed: [0, 0x40],
  cardRiskManagementPerformed: [0, 0x20],
  issuerAuthenticationPerformed: [0, 0x10],
  terminalRiskManagementPerformed: [0, 0x08],
} as const satisfies Record<string, readonly [number, number]>;

export class StatusBits<Name extends string> {
  readonly bytes: Buffer;
  constructor(
    private readonly names: Record<Name, readonly [number, number]>,
    length: number,
  ) {
    this.bytes = Buffer.alloc(length);
  }
  set(name: Name): this {
    const [index, mask] = this.names[name];
    this.bytes[index]! |= mask;
    return this;
  }
  has(name: Name): boolean {
    const [index, mask] = this.names[name];
    return (this.bytes[index]! & mask) !== 0;
  }
  copy(): Buffer {
    return Buffer.from(this.bytes);
  }
  hex(): string {
    return this.bytes.toString('hex').toUpperCase();
  }
}

export const newTvr = () => new StatusBits(tvrBits, 5);
export const newTsi = () => new StatusBits(tsiBits, 2);
