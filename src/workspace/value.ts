/**
 * The value model of state points and documents.
 *
 * JSON as Python writes it distinguishes integers from floats (`1` and `1.0`
 * hash to different job ids) and has integers of any size. JavaScript numbers
 * do neither, so values read or written by this project use:
 *
 * - `number` holding an integer: a Python `int`;
 * - `number` holding a non-integer, `NaN` or an infinity: a Python `float`;
 * - {@link PyFloat}: a Python `float` whose value is integral (`1.0`, `1e16`, `-0.0`);
 * - `bigint`: an integer outside JavaScript's safe range (beyond 2^53);
 * - strings, booleans, `null`, arrays and plain objects as usual.
 *
 * @module
 */

/**
 * A float whose value happens to be integral, such as `1.0` or `1e+16`.
 *
 * It behaves like a number in arithmetic (`valueOf`), and is kept apart from
 * the integer of the same value when job ids are computed.
 *
 * @example
 * ```ts
 * import { float, PyFloat } from "./value.ts";
 * const t = float(1);
 * console.log(t instanceof PyFloat, +t * 2); // true 2
 * ```
 */
export class PyFloat {
  /** The numeric value. */
  readonly value: number;
  /** Wraps a number as a float. */
  constructor(value: number) {
    this.value = value;
    Object.freeze(this);
  }
  /** The numeric value, so that `+x`, `x * 2` and comparisons work. */
  valueOf(): number {
    return this.value;
  }
  /** Python's `repr` of the float, e.g. `1.0` or `1e+16`. */
  toString(): string {
    return pyFloatRepr(this.value);
  }
  /** Serialises as the plain number in `JSON.stringify` (use `dumps` to keep the type). */
  toJSON(): number {
    return this.value;
  }
}

/** A JSON value as Python reads and writes it; see the module documentation. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | JsonValue[]
  | JsonObject;

/** A JSON object (a state point or a document). */
export interface JsonObject {
  /** Any key maps to a JSON value. */
  [key: string]: JsonValue;
}

/**
 * Marks a number as a float, so that `float(1)` hashes like Python's `1.0`.
 *
 * JavaScript cannot tell `1.0` from `1`, so a state point written in
 * TypeScript as `{ T: 1.0 }` means the *integer* 1; write `{ T: float(1) }`
 * for the float. Non-integral numbers are floats already and are returned as
 * they are.
 *
 * @example
 * ```ts
 * import { float } from "./value.ts";
 * const sp = { T: float(1), p: 0.5 }; // T is 1.0 in Python terms
 * ```
 */
export function float(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

/**
 * True if the value is a Python float (a non-integral number or a {@link PyFloat}).
 *
 * @example
 * ```ts
 * import { float, isFloat } from "./value.ts";
 * console.log(isFloat(0.5), isFloat(float(2)), isFloat(2)); // true true false
 * ```
 */
export function isFloat(v: unknown): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}

/**
 * True if the value is a Python int (an integral number or a bigint).
 *
 * @example
 * ```ts
 * import { isInt } from "./value.ts";
 * console.log(isInt(3), isInt(2n ** 70n), isInt(0.5)); // true true false
 * ```
 */
export function isInt(v: unknown): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

/**
 * True for any Python number (int or float), but not for booleans.
 *
 * @example
 * ```ts
 * import { isNumeric } from "./value.ts";
 * console.log(isNumeric(1), isNumeric(true)); // true false
 * ```
 */
export function isNumeric(v: unknown): v is number | bigint | PyFloat {
  return typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat;
}

/**
 * True for a plain JSON object (not an array, not null, not a PyFloat).
 *
 * @example
 * ```ts
 * import { isJsonObject } from "./value.ts";
 * console.log(isJsonObject({ a: 1 }), isJsonObject([1])); // true false
 * ```
 */
export function isJsonObject(v: unknown): v is JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof PyFloat) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Python's `repr` of a float: JavaScript's shortest round-trip digits in
 * Python's layout (`1.0`, `1e-05`, `1e+16`, `-0.0`, `inf` as `Infinity` in JSON).
 *
 * @example
 * ```ts
 * import { pyFloatRepr } from "./value.ts";
 * console.log(pyFloatRepr(1), pyFloatRepr(1e-5), pyFloatRepr(1e16)); // 1.0 1e-05 1e+16
 * ```
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // Shortest round-trip digits and decimal exponent from JS's exponential form.
  const [mant, expText] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  // Python writes fixed notation for -4 <= exp < 16 (exp: decimal exponent of the first digit).
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length) + ".0";
    return sign + digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  }
  return sign + sci(digits, exp);
}

function sci(digits: string, exp: number): string {
  const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
  const e = Math.abs(exp);
  return mant + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" + e : String(e));
}

/**
 * Numeric value of an int or float as a JS number (bigints may lose precision).
 *
 * @example
 * ```ts
 * import { float, toNumber } from "./value.ts";
 * console.log(toNumber(float(2)) + toNumber(3n)); // 5
 * ```
 */
export function toNumber(v: number | bigint | PyFloat): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v.value;
}

/**
 * The value at a dotted key path (`"a.b"` is `obj.a.b`) of a JSON object, or
 * `undefined` where the path does not lead to a value.
 *
 * @example
 * ```ts
 * import { valueAt } from "./value.ts";
 * console.log(valueAt({ a: { b: 2 } }, "a.b"), valueAt({ a: 1 }, "a.b")); // 2 undefined
 * ```
 */
export function valueAt(obj: Readonly<JsonObject>, path: string): JsonValue | undefined {
  let v: JsonValue | undefined = obj as JsonObject;
  for (const part of path.split(".")) {
    if (!isJsonObject(v) || !Object.hasOwn(v, part)) return undefined;
    v = v[part];
  }
  return v;
}
