/**
 * fast-check arbitraries for the value model of `src/workspace/value.ts`:
 * JSON values as Python reads them (ints, big ints, floats including
 * integral ones, `-0.0`, NaN and the infinities), with hostile strings
 * (control characters, DEL, astral characters, lone surrogates) and keys
 * that name properties of `Object.prototype`.
 *
 * @module
 */

import { type Arbitrary, fc } from "../_fast_check.ts";
import { float, type JsonObject, type JsonValue } from "../../src/workspace/value.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Characters that need escaping or are otherwise awkward in JSON and in hashing. */
const AWKWARD = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  '"',
  "\\",
  "/",
  "\x7f",
  "\x80",
  "\u00e9",
  "\u2028",
  "\ufeff",
  "\uffff",
  "\ud83d\ude00",
];

/** One piece of a string: mostly printable ASCII, else awkward, any code point, or a lone surrogate. */
const piece: Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }), weight: 6 },
  { arbitrary: fc.constantFrom(...AWKWARD), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 2 },
  {
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    weight: 1,
  },
);

/** A string of up to `maxLength` pieces. */
export function hostileString(maxLength = 8): Arbitrary<string> {
  return fc.string({ unit: piece, maxLength });
}

/** Object keys: a small pool (so that keys collide), names of `Object.prototype`, hostile strings. */
export function objectKey(options: { dots?: boolean } = {}): Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom(
      "a",
      "b",
      "T",
      "seed",
      "",
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
    ),
    hostileString(6),
  );
  return options.dots
    ? fc.oneof(key, fc.constantFrom("a.b", ".", "x.y.z"))
    : key.filter((k) => !k.includes("."));
}

/** Python ints: small ints, any safe int, and big ints beyond 2^53 (as `bigint`). */
export const pyInt: Arbitrary<number | bigint> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0),
  fc.tuple(fc.boolean(), fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 256n })).map(([neg, b]) =>
    neg ? -b : b
  ),
);

/** Doubles whose Python `repr` is interesting (layout switches, extremes). */
const REPR_EDGES = [
  0.1,
  1e-4,
  1e-5,
  1e15,
  1e16,
  9999999999999998,
  1e21,
  1e22,
  123456789012345680,
  5e-324,
  2.2250738585072014e-308,
  1.7976931348623157e308,
];

/** Python floats: any double (NaN, ±Infinity, -0.0, subnormals, huge), integral ones as `PyFloat`. */
export const pyFloat: Arbitrary<JsonValue> = fc.oneof(
  fc.double(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(...REPR_EDGES, -0),
).map((x) => float(x));

/** Any JSON scalar of the value model. */
export const scalar: Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  pyInt,
  pyFloat,
  hostileString(),
);

/** Builds an object from entries as `parse` does (own properties, `__proto__` included). */
export function objectFrom(entries: readonly (readonly [string, JsonValue])[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** JSON values and objects nested up to a few levels; keys without dots unless `dots`. */
export function jsonArbitraries(
  options: { dots?: boolean; maxDepth?: number; scalars?: Arbitrary<JsonValue> } = {},
): { value: Arbitrary<JsonValue>; object: Arbitrary<JsonObject> } {
  const key = objectKey(options);
  const leaf = options.scalars ?? scalar;
  const tree = fc.letrec<{ value: JsonValue; array: JsonValue[]; object: JsonObject }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: options.maxDepth ?? 4 },
      leaf,
      tie("array"),
      tie("object"),
    ),
    array: fc.array(tie("value"), { maxLength: 4 }),
    object: fc.uniqueArray(fc.tuple(key, tie("value")), { selector: (e) => e[0], maxLength: 5 })
      .map(objectFrom),
  }));
  return { value: tree.value, object: tree.object };
}

/** State points: objects whose keys (at every level) contain no `.`. */
export const statePoint: Arbitrary<JsonObject> = jsonArbitraries().object;

/** Any JSON value of the value model (dotted keys allowed, as in documents). */
export const jsonValue: Arbitrary<JsonValue> = jsonArbitraries({ dots: true }).value;
