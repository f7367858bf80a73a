/**
 * The card's expiry as the request gives it: DE14 (YYMM), else the four digits after the track 2
 * separator of DE35 (ISO/IEC 7813: PAN, `=`, YYMM, service code …). A card is valid to the end of its
 * expiry month. Two-digit years take the century that puts them within 50 years of the switch's clock
 * (the sliding window from 50 years back to 49 ahead: in 2026, `75` is 2075 and `76` 1976).
 */
export type RequestExpiry =
  | { field: '14' | '35'; yymm: string; months: number }
  | { field: '14' | '35'; malformed: true }
  | undefined;

export function requestExpiry(de14: string | undefined, de35: string | undefined, now: Date): RequestExpiry {
  const field = de14 !== undefined ? '14' : de35 !== undefined ? '35' : undefined;
  if (!field) return undefined;
  const yymm = field === '14' ? de14! : /[=D](.{0,4})/.exec(de35!)?.[1] ?? '';
  const match = /^(\d\d)(0[1-9]|1[0-2])$/.exec(yymm);
  if (!match) return { field, malformed: true };
  const year = now.getUTCFullYear();
  let full = year - (year % 100) + Number(match[1]);
  if (full > year + 49) full -= 100;
  else if (full < year - 50) full += 100;
  return { field, yymm, months: full * 12 + Number(match[2]) - 1 };
}

/** Months since year 0 of `now` (UTC): an expiry below it is past. */
export const monthOf = (now: Date): number => now.getUTCFullYear() * 12 + now.getUTCMonth();

/** A table card's stored YYMM as the same month count, by the same window. */
export const storedMonths = (yymm: string, now: Date): number => {
  const parsed = requestExpiry(yymm, undefined, now);
  return parsed && 'months' in parsed ? parsed.months : -1;
};
