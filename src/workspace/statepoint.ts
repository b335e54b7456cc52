/**
 * State points: validation and job ids identical to signac 2.x.
 *
 * @module
 */

import { md5Hex } from "../_md5.ts";
import { UsageError } from "../errors.ts";
import { dumps } from "./json.ts";
import { isJsonObject, type JsonObject, type JsonValue, PyFloat } from "./value.ts";

/**
 * A state point is not a valid JSON object of the allowed kinds.
 *
 * @example
 * ```ts
 * import { StatePointError, validateStatePoint } from "./statepoint.ts";
 * try { validateStatePoint({ "a.b": 1 }); } catch (e) { console.log(e instanceof StatePointError); }
 * ```
 */
export class StatePointError extends UsageError {}

/**
 * Computes the job id of a state point exactly as signac 2.x does:
 * the md5 hex digest of `json.dumps(sp, sort_keys=True)`.
 *
 * @example
 * ```ts
 * import { calcId } from "./statepoint.ts";
 * console.log(calcId({ a: 1 })); // 42b7b4f2921788ea14dac5566e6f06d0
 * ```
 */
export function calcId(sp: JsonObject): string {
  return md5Hex(dumps(sp, { sortKeys: true }));
}

/**
 * Checks that a value is a valid state point and returns a normalised deep
 * copy of it: a plain object whose keys contain no `.`, whose values are
 * JSON values (numbers, bigints, {@link PyFloat}s, strings, booleans, null,
 * arrays and objects). Bigints within the safe range become numbers.
 *
 * @throws {StatePointError} naming the offending key path.
 * @example
 * ```ts
 * import { validateStatePoint } from "./statepoint.ts";
 * const sp = validateStatePoint({ T: 1.5, seed: 3n }); // { T: 1.5, seed: 3 }
 * ```
 */
export function validateStatePoint(value: unknown): JsonObject {
  if (!isJsonObject(value)) {
    throw new StatePointError(`a state point must be a JSON object, not ${describe(value)}`);
  }
  return normalise(value, "") as JsonObject;
}

/**
 * Validates and normalises any JSON value (as in a document), allowing dotted keys.
 *
 * @example
 * ```ts
 * import { validateJsonValue } from "./statepoint.ts";
 * validateJsonValue({ "a.b": [1, 2] });
 * ```
 */
export function validateJsonValue(value: unknown): JsonValue {
  return normalise(value, "", false);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function normalise(v: unknown, path: string, noDots = true): JsonValue {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
  if (v instanceof PyFloat) return v;
  if (Array.isArray(v)) return v.map((x, i) => normalise(x, `${path}[${i}]`, noDots));
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (noDots && k.includes(".")) {
        throw new StatePointError(
          `state point key '${p}' contains '.', which signac does not allow`,
        );
      }
      if (x === undefined) throw new StatePointError(`state point key '${p}' is undefined`);
      Object.defineProperty(out, k, {
        value: normalise(x, p, noDots),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  throw new StatePointError(`${path ? `'${path}'` : "value"} is ${describe(v)}, not a JSON value`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return `an object of type ${v.constructor?.name ?? "unknown"}`;
  return `a ${typeof v}`;
}
