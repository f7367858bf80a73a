/**
 * How a transaction was paid, by the way the card or code was read: the journal records only card
 * or code, and its entry mode says the rest. One classification for the batch totals, the batch
 * slip and the checkout page's history, so a swipe is a swipe everywhere.
 */
import type { TxnRow } from './journal.js';

/** `card`: read from the chip (contactless, entry mode 07x); `magstripe`: swiped (02x, chip fallback 90x); `code`: a scanned payment code. In the order totals list them. */
export const tenders = ['card', 'magstripe', 'code'] as const;
export type Tender = (typeof tenders)[number];

export function tenderOf(row: Pick<TxnRow, 'tender' | 'entryMode'>): Tender {
  return row.tender === 'card' && (row.entryMode.startsWith('02') || row.entryMode.startsWith('90')) ? 'magstripe' : row.tender;
}
