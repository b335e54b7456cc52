/**
 * signac's filter language (as of signac 2.4), compiled to fast predicates.
 *
 * A filter is a JSON object. Its keys name values in a job's state point
 * (`a`, `sp.a`, `a.b` for nested values) or its document (`doc.a`); its
 * values are either a plain value (equality) or an object of operators:
 *
 * ```json
 * {"T": {"$gte": 1.0, "$lt": 3}, "doc.done": true, "$or": [{"p": 1}, {"p": 2}]}
 * ```
 *
 * Rules, and where they differ from signac on purpose:
 *
 * - Keys without a `sp.` or `doc.` prefix mean the state point. A nested
 *   object without operator keys is flattened (`{"a": {"b": 1}}` means
 *   `{"a.b": 1}`), so it matches by its keys, not as a whole; a key may also
 *   end in an operator (`{"a.$gt": 1}`), as in signac.
 * - Numbers compare by value across int, float and big int: `{"a": 1}`
 *   matches `1`, `1.0` and the big int 1, exactly (no rounding of big ints).
 * - Booleans are not numbers: `true` never equals `1`, and `$gt` never
 *   compares a boolean with a number. (In Python `True == 1`, so signac
 *   matches `{"a": true}` against `a = 1`; that is an accident of hashing we
 *   do not copy.) `$type: "int"` therefore does not match booleans either.
 * - Operators other than `$exists` never match a missing key, as in signac,
 *   whose search index only holds jobs that have the key: `$ne` and `$nin`
 *   are false where the key is missing (MongoDB would say true). Use
 *   `{"$not": {"a": 1}}` to include jobs without `a`.
 * - A comparison between values of different kinds (a string against a
 *   number, anything against `null`) is false, never an error; signac raises
 *   Python's `TypeError` there.
 * - `$eq`, `$in` and `$nin` compare lists and objects deeply; signac cannot
 *   compare objects and never finds a list with `$in`.
 * - `$regex` uses JavaScript regular expressions, searched unanchored
 *   (Python's `re.search`); it matches strings only.
 * - `$and`, `$or` and `$not` work at the top level, inside each other, and
 *   under a key, where they apply to that key's value:
 *   `{"a": {"$not": {"$gt": 1}}}`, `{"a": {"$or": [1, {"$gt": 5}]}}`.
 * - `$where` (signac evaluates Python code) is rejected.
 *
 * Filters are checked once, by {@link compileFilter}, which throws a
 * {@link QueryError} with a one-line message; the predicate it returns never
 * throws.
 *
 * @module
 */

import { closest } from "../suggest.ts";
import { oneLine, UsageError } from "../errors.ts";
import { compareCodePoints, dumps } from "./json.ts";
import { isJsonObject, type JsonObject, type JsonValue, PyFloat } from "./value.ts";

/**
 * A filter: a JSON object of keys and values or operator expressions.
 *
 * @example
 * ```ts
 * import type { Filter } from "./query.ts";
 * const f: Filter = { T: { $gt: 1 }, "doc.done": true };
 * ```
 */
export type Filter = JsonObject;

/**
 * What a filter is matched against: a job's state point and, when the filter
 * uses `doc.` keys, its document (a missing `doc` counts as an empty one).
 *
 * @example
 * ```ts
 * import type { QueryRecord } from "./query.ts";
 * const r: QueryRecord = { sp: { T: 1 }, doc: { done: true } };
 * ```
 */
export interface QueryRecord {
  /** The state point. */
  readonly sp: JsonObject;
  /** The job document; needed only when the filter uses `doc.` keys. */
  readonly doc?: JsonObject;
}

/**
 * A compiled filter: call it on a record to test it.
 *
 * @example
 * ```ts
 * import { compileFilter } from "./query.ts";
 * const f = compileFilter({ "doc.done": true });
 * console.log(f.usesDoc, f({ sp: {}, doc: { done: true } })); // true true
 * ```
 */
