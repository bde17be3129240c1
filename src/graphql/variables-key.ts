/**
 * A key for a request's variables, for the caches that remember work per variables (the
 * response cache, the complexity memo). Big variables get no key: building and hashing one costs
 * more than the work it would save (load/BASELINE.md), no screen repeats such a request, and a
 * cache must not hold a megabyte key per entry.
 */

/** Values (scalars, objects, arrays) past which variables get no key. */
export const MAX_KEYED_VALUES = 2_000;
/** Characters past which variables get no key. */
export const MAX_KEY_CHARS = 16 * 1024;

/**
 * JSON with object keys sorted, so `{a,b}` and `{b,a}` variables share a key; undefined past
 * `maxValues` values or `maxChars` characters. Recursion is bounded: variables nest at most
 * MAX_JSON_DEPTH levels (variables-guard.ts runs first).
 */
export function stableJson(
  value: unknown,
  maxValues = MAX_KEYED_VALUES,
  maxChars = MAX_KEY_CHARS,
): string | undefined {
  return encode(value, { values: maxValues, chars: maxChars });
}

interface Budget {
  values: number;
  chars: number;
}

function encode(value: unknown, budget: Budget): string | undefined {
  if (--budget.values < 0) return undefined;
  if (value === null || typeof value !== 'object') {
    // A long string is refused by its length, before it is copied into JSON.
    if (typeof value === 'string' && value.length > budget.chars) return undefined;
    const text = JSON.stringify(value) ?? 'null';
    budget.chars -= text.length;
    return budget.chars < 0 ? undefined : text;
  }
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = encode(value[i], budget);
      if (item === undefined) return undefined;
      out += i === 0 ? item : `,${item}`;
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > budget.values) return undefined; // before sorting 20,000 keys for nothing
  keys.sort();
  out = '{';
  for (const key of keys) {
    if (record[key] === undefined) continue;
    if (key.length > budget.chars) return undefined;
    const item = encode(record[key], budget);
    if (item === undefined) return undefined;
    const name = JSON.stringify(key);
    budget.chars -= name.length + 2;
    if (budget.chars < 0) return undefined;
    out += `${out.length === 1 ? '' : ','}${name}:${item}`;
  }
  return `${out}}`;
}
