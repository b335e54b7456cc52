/**
 * Conditions: predicates of a job that gate operations (preconditions) and
 * tell when they are done (postconditions), and that define labels.
 *
 * A condition's `evaluate` may answer synchronously (the built-ins on files
 * and documents do) or with a promise (TypeScript functions, shell
 * conditions); the evaluator awaits only what needs awaiting.
 *
 * @module
 */

import { every } from "./_every.ts";
import type { Job } from "../workspace/job.ts";
import { type JsonObject, type JsonValue, PyFloat } from "../workspace/value.ts";
import { dumps } from "../workspace/json.ts";
import { valuesEqual } from "./_equal.ts";

/** What a condition may ask of the evaluator. */
export interface ConditionContext {
  /** True if every postcondition of operation `name` holds for the job (memoised). */
  postconditionsHold(name: string, job: Job): boolean | Promise<boolean>;
  /** Runs a shell condition in the job directory; true on exit status 0. */
  shell(command: string, job: Job): Promise<boolean>;
  /** Whether `name` is a regular file in the job directory (an evaluator may cache listings). */
  isFile?(job: Job, name: string): boolean;
  /** The job document (an evaluator may read it once per command). */
  document?(job: Job): JsonObject;
}

/**
 * A predicate of one job.
 *
 * @example
 * ```ts
 * import { isFile } from "./condition.ts";
 * const c = isFile("out.dat");
 * console.log(c.description); // isfile(out.dat)
 * ```
 */
export interface Condition {
  /** Human-readable form, used in messages and `--pretend` output. */
  readonly description: string;
  /** Identity for memoisation: two conditions with the same key always agree. */
  readonly key: string;
  /** Operations whose postconditions this condition reads (for `after`). */
  readonly after: readonly string[];
  /**
   * True if the value depends only on which regular files the job directory
   * holds and on the job document, so that the condition cache may keep it
   * (see `condition_cache.ts`).
   */
  readonly cacheable?: boolean;
  /**
   * True if evaluating it never reads the job's state point (the built-ins on
   * files, documents and `after` say so), so that a command may list jobs
   * without reading their state points. Absent: it may read it.
   */
  readonly ignoresStatePoint?: boolean;
  /**
   * True if evaluating it only combines results of other conditions that the
   * evaluator memoises (`after` reads the postconditions of operations), so
   * that it is not memoised itself: a map entry per job and condition cost
   * more than evaluating it again.
   */
  readonly derived?: boolean;
  /** Whether the condition holds for the job. */
  evaluate(job: Job, ctx: ConditionContext): boolean | Promise<boolean>;
}

/** A TypeScript condition function. */
export type ConditionFunction = (job: Job) => boolean | Promise<boolean>;

/**
 * True if `name` is a regular file in the job directory.
 *
 * @example
 * ```ts
 * import { isFile } from "./condition.ts";
 * const post = [isFile("a.txt")];
 * ```
 */
export function isFile(name: string): Condition {
  return {
    description: `isfile(${name})`,
    key: `isfile\0${name}`,
    after: [],
    cacheable: !name.includes("/"),
    ignoresStatePoint: true,
    evaluate: (job, ctx) => ctx.isFile ? ctx.isFile(job, name) : job.isFileSync(name),
  };
}

/**
 * True once every postcondition of each named operation holds for the job:
 * the operations are complete.
 *
 * @example
 * ```ts
 * import { after } from "./condition.ts";
 * const pre = [after("prep")];
 * ```
 */
export function after(...operations: string[]): Condition {
  return {
    description: `after(${operations.join(", ")})`,
    key: `after\0${operations.join("\0")}`,
    after: operations,
    ignoresStatePoint: true,
    derived: true,
    evaluate: (job, ctx) => every(operations, postconditionsHold, job, ctx),
  };
}

/** Whether operation `name` is complete for `job` (for {@link after}). */
function postconditionsHold(name: string, job: Job, ctx: ConditionContext) {
  return ctx.postconditionsHold(name, job);
}

function docValue(job: Job, key: string, ctx: ConditionContext): JsonValue | undefined {
  const doc = ctx.document ? ctx.document(job) : job.doc.readSync();
  return Object.hasOwn(doc, key) ? doc[key] : undefined;
}