export interface CompiledFilter {
  /** True if the record matches the filter. Never throws. */
  (record: QueryRecord): boolean;
  /** True if the filter reads the document (any `doc` key). */
  readonly usesDoc: boolean;
}

/**
 * A filter is malformed: an unknown operator, an argument of the wrong kind,
 * an invalid regular expression.
 *
 * @example
 * ```ts
 * import { compileFilter, QueryError } from "./query.ts";
 * try {
 *   compileFilter({ a: { $gtt: 1 } });
 * } catch (e) {
 *   if (e instanceof QueryError) console.log(e.message); // unknown operator '$gtt' ... '$gt'?)
 * }
 * ```
 */
export class QueryError extends UsageError {
  /** Creates the error; control characters of quoted keys are escaped, so it is one line. */
  constructor(message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
  }
}

/**
 * Checks a filter once and returns a fast predicate for it.
 *
 * `undefined`, `null` and `{}` match every record.
 *
 * @throws {QueryError} if the filter is malformed.
 * @example
 * ```ts
 * import { compileFilter } from "./query.ts";
 * import { float } from "./value.ts";
 * const hot = compileFilter({ T: { $gte: 2 }, "doc.done": { $ne: true } });
 * console.log(hot({ sp: { T: float(2) }, doc: { done: false } })); // true
 * ```
 */
export function compileFilter(filter: unknown): CompiledFilter {
  const ctx: Context = { usesDoc: false };
  const pred: Pred = filter === undefined || filter === null
    ? () => true
    : compileFilterObject(filter, ctx, "a filter");
  const compiled = ((record: QueryRecord) => pred(record)) as CompiledFilter;
  Object.defineProperty(compiled, "usesDoc", { value: ctx.usesDoc, enumerable: true });
  return compiled;
}

/**
 * Tests one record against a filter. Compiles the filter on every call: use
 * {@link compileFilter} to test many records.
 *
 * @throws {QueryError} if the filter is malformed.
 * @example
 * ```ts
 * import { matches } from "./query.ts";
 * console.log(matches({ a: { $in: [1, 2] } }, { sp: { a: 2 } })); // true
 * ```
 */
export function matches(filter: unknown, record: QueryRecord): boolean {
  return compileFilter(filter)(record);
}

/**
 * True if the filter reads job documents (any key under `doc`), so that a
 * caller can skip reading documents otherwise.
 *
 * @throws {QueryError} if the filter is malformed.
 * @example
 * ```ts
 * import { filterUsesDoc } from "./query.ts";
 * console.log(filterUsesDoc({ a: 1 }), filterUsesDoc({ $not: { "doc.x": 1 } })); // false true
 * ```
 */
export function filterUsesDoc(filter: unknown): boolean {
  return compileFilter(filter).usesDoc;
}

// ---------------------------------------------------------------------------
// Compilation

interface Context {
  usesDoc: boolean;
}

/** Stands for a key path that does not resolve. */
const MISSING: unique symbol = Symbol("missing");
type Slot = JsonValue | typeof MISSING;
type Pred = (r: QueryRecord) => boolean;
type ValuePred = (v: Slot) => boolean;

const VALUE_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$regex",
  "$exists",
  "$type",
  "$near",
] as const;
const LOGICAL_OPERATORS = ["$and", "$or", "$not"] as const;
const OPERATORS: readonly string[] = [...VALUE_OPERATORS, ...LOGICAL_OPERATORS];

const TYPE_NAMES = ["int", "float", "bool", "str", "list", "dict", "null"] as const;

