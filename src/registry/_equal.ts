// Private helper: equality of JSON values where 1 == 1.0 == 1n.

import { isNumeric, type JsonValue, toNumber } from "../workspace/value.ts";

/** Deep equality of JSON values; numbers compare by value across int/float/bigint. */
export function valuesEqual(a: JsonValue, b: JsonValue): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === "bigint" && typeof b === "bigint") return a === b;
    return toNumber(a) === toNumber(b);
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => valuesEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b, k) &&
    valuesEqual((a as Record<string, JsonValue>)[k], (b as Record<string, JsonValue>)[k])
  );
}
