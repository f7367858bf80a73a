/** A JSON object as parsed input gives it: not null, not an array (both are typeof 'object'). */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