/** A whole filter (top level, or an item of a top-level `$and`/`$or`/`$not`). */
function compileFilterObject(expr: unknown, ctx: Context, what: string): Pred {
  if (!isJsonObject(expr)) {
    throw new QueryError(`${what} must be a JSON object, got ${describe(expr)}`);
  }
  const preds: Pred[] = [];
  for (const key of Object.keys(expr)) {
    const value = expr[key];
    if (key === "$and" || key === "$or") {
      const items = logicalItems(key, value, "");
      const parts = items.map((item) =>
        compileFilterObject(item, ctx, `each item of '${key}' in a filter`)
      );
      preds.push(key === "$and" ? allOf(parts) : anyOf(parts));
    } else if (key === "$not") {
      preds.push(negate(compileFilterObject(value, ctx, "the argument of '$not'")));
    } else if (key.startsWith("$")) {
      checkKnownOperator(key);
      throw new QueryError(
        `operator '${key}' must be applied to a key, as in {"a": {"${key}": ...}}`,
      );
    } else {
      preds.push(compileKey([], key, value, ctx, true));
    }
  }
  return allOf(preds);
}

/** One `key: value` entry below `base` (the top level when `root`). */
function compileKey(
  base: string[],
  key: string,
  value: unknown,
  ctx: Context,
  root: boolean,
): Pred {
  let segs = key.split(".");
  if (root && segs[0] !== "sp" && segs[0] !== "doc") segs = ["sp", ...segs];
  const opAt = segs.findIndex((s) => s.startsWith("$"));
  if (opAt < 0) return compileAt([...base, ...segs], value, ctx);
  const op = segs[opAt];
  if (opAt !== segs.length - 1) {
    throw new QueryError(`operator '${op}' must come last in the key '${key}'`);
  }
  checkKnownOperator(op);
  const expr: JsonObject = {};
  expr[op] = value as JsonValue;
  return compileAt([...base, ...segs.slice(0, -1)], expr, ctx);
}

/** A value expression (plain value, operators, nested keys) for the value at `path`. */
function compileAt(path: string[], expr: unknown, ctx: Context): Pred {
  if (path[0] === "doc") ctx.usesDoc = true;
  const label = path.join(".");
  if (!isJsonObject(expr) || isEmpty(expr)) return bindPath(path, compileEq(expr, label));
  const valuePreds: ValuePred[] = [];
  const preds: Pred[] = [];
  for (const key of Object.keys(expr)) {
    const value = expr[key];
    if (key === "$and" || key === "$or") {
      const parts = logicalItems(key, value, label).map((item) => compileAt(path, item, ctx));
      preds.push(key === "$and" ? allOf(parts) : anyOf(parts));
    } else if (key === "$not") {
      preds.push(negate(compileAt(path, value, ctx)));
    } else if (key.startsWith("$")) {
      valuePreds.push(compileOperator(key, value, label));
    } else {
      preds.push(compileKey(path, key, value, ctx, false));
    }
  }
  if (valuePreds.length > 0) preds.unshift(bindPath(path, allValues(valuePreds)));
  return allOf(preds);
}

function logicalItems(op: string, value: unknown, label: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new QueryError(
      `'${op}' expects a non-empty list of filters, got ${describe(value)}${at(label)}`,
    );
  }
  return value;
}

function compileOperator(op: string, arg: unknown, label: string): ValuePred {
  switch (op) {
    case "$eq":
      return compileEq(arg, label);
    case "$ne": {
      const eq = compileEq(arg, label);
      return (v) => v !== MISSING && !eq(v);
    }
    case "$gt":
      return compileOrder(op, arg, label, (c) => c > 0);
    case "$gte":
      return compileOrder(op, arg, label, (c) => c >= 0);
    case "$lt":
      return compileOrder(op, arg, label, (c) => c < 0);
    case "$lte":
      return compileOrder(op, arg, label, (c) => c <= 0);
    case "$in":
      return compileIn(op, arg, label);
    case "$nin": {
      const isIn = compileIn(op, arg, label);
      return (v) => v !== MISSING && !isIn(v);
    }
    case "$regex":
      return compileRegex(arg, label);
    case "$exists":
      if (typeof arg !== "boolean") {
        throw new QueryError(`'$exists' expects true or false, got ${describe(arg)}${at(label)}`);
      }
      return arg ? (v) => v !== MISSING : (v) => v === MISSING;
    case "$type":
      return compileType(arg, label);
    case "$near":
      return compileNear(arg, label);
    case "$where":
      throw new QueryError(`'$where' is not supported (signac evaluates it as Python code)`);
    default:
      checkKnownOperator(op);
      throw new QueryError(`operator '${op}' cannot be used here${at(label)}`);
  }
}

