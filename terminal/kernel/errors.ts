/** Why the kernel stopped a card read: a stable key for translations and plain words for the screen. */
export type KernelReasonCode =
  | 'over-contactless-limit'
  | 'no-application'
  | 'card-status'
  | 'card-data-malformed'
  | 'card-data-missing'
  | 'card-removed'
  | 'card-declined'
  | 'reader-error';

export class KernelError extends Error {
  override readonly name = 'KernelError';
  constructor(
    readonly reasonCode: KernelReasonCode,
    /** Plain words; never card data. */
    readonly reason: string,
    /** The command that was running (SELECT PPSE, GET PROCESSING OPTIONS, …). */
    readonly step?: string,
  ) {
    super(reason);
  }
}
