/**
 * Strict validation of directive values: unknown names, wrong types and
 * out-of-range values are errors (signac-flow would silently turn `np: 2.7`
 * into 2), and every message starts with the context it was found in.
 *
 * @module
 */

import { closest } from "../suggest.ts";
import { DirectiveError } from "./error.ts";
import {
  DIRECTIVE_NAMES,
  type DirectiveInfo,
  DIRECTIVES,
  isDirectiveName,
  type ResolvedDirectives,
} from "./schema.ts";
import { parseMemory, parseWalltime } from "./units.ts";

/**
 * Throws a {@link DirectiveError} for the first key of `spec` that is not a
 * directive, suggesting the closest name when one is close:
 * `unknown directive 'ngpus' (did you mean 'ngpu'?)`. Values are not looked
 * at, so this can run when an operation or group is defined, before any job
 * is known.
 *
 * @param context prefixed to messages, e.g. `operation 'op1' in group 'ex'`
 * @example
 * ```ts
 * import { checkDirectiveNames } from "./validate.ts";
 * checkDirectiveNames({ np: 2, walltime: (job: unknown) => 1 }, "operation 'op1'"); // passes
 * try {
 *   checkDirectiveNames({ ngpus: 1 }, "operation 'op1'");
 * } catch (e) {
 *   console.log((e as Error).message);
 *   // operation 'op1': unknown directive 'ngpus' (did you mean 'ngpu'?)
 * }
 * ```
 */
export function checkDirectiveNames(
  spec: Readonly<Record<string, unknown>>,
  context: string,
): void {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new DirectiveError(
      withContext(context, `directives must be an object, got ${describeValue(spec)}`),
    );
  }
  for (const key of Object.keys(spec)) {
    if (isDirectiveName(key)) continue;
    const suggestion = closest(key, DIRECTIVE_NAMES);
    const hint = suggestion === undefined ? "" : ` (did you mean '${suggestion}'?)`;
    throw new DirectiveError(withContext(context, `unknown directive '${key}'${hint}`));
  }
}

/**
 * Checks plain directive values (functions already called, see
 * `resolveDirectives`) and returns every directive in canonical units, with
 * defaults for those not given. `undefined` and `null` both mean "not given".
 *
 * After the per-directive checks, `np` is raised to
 * `max(np, max(1, nranks) * max(1, omp_num_threads))`, so that an MPI or
 * OpenMP operation always gets the cores it will use.
 *
 * @param raw directive values by name
 * @param context prefixed to messages, e.g. `operation 'op1' in group 'ex'`
 * @throws {DirectiveError} for an unknown name (see {@link checkDirectiveNames})
 *   or an invalid value: `directive 'np' must be an integer ≥ 1, got 2.7`.
 * @example
 * ```ts
 * import { validateDirectives } from "./validate.ts";
 * const d = validateDirectives({ nranks: 2, omp_num_threads: 3, memory: "512M" }, "operation 'a'");
 * console.log(d.np, d.memory, d.walltime); // 6 0.5 undefined
 * ```
 */
export function validateDirectives(
  raw: Readonly<Record<string, unknown>>,
  context: string,
): ResolvedDirectives {
  checkDirectiveNames(raw, context);
  const out: Record<string, unknown> = {};
  for (const name of DIRECTIVE_NAMES) {
    const info: DirectiveInfo = DIRECTIVES[name];
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined || value === null) {
      out[name] = info.default;
      continue;
    }
    const normalized = normalize(info, value);
    if (normalized === undefined) {
      throw new DirectiveError(
        withContext(
          context,
          `directive '${name}' must be ${info.expected}, got ${describeValue(value)}`,
        ),
      );
    }
    out[name] = normalized;
  }
  const d = out as unknown as ResolvedDirectives;
  // Our rule: np is never below the cores the launch will use. signac-flow
  // instead keeps any np ≠ 1 as given (np=2 with nranks=4 stays 2, under-
  // subscribing) and only computes nranks × omp_num_threads when np is 1.
  const cores = Math.max(1, d.nranks) * Math.max(1, d.omp_num_threads);
  if (!Number.isSafeInteger(cores)) {
    throw new DirectiveError(
      withContext(
        context,
        `directives 'nranks' × 'omp_num_threads' must be at most ${Number.MAX_SAFE_INTEGER}, ` +
          `got ${d.nranks} × ${d.omp_num_threads}`,
      ),
    );
  }
  const np = Math.max(d.np, cores);
  return Object.freeze({ ...d, np });
}

/**
 * The largest memory a directive may ask, in GB (1024 T: more than any node holds; a larger value
 * is a slip, and would be written into batch scripts as it is).
 */
export const MAX_MEMORY_GB = 1024 * 1024;

/** The longest wall time a directive may ask, in seconds (365 days; no batch system takes more). */
export const MAX_WALLTIME_SECONDS = 365 * 24 * 3600;

/** The value in canonical units, or undefined when it is not acceptable. */
function normalize(info: DirectiveInfo, value: unknown): unknown {
  const kind = info.kind;
  switch (kind.type) {
    case "integer": {
      const n = typeof value === "bigint" ? bigintToNumber(value) : value;
      return typeof n === "number" && Number.isSafeInteger(n) && n >= kind.min ? n + 0 : undefined;
    }
    case "fraction": {
      const n = typeof value === "bigint" ? bigintToNumber(value) : value;
      return typeof n === "number" && n > 0 && n <= 1 ? n : undefined;
    }
    case "memory":
    case "walltime": {
      const v = typeof value === "bigint" ? bigintToNumber(value) : value;
      if (typeof v !== "number" && typeof v !== "string") return undefined;
      if (kind.type === "memory") {
        const gb = parseMemory(v);
        return gb !== undefined && gb <= MAX_MEMORY_GB ? gb : undefined;
      }
      const seconds = parseWalltime(v);
      return seconds !== undefined && seconds <= MAX_WALLTIME_SECONDS ? seconds : undefined;
    }
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "command":
      return typeof value === "string" && value !== "" ? value : undefined;
  }
}

function bigintToNumber(v: bigint): number | undefined {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

function withContext(context: string, message: string): string {
  return context === "" ? message : `${context}: ${message}`;
}

/** Names a value and its type for an error message: `2.7`, `the string "4"`, `a function`. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case "number":
      return String(value);
    case "bigint":
      return String(value); // as the user wrote it: 9007199254740993, not 9007199254740993n
    case "string":
      return `the string ${JSON.stringify(value)}`;
    case "boolean":
      return `the boolean ${value}`;
    case "function":
      return "a function";
    case "undefined":
      return "undefined";
    case "symbol":
      return `the symbol ${String(value)}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Promise) return "a Promise (directive functions must not be async)";
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor !== "" && ctor !== "Object"
    ? `an object of class ${ctor}`
    : "an object";
}
