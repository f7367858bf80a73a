/**
 * AIM symbology identifiers (ISO/IEC 15424): a scanner set to transmit them prefixes each code with
 * `]` + a code character (the symbology: Q QR Code, C Code 128, E EAN/UPC, d Data Matrix, …) + a
 * modifier character (options such as GS1 or ECI: `]C1` GS1-128, `]Q1` QR model 2, `]d2` GS1
 * Data Matrix). Sources: Datalogic and Honeywell scanner manuals' symbology tables
 * (terminal-protocols.md §3).
 */
export interface ScanText {
  text: string;
  /** The AIM identifier, e.g. "]Q1", when the scanner sent one. */
  symbology?: string;
}

const aimPattern = /^\][A-Za-z][0-9A-Za-z]/;

/** Splits a leading AIM identifier off a scanned code. */
export function stripAim(text: string): ScanText {
  if (!aimPattern.test(text)) return { text };
  return { text: text.slice(3), symbology: text.slice(0, 3) };
}

/** True for a well-formed AIM identifier (`]` + letter + modifier). */
export function isAimId(value: string): boolean {
  return value.length === 3 && aimPattern.test(value);
}
