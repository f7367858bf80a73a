export { IsoMessage, responseMti, compileSpec } from './message.js';
export type { FieldMap, FieldValue } from './field.js';
export type { CompositeSpec, DataEncoding, FieldSpec, FieldType, LengthPrefix, MessageSpec, PrefixEncoding } from './spec.js';
export { parseSpecJson, specFromJson, SpecError } from './json-spec.js';
import { defaultSpec } from './specs/default.js';
import { iso87ascii, iso87binary, iso93ascii, iso93binary } from './specs/layouts.js';
import type { MessageSpec } from './spec.js';

/** The built-in specs by name. */
export const specs = { default: defaultSpec, iso87ascii, iso87binary, iso93ascii, iso93binary } as const satisfies Record<string, MessageSpec>;
export type SpecName = keyof typeof specs;

export function isSpecName(name: string): name is SpecName {
  return Object.hasOwn(specs, name);
}
