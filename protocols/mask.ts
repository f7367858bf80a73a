/**
 * PCI masking shared by logs, receipts, the UI and describe(): a PAN keeps its first 6 and last 4
 * digits. PANs of 10 digits or fewer keep only the last 4, so nothing is shown twice.
 */
export function maskPan(pan: string): string {
  const digits = pan.trim();
  if (digits.length <= 4) return '*'.repeat(digits.length);
  if (digits.length <= 10) return '*'.repeat(digits.length - 4) + digits.slice(-4);
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

/** Masks every PAN-looking run of 12–19 digits inside free text (a track, a log line). */
export function maskPansIn(text: string): string {
  return text.replace(/\d{12,19}/g, (pan) => maskPan(pan));
}
