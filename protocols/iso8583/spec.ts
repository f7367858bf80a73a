/**
 * Message specs as data. A spec is plain JSON-compatible objects, so the built-in specs and an
 * integrator's JSON file (docs/iso8583-spec-json.md) are the same thing; compile() in field.ts
 * turns each field into a small encoder/decoder pair once, and every message reuses them.
 */

/** ISO 8583 data types: n numeric, a/an/ans text, b binary, z track (digits and '='), xn signed amount (C/D + digits). */
export type FieldType = 'n' | 'a' | 'an' | 'ans' | 'b' | 'z' | 'xn';

/** How a field's data sits on the wire. `hex` is binary shown as ASCII hex digits (two characters a byte). */
export type DataEncoding = 'ascii' | 'ebcdic037' | 'ebcdic1047' | 'bcd' | 'binary' | 'hex';

export type PrefixEncoding = 'ascii' | 'ebcdic037' | 'ebcdic1047' | 'bcd' | 'binary';

/** L to LLLLLL: the number of length digits (for binary prefixes, the number of length bytes). */
export type LengthPrefix = 'L' | 'LL' | 'LLL' | 'LLLL' | 'LLLLL' | 'LLLLLL';

/**
 * What describe() and toJSON() hide by default. 'emv': bytes kept whole (no TLV subfields) that are
 * DE55-style BER-TLV: shown as their tags, masked like DE55's, or as stars when they do not parse.
 */
export type Sensitivity = 'pan' | 'track' | 'secret' | 'emv';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** The fixed length, or the maximum when there is a prefix; in characters, digits or bytes by type. */
  length: number;
  encoding: DataEncoding;
  /** Absent for fixed-length fields. */
  prefix?: LengthPrefix;
  /** Defaults to the data's own family: ascii, bcd, the same EBCDIC page, or binary for binary/hex data. */
  prefixEncoding?: PrefixEncoding;
  /** What the prefix counts: the field's units (default: characters, digits, or bytes for b) or the bytes on the wire. */
  prefixCounts?: 'units' | 'bytes';
  /** Odd digit counts in BCD: pad nibble on the left (default for n, xn) or the right (default for z); right-f pads with F. */
  bcdPad?: 'left' | 'right' | 'right-f';
  sensitive?: Sensitivity;
  subfields?: CompositeSpec;
}

export type CompositeSpec =
  | { kind: 'tlv' }
  | { kind: 'positional'; fields: Record<string, FieldSpec> }
  | { kind: 'bitmap'; bitmap: BitmapEncoding; bitmapBytes?: number; fields: Record<string, FieldSpec> }
  | {
      kind: 'tagged';
      tagLength: number;
      tagEncoding?: 'ascii' | 'ebcdic037' | 'ebcdic1047';
      fields: Record<string, FieldSpec>;
      /** How to read a tag the spec does not list, so that it is kept rather than refused. */
      unknownTag?: FieldSpec;
    };

export type BitmapEncoding = 'binary' | 'hex' | 'ebcdic037' | 'ebcdic1047';

export interface MessageSpec {
  name: string;
  description?: string;
  /** Bytes before the MTI (a TPDU, a vendor header). */
  headerLength?: number;
  mtiEncoding: 'ascii' | 'bcd' | 'ebcdic037' | 'ebcdic1047';
  bitmap: { encoding: BitmapEncoding; tertiary?: boolean };
  /** Data elements 2..128 (2..192 with a tertiary bitmap), keyed by number. */
  fields: Record<string, FieldSpec>;
  /** Required data elements per MTI, checked by validate(). */
  required?: Record<string, number[]>;
}
