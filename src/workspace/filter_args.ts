/**
 * signac's command-line shorthand for filters (`signac find a 1 b.c /x/ doc.done true`).
 *
 * - No arguments: no filter (`undefined`).
 * - One argument starting with `{`: the whole filter, as JSON.
 * - Otherwise `key value` pairs; a trailing key without a value (or with the
 *   value `!`) means `{key: {"$exists": true}}`. Values are cast as signac
 *   casts them: `true`, `false`, `null`, then a Python int (`12`, `1_000`,
 *   big ones stay exact), then a Python float (`1.0` stays a float, `1e3`,
 *   `inf`, `nan`), else the string itself. A value `/re/` means
 *   `{"$regex": "re"}`; a value starting with `{` or `[` is JSON (so
 *   `a '{"$gt": 1}'` and `a '[1, 2]'` work).
 * - Keys keep their `sp.`/`doc.` prefixes and dots; the pairs are AND-ed.
 *
 * Differences from signac: a key given twice is an error (signac keeps the
 * last), and a value that starts with `{` or `[` but is not valid JSON is an
 * error (signac, which also wants the closing bracket, would search for the
 * string).
 *
 * @module
 */

import { oneLine, UsageError } from "../errors.ts";
import { JsonSyntaxError, parse } from "./json.ts";
import { type JsonObject, type JsonValue, PyFloat } from "./value.ts";

/**
 * Options of {@link parseFilterArgs}.
 *
 * @example
 * ```ts
 * import type { FilterArgsOptions } from "./filter_args.ts";
 * const options: FilterArgsOptions = { warn: (m) => console.error(m) };
 * ```
 */
export interface FilterArgsOptions {
  /** Called with a hint such as `did you mean true?` for the value `True` (kept a string). */
  warn?: (message: string) => void;
}

/**
 * Turns command-line filter arguments into a filter object, as `signac find` does.
 *
 * @returns the filter, or `undefined` when there are no arguments.
 * @throws {UsageError} for invalid JSON, a JSON key, an empty key, or a key given twice.
 * @example
 * ```ts
 * import { parseFilterArgs } from "./filter_args.ts";
 * parseFilterArgs(["a", "1", "b", "/^x/", "doc.done"]);
 * // { a: 1, b: { $regex: "^x" }, "doc.done": { $exists: true } }
 * parseFilterArgs(['{"a": {"$gt": 1.0}}']); // { a: { $gt: PyFloat(1) } }
 * ```
 */
export function parseFilterArgs(
  args: readonly string[],
  options: FilterArgsOptions = {},
): JsonObject | undefined {
  if (args.length === 0) return undefined;
  if (args.length === 1 && args[0].trimStart().startsWith("{")) {
    // Text starting with "{" parses to an object or not at all.
    return parseJson(args[0], "filter") as JsonObject;
  }
  const out: JsonObject = {};
  const seen = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    if (key === "") throw new UsageError("a filter key cannot be empty");
    if (looksLikeJson(key)) {
      throw new UsageError(
        oneLine(
          `a filter key cannot be JSON: '${key}' (give a whole filter as a single JSON argument)`,
        ),
      );
    }
    const canonical = key.startsWith("sp.") ? key.slice(3) : key;
    const before = seen.get(canonical);
    if (before !== undefined) {
      throw new UsageError(
        oneLine(
          before === key
            ? `filter key '${key}' is given twice`
            : `filter keys '${before}' and '${key}' name the same value`,
        ),
      );
    }
    seen.set(canonical, key);
    const value = i + 1 < args.length ? parseValue(key, args[i + 1], options) : { $exists: true };
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Casts one command-line value as signac does: `true`/`false`/`null`, a
 * Python int, a Python float, or the string itself.
 *
 * @example
 * ```ts
 * import { castValue } from "./filter_args.ts";
 * castValue("1"); // 1
 * castValue("1.0"); // PyFloat(1)
 * castValue("1_000"); // 1000
 * castValue("18446744073709551616"); // 18446744073709551616n
 * castValue("abc"); // "abc"
 * ```
 */
export function castValue(text: string): JsonValue {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  if (INT.test(text)) {
    const b = BigInt(text.trim().replaceAll("_", ""));
    return b > MAX_SAFE || b < -MAX_SAFE ? b : Number(b);
  }
  const m = FLOAT.exec(text);
  if (m) {
    const body = m[1].replaceAll("_", "").toLowerCase();
    const sign = body.startsWith("-") ? -1 : 1;
    const bare = body.replace(/^[+-]/, "");
    const x = bare === "nan" ? NaN : bare.startsWith("inf") ? sign * Infinity : Number(body);
    return Number.isInteger(x) ? new PyFloat(x) : x;
  }
  return text;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// Python's int() and float() grammars for base-10 text (surrounding whitespace allowed).
const DIGITS = String.raw`\d(?:_?\d)*`;
const INT = new RegExp(String.raw`^\s*[+-]?${DIGITS}\s*$`);
const FLOAT = new RegExp(
  String.raw`^\s*([+-]?(?:(?:${DIGITS}\.(?:${DIGITS})?|\.${DIGITS}|${DIGITS})` +
    String.raw`(?:[eE][+-]?${DIGITS})?|inf|infinity|nan))\s*$`,
  "i",
);

const HINTS: Record<string, string> = {
  True: "true",
  False: "false",
  None: "null",
  none: "null",
};

function parseValue(key: string, text: string, options: FilterArgsOptions): JsonValue {
  if (text === "!") return { $exists: true };
  if (looksLikeJson(text)) return parseJson(text, `value of '${key}'`);
  if (text.length >= 2 && text.startsWith("/") && text.endsWith("/")) {
    return { $regex: text.slice(1, -1) };
  }
  const hint = HINTS[text];
  if (hint !== undefined && Object.hasOwn(HINTS, text)) {
    options.warn?.(`did you mean ${hint}? '${text}' is taken as a string (in '${key}')`);
  }
  return castValue(text);
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("{") || t.startsWith("[");
}

function parseJson(text: string, source: string): JsonValue {
  try {
    return parse(text, source);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new UsageError(oneLine(e.message), { cause: e });
    throw e;
  }
}