function checkKnownOperator(op: string): void {
  if (OPERATORS.includes(op) || op === "$where") return;
  const hint = suggest(op);
  throw new QueryError(
    `unknown operator '${op}' in filter` + (hint ? ` (did you mean '${hint}'?)` : ""),
  );
}

// ---------------------------------------------------------------------------
// Key paths

const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
const EMPTY: JsonObject = Object.freeze({}) as JsonObject;

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

function child(o: JsonObject, k: string, proto: boolean): Slot {
  if (proto) return Object.hasOwn(o, k) ? o[k] : MISSING;
  const x = o[k];
  return x === undefined ? MISSING : x;
}

/** Binds a value predicate to the value found at `path` (`["sp" | "doc", ...keys]`). */
function bindPath(path: string[], vp: ValuePred): Pred {
  const doc = path[0] === "doc";
  const keys = path.slice(1);
  const protos = keys.map((k) => PROTO_KEYS.has(k));
  const top = doc ? (r: QueryRecord): JsonObject => r.doc ?? EMPTY : (r: QueryRecord) => r.sp;
  if (keys.length === 0) return (r) => vp(top(r));
  if (keys.length === 1) {
    const [k] = keys;
    const p = protos[0];
    if (!doc && !p) {
      return (r) => {
        const x = r.sp[k];
        return vp(x === undefined ? MISSING : x);
      };
    }
    return (r) => vp(child(top(r), k, p));
  }
  return (r) => {
    let v: Slot = top(r);
    for (let i = 0; i < keys.length; i++) {
      if (!isObj(v)) return vp(MISSING);
      v = child(v, keys[i], protos[i]);
    }
    return vp(v);
  };
}

// ---------------------------------------------------------------------------
// Combinators

function allOf(preds: Pred[]): Pred {
  switch (preds.length) {
    case 0:
      return () => true;
    case 1:
      return preds[0];
    case 2: {
      const [a, b] = preds;
      return (r) => a(r) && b(r);
    }
    default:
      return (r) => {
        for (const p of preds) if (!p(r)) return false;
        return true;
      };
  }
}

function anyOf(preds: Pred[]): Pred {
  if (preds.length === 1) return preds[0];
  return (r) => {
    for (const p of preds) if (p(r)) return true;
    return false;
  };
}

function allValues(preds: ValuePred[]): ValuePred {
  if (preds.length === 1) return preds[0];
  return (v) => {
    for (const p of preds) if (!p(v)) return false;
    return true;
  };
}

function negate(p: Pred): Pred {
  return (r) => !p(r);
}

// ---------------------------------------------------------------------------
// Equality

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Checks that a filter argument is a JSON value of this project's value model. */
function checkValue(v: unknown, label: string, depth = 0): JsonValue {
  if (
    v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "number" ||
    typeof v === "bigint" || v instanceof PyFloat
  ) return v;
  if (depth < 1000 && Array.isArray(v)) {
    for (const x of v) checkValue(x, label, depth + 1);
    return v;
  }
  if (depth < 1000 && isJsonObject(v)) {
    for (const k of Object.keys(v)) checkValue(v[k], label, depth + 1);
    return v;
  }
  throw new QueryError(`unsupported value ${describe(v)} in filter${at(label)}`);
}

/**
 * A number as one canonical JS value per mathematical value: integers beyond
 * the safe range become bigints, safe bigints become numbers, so that `===`
 * (and `Set`) compare numbers exactly. NaN stays NaN and equals nothing.
 */
