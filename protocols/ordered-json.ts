/**
 * JSON whose object keys keep the order they were written in. JavaScript objects list integer-like
 * keys ("82", "95", "00") first whatever the order they were added in, so JSON.stringify printed a
 * DE55 of 9F26 95 82 as 82 95 9F26, and JSON.parse of a hand-written DE55 packed it reordered.
 * Objects here carry their key order beside them (a WeakMap); the text in and out follows it.
 */
const keyOrders = new WeakMap<object, string[]>();

/** Records `keys` as the order of `object`'s keys (keys it lacks are skipped, keys it has but not listed come after). */
export function withKeyOrder<T extends object>(object: T, keys: string[]): T {
  keyOrders.set(object, keys);
  return object;
}

/** The keys of `object` in their recorded order, else in JavaScript's. */
export function orderedKeys(object: object): string[] {
  const own = Object.keys(object);
  const order = keyOrders.get(object);
  if (!order) return own;
  const keys = order.filter((key) => Object.hasOwn(object, key));
  for (const key of own) if (!keys.includes(key)) keys.push(key);
  return keys;
}

/** JSON.stringify(value, null, indent) with each object's keys in their recorded order. */
export function stringifyOrdered(value: unknown, indent = 2): string {
  // Integer-like keys cannot be ordered inside an object: every object becomes its entries, written by hand.
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
    return new Ordered(orderedKeys(v).map((key) => [key, walk((v as Record<string, unknown>)[key])]));
  };
  return write(walk(value), indent, '');
}

class Ordered {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

function write(value: unknown, indent: number, pad: string): string {
  const inner = pad + ' '.repeat(indent);
  if (Array.isArray(value)) return value.length ? `[\n${value.map((v) => inner + write(v, indent, inner)).join(',\n')}\n${pad}]` : '[]';
  if (!(value instanceof Ordered)) return JSON.stringify(value) ?? 'null';
  const entries = value.entries.filter(([, v]) => v !== undefined);
  if (!entries.length) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, indent, inner)}`).join(',\n')}\n${pad}}`;
}

/**
 * JSON.parse, with every object's key order recorded as written. Keys are numbered in the text
 * before parsing (a string followed by `:` is a key), then the numbers give the order and are removed.
 */
export function parseOrdered(text: string): unknown {
  let n = 0;
  let out = '';
  let at = 0;
  const prefix = (i: number) => `\u0000${i}\u0000`;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') continue;
    let end = i + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    let next = end + 1;
    while (next < text.length && /\s/.test(text[next]!)) next++;
    if (text[next] === ':') {
      out += `${text.slice(at, i + 1)}${JSON.stringify(prefix(n++)).slice(1, -1)}`;
      at = i + 1;
    }
    i = end;
  }
  const parsed: unknown = JSON.parse(out + text.slice(at));
  const restore = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(restore);
    if (!v || typeof v !== 'object') return v;
    const entries = Object.entries(v)
      .map(([key, sub]) => {
        const match = /^\u0000(\d+)\u0000/.exec(key)!;
        return { index: Number(match[1]), key: key.slice(match[0].length), sub: restore(sub) };
      })
      .sort((a, b) => a.index - b.index);
    const object: Record<string, unknown> = {};
    for (const { key, sub } of entries) object[key] = sub; // a repeated key: the last one, as JSON.parse
    return withKeyOrder(object, [...new Set(entries.map((e) => e.key))]);
  };
  return restore(parsed);
}
