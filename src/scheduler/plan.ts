/**
 * Submission planning: which (group, aggregate) pairs go to the scheduler,
 * how they are bundled, and what each batch job requests.
 *
 * - One submission per (group, aggregate) by default; `bundle: N` puts N of
 *   them into one batch job, run one after the other or (`parallel`) at the
 *   same time; `array` makes a bundle of identical requests one job array.
 * - A pair's request is its group's directives, merged per operation and
 *   combined serially (max cores/GPUs/memory, sum of wall time) or, for a
 *   group with `runOptions.parallel`, in parallel (sums, max wall time);
 *   {@link taskLayout} turns the combined directives into tasks × cores.
 * - A bundle's request combines its pairs the same way: serially for a
 *   serial bundle, in parallel for `--parallel`. Pairs with different
 *   requests in one bundle are refused unless `force`, because the job would
 *   hold resources most of them do not use.
 *
 * @module
 */

import {
  aggregateGroupDirectives,
  coresRequested,
  gpusRequested,
  type ResolvedDirectives,
  resolveDirectives,
} from "../directives/mod.ts";
import { UsageError } from "../errors.ts";
import type { Aggregate } from "../registry/aggregate.ts";
import type { Group } from "../registry/group.ts";
import type { Registry } from "../registry/registry.ts";
import type { BatchRequest } from "./types.ts";

/**
 * One (group, aggregate) pair to submit, with what it needs.
 *
 * @example
 * ```ts
 * import type { Pair } from "./plan.ts";
 * const show = (p: Pair) => `${p.group.name} on ${p.agg.id}`;
 * ```
 */
export interface Pair {
  /** The group (an operation is its own singleton group). */
  group: Group;
  /** The aggregate (a job id or agg-…). */
  agg: Aggregate;
  /** The group's directives for this aggregate, combined. */
  directives: ResolvedDirectives;
}

/**
 * One batch job to submit.
 *
 * @example
 * ```ts
 * import type { PlannedJob } from "./plan.ts";
 * const size = (j: PlannedJob) => j.pairs.length;
 * ```
 */
export interface PlannedJob {
  /** What it runs. */
  pairs: Pair[];
  /** What it asks for. */
  request: BatchRequest;
  /** The bundle's combined directives. */
  directives: ResolvedDirectives;
  /** Run the pairs at the same time. */
  parallel: boolean;
  /** Submit as a job array (one task per pair). */
  array: boolean;
}

/** Options of {@link planSubmissions}. */
export interface PlanOptions {
  /** Pairs per batch job (default 1). */
  bundle?: number;
  /** Run a bundle's pairs at the same time. */
  parallel?: boolean;
  /** Submit bundles as job arrays. */
  array?: boolean;
  /** Allow bundles of different requests. */
  force?: boolean;
}

/**
 * The combined directives of a group on one aggregate.
 *
 * @example
 * ```ts
 * import { groupDirectives } from "./plan.ts";
 * // const d = groupDirectives(registry, registry.group("ex"), agg);
 * ```
 */
export function groupDirectives(
  registry: Registry,
  group: Group,
  agg: Aggregate,
): ResolvedDirectives {
  const list = group.members.map((m) =>
    resolveDirectives(
      registry.memberDirectives(group, m.operation),
      agg.jobs[0],
      group.singleton
        ? `operation '${m.operation}'`
        : `operation '${m.operation}' in group '${group.name}'`,
    )
  );
  return aggregateGroupDirectives(list, group.runOptions.parallel ? "parallel" : "serial");
}

/**
 * How a batch job lays out its cores: `ntasks` tasks of `cpusPerTask` cores each.
 *
 * @example
 * ```ts
 * import type { TaskLayout } from "./plan.ts";
 * const cores = (l: TaskLayout) => l.ntasks * l.cpusPerTask;
 * ```
 */
export interface TaskLayout {
  /** Tasks: the MPI ranks running at once, or 1 without MPI. */
  ntasks: number;
  /** Cores per task (a task's cores are on one node). */
  cpusPerTask: number;
}