function canonNumber(v: number | bigint | PyFloat): number | bigint {
  if (typeof v === "bigint") return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
  const n = typeof v === "number" ? v : v.value;
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? BigInt(n) : n;
}

function isNum(v: unknown): v is number | bigint | PyFloat {
  return typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat;
}

/** Deep equality with the numeric rule; booleans are not numbers. */
function equalValues(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return typeof a !== "number" || !Number.isNaN(a);
  if (isNum(a)) return isNum(b) && canonNumber(a) === canonNumber(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalValues(a[i], b[i])) return false;
    return true;
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const k of keys) if (!Object.hasOwn(b, k) || !equalValues(a[k], b[k])) return false;
    return true;
  }
  return false;
}

function compileEq(arg: unknown, label: string): ValuePred {
  const a = checkValue(arg, label);
  if (typeof a === "string" || typeof a === "boolean" || a === null) return (v) => v === a;
  if (isNum(a)) {
    const c = canonNumber(a);
    if (typeof c === "bigint") {
      return (v) => isNum(v) && canonNumber(v) === c;
    }
    if (Number.isNaN(c)) return () => false;
    return (v) =>
      typeof v === "number"
        ? v === c
        : v instanceof PyFloat
        ? v.value === c
        : typeof v === "bigint" && canonNumber(v) === c;
  }
  return (v) => v !== MISSING && equalValues(a, v);
}

function compileIn(op: string, arg: unknown, label: string): ValuePred {
  if (!Array.isArray(arg)) {
    throw new QueryError(`'${op}' expects a list, got ${describe(arg)}${at(label)}`);
  }
  const scalars = new Set<unknown>();
  const others: JsonValue[] = [];
  for (const x of arg) {
    const v = checkValue(x, label);
    if (isNum(v)) {
      const c = canonNumber(v);
      if (!(typeof c === "number" && Number.isNaN(c))) scalars.add(c);
    } else if (v === null || typeof v !== "object") scalars.add(v);
    else others.push(v);
  }
  return (v) => {
    if (v === MISSING) return false;
    if (typeof v !== "object" || v === null) {
      return scalars.has(typeof v === "number" || typeof v === "bigint" ? canonNumber(v) : v);
    }
    if (v instanceof PyFloat) return scalars.has(canonNumber(v));
    for (const o of others) if (equalValues(o, v)) return true;
    return false;
  };
}

// ---------------------------------------------------------------------------
// Ordering

function numCompare(x: number | bigint, y: number | bigint): number {
  // Relational operators between number and bigint compare mathematical values exactly.
  return x < y ? -1 : x > y ? 1 : isNaNumber(x) || isNaNumber(y) ? NaN : 0;
}

function isNaNumber(x: number | bigint): boolean {
  return typeof x === "number" && Number.isNaN(x);
}

function strCompare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Orders two values as Python does for the kinds it can order (numbers,
 * strings, booleans among themselves, lists lexicographically); NaN where
 * they cannot be ordered.
 */
function compareValues(a: JsonValue, b: JsonValue): number {
  if (isNum(a)) return isNum(b) ? numCompare(plainNumber(a), plainNumber(b)) : NaN;
  if (typeof a === "string") return typeof b === "string" ? compareCodePoints(a, b) : NaN;
  if (typeof a === "boolean") return typeof b === "boolean" ? Number(a) - Number(b) : NaN;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!equalValues(a[i], b[i])) return compareValues(a[i], b[i]);
    }
    return a.length - b.length;
  }
  return NaN;
}

function plainNumber(v: number | bigint | PyFloat): number | bigint {
  return v instanceof PyFloat ? v.value : v;
}

