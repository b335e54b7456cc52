/**
 * Combining directive sets: an operation's own directives with a group's
 * override for it ({@link mergeOperationDirectives}), and the resolved
 * directives of a group's operations into what a submission of the whole
 * group must request ({@link aggregateGroupDirectives}).
 *
 * @module
 */

import { DirectiveError } from "./error.ts";
import {
  type Aggregation,
  DIRECTIVE_NAMES,
  DIRECTIVES,
  type DirectiveSpec,
  type ResolvedDirectives,
} from "./schema.ts";

/**
 * The directives of an operation inside a group: the group's override for the
 * operation wins KEY BY KEY over the operation's own directives (signac-flow
 * replaces them wholesale). Keys absent from the override, or `undefined`
 * there, keep the operation's value; `null` in the override resets the key to
 * its default. Merging with `{}` gives an equal copy; merging is associative.
 * Neither argument is changed, and nothing is validated or called (resolve
 * the result for a job with `resolveDirectives`).
 *
 * @example
 * ```ts
 * import { mergeOperationDirectives } from "./merge.ts";
 * const merged = mergeOperationDirectives({ ngpu: 1, memory: "4G" }, { ngpu: 2 });
 * console.log(merged); // { ngpu: 2, memory: "4G" }
 * ```
 */
export function mergeOperationDirectives<J>(
  opOwn: DirectiveSpec<J>,
  groupOverride: DirectiveSpec<J>,
): DirectiveSpec<J> {
  const out: Record<string, unknown> = { ...opOwn };
  for (const [name, value] of Object.entries(groupOverride)) {
    if (value !== undefined) out[name] = value;
  }
  return out as DirectiveSpec<J>;
}

/**
 * How the operations of a group run inside one submission: one after the
 * other, or all at the same time.
 *
 * @example
 * ```ts
 * import type { GroupMode } from "./merge.ts";
 * const mode: GroupMode = "parallel";
 * ```
 */
export type GroupMode = "serial" | "parallel";

/**
 * What a submission of a whole group must request, from the resolved
 * directives of its operations (in group order), following the `serial` or
 * `parallel` rule of each row of the directive table:
 *
 * - serial: max of np, ngpu, nranks, omp_num_threads, memory; sum of walltime;
 * - parallel: sum of np, ngpu, nranks, memory; max of omp_num_threads and
 *   walltime;
 * - both: the largest processor_fraction; fork if any operation forks;
 *   executable of the first operation.
 *
 * Max and sum skip unset values (memory, walltime): the result is unset only
 * when no operation sets it, otherwise it covers the operations that do
 * (a serial group whose operations request 1 h and nothing requests 1 h).
 * The result never asks for less than an operation needs: with the largest
 * processor_fraction, `np × processor_fraction` (and `ngpu × …`) covers each
 * operation's own (serial) or their sum (parallel), and operations with the
 * same fraction share cores as before (4 × np 1 at 0.25 in parallel: 1 core).
 * The result's nranks is the ranks running at once and its omp_num_threads
 * the widest rank's threads (threads are per rank: they are not added up);
 * each operation is still launched with its own. A list of one gives it back.
 *
 * @throws {DirectiveError} for an empty list (a group has operations).
 * @example
 * ```ts
 * import { aggregateGroupDirectives } from "./merge.ts";
 * import { DEFAULT_DIRECTIVES } from "./schema.ts";
 * const a = { ...DEFAULT_DIRECTIVES, np: 2, walltime: 3600 };
 * const b = { ...DEFAULT_DIRECTIVES, np: 4, walltime: 1800 };
 * const serial = aggregateGroupDirectives([a, b], "serial");
 * const parallel = aggregateGroupDirectives([a, b], "parallel");
 * console.log(serial.np, serial.walltime, parallel.np, parallel.walltime); // 4 5400 6 3600
 * ```
 */
export function aggregateGroupDirectives(
  list: readonly ResolvedDirectives[],
  mode: GroupMode,
): ResolvedDirectives {
  if (list.length === 0) {
    throw new DirectiveError("cannot aggregate the directives of a group without operations");
  }
  const out: Record<string, unknown> = {};
  for (const name of DIRECTIVE_NAMES) {
    const info = DIRECTIVES[name];
    const rule: Aggregation = mode === "serial" ? info.serial : info.parallel;
    out[name] = combine(rule, list.map((d) => d[name]));
  }
  return Object.freeze(out) as unknown as ResolvedDirectives;
}

function combine(rule: Aggregation, values: readonly unknown[]): unknown {
  switch (rule) {
    case "first":
      return values[0];
    case "any":
      return values.some((v) => v === true);
    case "max":
    case "sum": {
      const set = values.filter((v): v is number => typeof v === "number");
      if (set.length === 0) return undefined;
      return rule === "max" ? Math.max(...set) : set.reduce((a, b) => a + b, 0);
    }
  }
}
