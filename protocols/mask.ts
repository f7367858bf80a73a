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

/**
 * Whether free text a user typed may hold a secret: a run of 4 digits (a PIN is 4 to 12, a PAN more)
 * or of 8 hex digits (keys, PIN blocks). Errors name such text by its length instead of quoting it.
 */
export const secretLike = (value: string): boolean => /\d{4}/.test(value) || /[0-9a-f]{8}/i.test(value);

/**
 * Text from outside that an error names (a URL path segment, a JSON property name): a plain word (a
 * lower-case letter, then up to 31 letters, dots or dashes: what a route or a property looks like) as
 * itself, anything else by its length. Masking is not enough there: a track keeps its expiry and service
 * code after the PAN, a key in hex has no PAN to mask, and track 1 writes the cardholder's name in upper case.
 */
export const wordOrLength = (text: string): string =>
  text === '' || /^[a-z][A-Za-z.-]{0,31}$/.test(text) ? text : `<${text.length} character${text.length === 1 ? '' : 's'}>`;

/** A track (or track equivalent) shows only its masked PAN: the separator and all after it become stars. */
export function maskTrack(track: string): string {
  const separator = track.search(/[=^D]/);
  if (separator < 0) return '*'.repeat(track.length);
  const pan = track.slice(0, separator).replace(/^[%;B]+/, '');
  return maskPan(pan) + '*'.repeat(track.length - separator);
}

/** EMV tags that carry card secrets: PAN, track equivalents, PIN data; and the cardholder name, hidden as tag 56's is. */
export const emvSensitiveTags: Readonly<Record<string, 'pan' | 'track' | 'secret'>> = {
  '5A': 'pan',
  '57': 'track',
  '56': 'track',
  '9F6B': 'track',
  '9F1F': 'secret',
  '9F20': 'secret',
  '99': 'secret',
  '5F20': 'secret',
  '9F0B': 'secret',
};

/**
 * What a person may see of an EMV tag's value: its hex, or for the tags above the masked PAN
 * (trailing F padding dropped), a track as its masked PAN only, a secret as stars. Tag 56
 * (track 1 equivalent) holds characters, so it is masked as the text it is.
 */
export function maskEmvValue(tag: string, value: Uint8Array): string {
  const hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex').toUpperCase();
  const sensitivity = emvSensitiveTags[tag];
  if (sensitivity === 'pan') return maskPan(hex.replace(/F+$/, ''));
  if (sensitivity === 'secret') return '*'.repeat(hex.length);
  if (sensitivity === 'track') return tag === '56' ? maskTrack(Buffer.from(value).toString('latin1')) : maskTrack(hex.replace(/F+$/, ''));
  return hex;
}