function compileOrder(
  op: string,
  arg: unknown,
  label: string,
  test: (c: number) => boolean,
): ValuePred {
  if (isNum(arg)) {
    const a = plainNumber(arg);
    return (v) =>
      typeof v === "number" || typeof v === "bigint"
        ? test(numCompare(v, a))
        : v instanceof PyFloat && test(numCompare(v.value, a));
  }
  if (typeof arg === "string") {
    // Native comparison orders UTF-16 code units; Python orders code points. They agree
    // unless the argument holds a surrogate or a code unit above it.
    const cmp = /[\ud800-\uffff]/.test(arg) ? compareCodePoints : strCompare;
    return (v) => typeof v === "string" && test(cmp(v, arg));
  }
  if (typeof arg === "boolean") {
    const a = Number(arg);
    return (v) => typeof v === "boolean" && test(Number(v) - a);
  }
  if (Array.isArray(arg)) {
    const a = checkValue(arg, label);
    return (v) => Array.isArray(v) && test(compareValues(v, a));
  }
  throw new QueryError(
    `'${op}' expects a number, string, boolean or list, got ${describe(arg)}${at(label)}`,
  );
}

// ---------------------------------------------------------------------------
// $regex, $type, $near

function compileRegex(arg: unknown, label: string): ValuePred {
  if (typeof arg !== "string") {
    throw new QueryError(`'$regex' expects a string, got ${describe(arg)}${at(label)}`);
  }
  let re: RegExp;
  try {
    re = new RegExp(arg, "u");
  } catch {
    try {
      // Python accepts escapes such as `\-` or `\:` that Unicode mode rejects.
      re = new RegExp(arg);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new QueryError(`invalid regular expression in '$regex'${at(label)}: ${why}`);
    }
  }
  return (v) => typeof v === "string" && re.test(v);
}

function compileType(arg: unknown, label: string): ValuePred {
  switch (arg) {
    case "int":
      return (v) => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
    case "float":
      return (v) => v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
    case "bool":
      return (v) => typeof v === "boolean";
    case "str":
      return (v) => typeof v === "string";
    case "list":
      return (v) => Array.isArray(v);
    case "dict":
      return (v) => isObj(v);
    case "null":
      return (v) => v === null;
    default:
      throw new QueryError(
        `'$type' expects one of ${TYPE_NAMES.join(", ")}, got ${describe(arg)}${at(label)}`,
      );
  }
}

function compileNear(arg: unknown, label: string): ValuePred {
  const parts = Array.isArray(arg) ? arg : [arg];
  const ok = parts.length >= 1 && parts.length <= 3 && parts.every(isNum);
  const nums = ok ? parts.map((x) => Number(plainNumber(x as number | bigint | PyFloat))) : [];
  const [target, relTol = 1e-9, absTol = 0] = nums;
  if (!ok || !(relTol >= 0) || !(absTol >= 0)) {
    throw new QueryError(
      `'$near' expects a number or a list [value, rel_tol, abs_tol] of 1 to 3 numbers ` +
        `with non-negative tolerances, got ${describe(arg)}${at(label)}`,
    );
  }
  return (v) =>
    typeof v === "number"
      ? isClose(v, target, relTol, absTol)
      : (typeof v === "bigint" || v instanceof PyFloat) &&
        isClose(Number(plainNumber(v)), target, relTol, absTol);
}

/** Python's `math.isclose`. */
function isClose(a: number, b: number, relTol: number, absTol: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(b - a);
  return diff <= Math.abs(relTol * b) || diff <= Math.abs(relTol * a) || diff <= absTol;
}

// ---------------------------------------------------------------------------
// Messages

function isEmpty(o: JsonObject): boolean {
  return Object.keys(o).length === 0;
}

function at(label: string): string {
  return label ? ` (at '${label}')` : "";
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  let text: string;
  try {
    text = dumps(v as JsonValue);
  } catch {
    text = typeof v === "object" ? Object.prototype.toString.call(v) : String(v);
  }
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

/** The known operator closest to `op`, if any. */
function suggest(op: string): string | undefined {
  return closest(op, OPERATORS);
}