/** Python's truthiness of a JSON value (absent is false). */
export function truthy(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/**
 * True if the job document's `key` is truthy (as in Python: not absent,
 * false, null, 0, "", [] or {}).
 *
 * @example
 * ```ts
 * import { docTrue } from "./condition.ts";
 * const post = [docTrue("done")];
 * ```
 */
export function docTrue(key: string): Condition {
  return {
    description: `doc.${key} is true`,
    key: `doctrue\0${key}`,
    after: [],
    cacheable: true,
    ignoresStatePoint: true,
    evaluate: (job, ctx) => truthy(docValue(job, key, ctx)),
  };
}

/**
 * True if the job document's `key` is falsy or absent.
 *
 * @example
 * ```ts
 * import { docFalse } from "./condition.ts";
 * const pre = [docFalse("failed")];
 * ```
 */
export function docFalse(key: string): Condition {
  return {
    description: `doc.${key} is false`,
    key: `docfalse\0${key}`,
    after: [],
    cacheable: true,
    ignoresStatePoint: true,
    evaluate: (job, ctx) => !truthy(docValue(job, key, ctx)),
  };
}

/** Compact JSON of a value, with big ints as numbers (JSON.stringify would quote them). */
function describeValue(v: JsonValue): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(describeValue).join(",")}]`;
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) {
    const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${describeValue(x)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(v);
}

/**
 * True if the job document's `key` equals `value` (an integer-valued number
 * equals the float of the same value).
 *
 * @example
 * ```ts
 * import { docEquals } from "./condition.ts";
 * const post = [docEquals("state", "converged")];
 * ```
 */
export function docEquals(key: string, value: JsonValue): Condition {
  return {
    description: `doc.${key} == ${describeValue(value)}`,
    // dumps, not String: String({ a: 1 }) === String({ b: 2 }) would share a memo entry.
    key: `doceq\0${key}\0${dumps(value, { sortKeys: true })}`,
    after: [],
    cacheable: true,
    ignoresStatePoint: true,
    evaluate: (job, ctx) => {
      const v = docValue(job, key, ctx);
      return v !== undefined && valuesEqual(v, value);
    },
  };
}

/**
 * The negation of a condition.
 *
 * @example
 * ```ts
 * import { isFile, not } from "./condition.ts";
 * const pre = [not(isFile("lock"))];
 * ```
 */
export function not(condition: Condition): Condition {
  return {
    description: `not(${condition.description})`,
    key: `not\0${condition.key}`,
    after: condition.after,
    cacheable: condition.cacheable,
    ignoresStatePoint: condition.ignoresStatePoint,
    evaluate(job, ctx) {
      const r = condition.evaluate(job, ctx);
      return typeof r === "boolean" ? !r : r.then((x) => !x);
    },
  };
}

/**
 * A condition that never holds (an operation with `post: [never]` is never
 * complete; with `pre: [never]` never eligible).
 *
 * @example
 * ```ts
 * import { never } from "./condition.ts";
 * const pre = [never];
 * ```
 */
export const never: Condition = Object.freeze({
  description: "never",
  key: "never",
  after: [],
  ignoresStatePoint: true,
  evaluate: () => false,
});

/**
 * A shell condition: the command runs in the job directory (placeholders
 * substituted, shell-quoted) and the condition holds on exit status 0.
 *
 * @example
 * ```ts
 * import { sh } from "./condition.ts";
 * const post = [sh("test -s out.dat")];
 * ```
 */
export function sh(command: string): Condition {
  return {
    description: `sh(${command})`,
    key: `sh\0${command}`,
    after: [],
    evaluate: (job, ctx) => ctx.shell(command, job),
  };
}

let fnCounter = 0;

/**
 * Wraps a TypeScript function of the job as a condition.
 *
 * @param fn the predicate
 * @param name how it is shown (default: the function's name)
 * @example
 * ```ts
 * import { fn } from "./condition.ts";
 * const converged = fn((job) => Number(job.sp.T) > 1, "hot");
 * ```
 */
export function fn(predicate: ConditionFunction, name?: string): Condition {
  const label = name ?? (predicate.name || "function");
  return {
    description: label,
    key: `fn\0${++fnCounter}`,
    after: [],
    evaluate: (job) => predicate(job),
  };
}

/**
 * A condition, or a TypeScript function that is turned into one.
 *
 * @example
 * ```ts
 * import { isFile, toCondition } from "./condition.ts";
 * const cs = [isFile("a"), (job: { id: string }) => job.id.startsWith("0")].map((c) => toCondition(c as never));
 * ```
 */
export function toCondition(c: Condition | ConditionFunction): Condition {
  return typeof c === "function" ? fn(c) : c;
}