/**
 * The tasks and cores per task a batch job asks for, from (combined) directives:
 *
 * - without MPI (`nranks` 0): one task of `C = ⌈np × processor_fraction⌉` cores (at least 1);
 * - with MPI: `C = np` (ranks are started, not shared: `processor_fraction` does not shrink
 *   them, nor the cores of operations beside them) in `nranks` tasks (one per rank: launchers
 *   count slots), each of
 *   `max(max(1, omp_num_threads), ⌈C / nranks⌉)` cores: the widest rank's threads, widened
 *   until the tasks hold all `C` cores (an explicit larger `np`, or non-MPI operations of a
 *   group or bundle running beside or between the ranks).
 *
 * Never fewer cores than any operation starts (`np ≥ nranks × omp_num_threads` for each), nor
 * than the combined `np` asks; at most `nranks − 1` more than `C` from the rounding, or more
 * when ranks of different widths share one job (every task is as wide as the widest rank).
 *
 * @example
 * ```ts
 * import { taskLayout } from "./plan.ts";
 * import { DEFAULT_DIRECTIVES } from "../directives/mod.ts";
 * const d = { ...DEFAULT_DIRECTIVES, np: 16, nranks: 2, omp_num_threads: 2 };
 * console.log(taskLayout(d)); // { ntasks: 2, cpusPerTask: 8 }
 * ```
 */
export function taskLayout(d: ResolvedDirectives): TaskLayout {
  if (d.nranks === 0) return { ntasks: 1, cpusPerTask: coresRequested(d) };
  const cores = d.np;
  return {
    ntasks: d.nranks,
    cpusPerTask: Math.max(1, d.omp_num_threads, Math.ceil(cores / d.nranks)),
  };
}

/**
 * What a batch job asks for, from combined directives: the cores as {@link taskLayout}
 * lays them out, the GPUs, memory and wall time.
 *
 * @example
 * ```ts
 * import { batchRequest } from "./plan.ts";
 * import { DEFAULT_DIRECTIVES } from "../directives/mod.ts";
 * console.log(batchRequest({ ...DEFAULT_DIRECTIVES, np: 4, ngpu: 2 })); // 1 task × 4 cores, 2 GPUs
 * ```
 */
export function batchRequest(d: ResolvedDirectives): BatchRequest {
  const r: BatchRequest = { ...taskLayout(d), gpus: gpusRequested(d), nodes: 1 };
  if (d.memory !== undefined) r.memoryGB = d.memory;
  if (d.walltime !== undefined) r.walltimeSeconds = d.walltime;
  return r;
}

function sameRequest(a: BatchRequest, b: BatchRequest): boolean {
  return a.ntasks === b.ntasks && a.cpusPerTask === b.cpusPerTask && a.gpus === b.gpus &&
    a.memoryGB === b.memoryGB && a.walltimeSeconds === b.walltimeSeconds;
}

/**
 * Groups pairs into batch jobs.
 *
 * @throws {UsageError} for a bundle of mixed requests without `force`, or
 *   an array of mixed requests.
 * @example
 * ```ts
 * import { planSubmissions } from "./plan.ts";
 * // const jobs = planSubmissions(pairs, { bundle: 10, parallel: true });
 * ```
 */
export function planSubmissions(pairs: readonly Pair[], options: PlanOptions = {}): PlannedJob[] {
  const size = Math.max(1, options.bundle ?? 1);
  const out: PlannedJob[] = [];
  for (let i = 0; i < pairs.length; i += size) {
    const chunk = pairs.slice(i, i + size);
    const requests = chunk.map((p) => batchRequest(p.directives));
    const mixed = requests.some((r) => !sameRequest(r, requests[0]));
    if (mixed && (options.array || !options.force)) {
      const a = chunk[0];
      const b = chunk[requests.findIndex((r) => !sameRequest(r, requests[0]))];
      const show = (r: BatchRequest) =>
        `${r.ntasks}×${r.cpusPerTask} cores, ${r.gpus} GPUs` +
        (r.memoryGB !== undefined ? `, ${r.memoryGB} GB` : "") +
        (r.walltimeSeconds !== undefined ? `, ${r.walltimeSeconds} s` : "");
      throw new UsageError(
        `bundle mixes different requests: ${a.group.name} on ${a.agg.id} (${
          show(requests[0])
        }) and ` +
          `${b.group.name} on ${b.agg.id} (${show(batchRequest(b.directives))})` +
          (options.array
            ? "; a job array needs identical requests"
            : "; use --force to bundle them anyway"),
      );
    }
    const parallel = options.parallel === true && !options.array;
    const directives = chunk.length === 1
      ? chunk[0].directives
      : options.array
      ? chunk[0].directives
      : aggregateGroupDirectives(chunk.map((p) => p.directives), parallel ? "parallel" : "serial");
    out.push({
      pairs: chunk,
      request: batchRequest(directives),
      directives,
      parallel,
      array: options.array === true && chunk.length > 1,
    });
  }
  return out;
}
