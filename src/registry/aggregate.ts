/**
 * Aggregation: operations that run on several jobs at once. An aggregator
 * turns the list of jobs into aggregates; an aggregate of one job has that
 * job's id, a larger one `agg-` + md5 of the comma-joined member ids
 * (signac-flow's scheme).
 *
 * @module
 */

import { md5Hex } from "../_md5.ts";
import type { Job } from "../workspace/job.ts";
import { compileFilter, type Filter } from "../workspace/query.ts";
import { dumps } from "../workspace/json.ts";
import { compareCodePoints } from "../workspace/json.ts";
import { isNumeric, type JsonValue, toNumber, valueAt } from "../workspace/value.ts";

/**
 * Jobs an operation runs on together.
 *
 * @example
 * ```ts
 * import type { Aggregate } from "./aggregate.ts";
 * const agg: Aggregate = { id: "agg-…", jobs: [] };
 * ```
 */
export interface Aggregate {
  /** The job id (one job) or `agg-<md5>` (several). */
  readonly id: string;
  /** The member jobs, in aggregation order. */
  readonly jobs: readonly Job[];
}

/**
 * The id of an aggregate of jobs with these ids, in this order.
 *
 * @example
 * ```ts
 * import { aggregateId } from "./aggregate.ts";
 * console.log(aggregateId(["a"])); // a
 * console.log(aggregateId(["a", "b"]).startsWith("agg-")); // true
 * ```
 */
export function aggregateId(ids: readonly string[]): string {
  if (ids.length === 1) return ids[0];
  return "agg-" + md5Hex(ids.join(","));
}

/** How jobs are put together: options shared by all aggregators. */
export interface AggregatorOptions {
  /** Only jobs matching this filter (or predicate) take part. */
  select?: Filter | ((job: Job) => boolean);
  /** Sort jobs by this state point key (dotted for nested values) before aggregating. */
  sortBy?: string;
  /** Sort descending. */
  sortDescending?: boolean;
}

/**
 * Turns jobs into aggregates.
 *
 * @example
 * ```ts
 * import { groupsOf } from "./aggregate.ts";
 * const byPairs = groupsOf(2);
 * console.log(byPairs.description); // groupsOf(2)
 * ```
 */
export interface Aggregator {
  /** Human-readable form. */
  readonly description: string;
  /** True for the default aggregator (every job alone). */
  readonly isSingle: boolean;
  /** The aggregates of these jobs. */
  aggregate(jobs: readonly Job[]): Aggregate[];
}

function spValue(job: Job, key: string): JsonValue | undefined {
  return valueAt(job.sp, key);
}

/** Total order on JSON values for sorting: missing < null < bool < number < string < other. */
function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const rank = (v: JsonValue | undefined) =>
    v === undefined
      ? 0
      : v === null
      ? 1
      : typeof v === "boolean"
      ? 2
      : isNumeric(v)
      ? 3
      : typeof v === "string"
      ? 4
      : 5;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 2) return Number(a) - Number(b);
  if (ra === 3) {
    const x = toNumber(a as number);
    const y = toNumber(b as number);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ra === 4) return compareCodePoints(a as string, b as string);
  if (ra === 5) {
    return compareCodePoints(dumps(a!, { sortKeys: true }), dumps(b!, { sortKeys: true }));
  }
  return 0;
}

function prepare(jobs: readonly Job[], options: AggregatorOptions): Job[] {
  let out = [...jobs];
  const select = options.select;
  if (typeof select === "function") out = out.filter(select);
  else if (select !== undefined) {
    const test = compileFilter(select);
    out = out.filter((j) => test({ sp: j.sp as never, doc: test.usesDoc ? j.doc.readSync() : {} }));
  }
  if (options.sortBy !== undefined) {
    const key = options.sortBy;
    const sign = options.sortDescending ? -1 : 1;
    // Equal values keep id order either way, as Python's stable sort with reverse=True does.
    out.sort((a, b) =>
      sign * compareValues(spValue(a, key), spValue(b, key)) || (a.id < b.id ? -1 : 1)
    );
  } else out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

function describeOptions(options: AggregatorOptions): string {
  const parts: string[] = [];
  if (options.sortBy) {
    parts.push(`sortBy: ${options.sortBy}${options.sortDescending ? " desc" : ""}`);
  }
  const select = options.select;
  if (typeof select === "function") parts.push(`select: ${functionId(select)}`);
  else if (select !== undefined) parts.push(`select: ${dumps(select, { sortKeys: true })}`);
  return parts.length ? `, ${parts.join(", ")}` : "";
}

const functionIds = new WeakMap<object, string>();

/** A name that tells functions apart (two aggregators are alike only with the same function). */
function functionId(fn: (job: Job) => boolean): string {
  let id = functionIds.get(fn);
  if (!id) functionIds.set(fn, id = `${fn.name || "function"}#${++fnCount}`);
  return id;
}
let fnCount = 0;

/**
 * The default aggregator: every job on its own.
 *
 * @example
 * ```ts
 * import { single } from "./aggregate.ts";
 * console.log(single.isSingle); // true
 * ```
 */
export const single: Aggregator = Object.freeze({
  description: "each job",
  isSingle: true,
  aggregate: (jobs: readonly Job[]) => jobs.map((j) => ({ id: j.id, jobs: [j] })),
});

/**
 * Consecutive groups of `n` jobs (the last one may be smaller), in id order
 * unless `sortBy` says otherwise.
 *
 * @example
 * ```ts
 * import { groupsOf } from "./aggregate.ts";
 * const agg = groupsOf(10, { sortBy: "T" });
 * ```
 */
export function groupsOf(n: number, options: AggregatorOptions = {}): Aggregator {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`groupsOf needs a whole number ≥ 1, got ${n}`);
  }
  return {
    description: `groupsOf(${n}${describeOptions(options)})`,
    isSingle: false,
    aggregate(jobs) {
      const list = prepare(jobs, options);
      const out: Aggregate[] = [];
      for (let i = 0; i < list.length; i += n) {
        const members = list.slice(i, i + n);
        out.push({ id: aggregateId(members.map((j) => j.id)), jobs: members });
      }
      return out;
    },
  };
}

/**
 * One aggregate per distinct value of a state point key (dotted for nested
 * values); jobs without the key form their own aggregate. Aggregates are
 * ordered by the key's value.
 *
 * @example
 * ```ts
 * import { groupBy } from "./aggregate.ts";
 * const perTemperature = groupBy("T");
 * ```
 */
export function groupBy(key: string, options: AggregatorOptions = {}): Aggregator {
  return {
    description: `groupBy(${key}${describeOptions(options)})`,
    isSingle: false,
    aggregate(jobs) {
      const list = prepare(jobs, options);
      const groups = new Map<string, { value: JsonValue | undefined; jobs: Job[] }>();
      for (const job of list) {
        const value = spValue(job, key);
        // 1 and 1.0 fall in one aggregate, as they do in Python.
        const k = value === undefined
          ? "\0missing"
          : typeof value === "bigint"
          ? `n:${value}`
          : isNumeric(value)
          ? `n:${toNumber(value)}`
          : dumps(value, { sortKeys: true });
        let g = groups.get(k);
        if (!g) groups.set(k, g = { value, jobs: [] });
        g.jobs.push(job);
      }
      return [...groups.values()]
        .sort((a, b) => compareValues(a.value, b.value))
        .map((g) => ({ id: aggregateId(g.jobs.map((j) => j.id)), jobs: g.jobs }));
    },
  };
}
