/**
 * Status evaluation: which operations and groups are eligible and complete
 * for which jobs and aggregates, and which labels hold, gathered into a
 * {@link StatusReport} that the renderers print.
 *
 * One {@link Evaluator} serves the whole evaluation, so that each (job,
 * condition) is evaluated once however many operations, groups and labels
 * read it. Built-in conditions answer synchronously and are read without
 * awaiting; asynchronous ones (TypeScript functions, shell conditions) are
 * awaited in chunks, so that many run at once.
 *
 * @module
 */

import type { ConditionCache } from "../registry/condition_cache.ts";
import { FlowError, UsageError } from "../errors.ts";
import { type Aggregate, type Aggregator, single as eachJobAlone } from "../registry/aggregate.ts";
import type { Condition } from "../registry/condition.ts";
import { Evaluator, type State } from "../registry/eligibility.ts";
import type { Operation } from "../registry/operation.ts";
import type { Registry } from "../registry/registry.ts";
import type { Job } from "../workspace/job.ts";
import { selectNames } from "./select.ts";
import { type CachedStates, type StateCache, stateFingerprint } from "./state_cache.ts";

/**
 * The bits of a {@link StatusReport.code}: 0 means the operation or group does
 * not apply to the row; otherwise `applies` is set, with `eligible` and
 * `complete` as evaluated.
 *
 * @example
 * ```ts
 * import { STATE } from "./collect.ts";
 * const code = STATE.applies | STATE.complete;
 * console.log((code & STATE.eligible) !== 0); // false
 * ```
 */
export const STATE = Object.freeze({ applies: 1, eligible: 2, complete: 4 } as const);

/**
 * A condition could not be evaluated (a TypeScript condition threw, a shell
 * condition could not be started); the message names the operation or label
 * and the job or aggregate.
 *
 * @example
 * ```ts
 * import { ConditionError } from "./collect.ts";
 * const e = new ConditionError("operation 'prep' on job 42b7…: boom");
 * console.log(e.exitCode); // 2
 * ```
 */
export class ConditionError extends FlowError {}

/**
 * Which jobs and aggregates a report covers (`-j`, `-f`).
 *
 * @example
 * ```ts
 * import type { StatusSelection } from "./collect.ts";
 * const sel: StatusSelection = { jobs: new Set(["42b7b4f2921788ea14dac5566e6f06d0"]) };
 * ```
 */
export interface StatusSelection {
  /**
   * Ids of selected jobs: their rows, and the rows of aggregates whose jobs
   * are all selected.
   */
  readonly jobs?: ReadonlySet<string>;
  /**
   * Ids (or unique prefixes of ids) of selected aggregates of several jobs
   * (`agg-…`), whatever their jobs.
   */
  readonly aggregates?: ReadonlySet<string>;
}

/**
 * Options of {@link collectStatus}.
 *
 * @example
 * ```ts
 * import type { StatusOptions } from "./collect.ts";
 * const options: StatusOptions = { operations: ["prep|run.*"], onProgress: (d, t) => {} };
 * ```
 */
export interface StatusOptions {
  /**
   * Regular expressions matching whole names of operations and defined
   * groups (`-o`); default every operation and every defined group.
   */
  operations?: readonly string[];
  /** Restrict the report to these jobs and aggregates; default every one. */
  select?: StatusSelection;
  /** Called now and then with the evaluations done so far and their total. */
  onProgress?: (done: number, total: number) => void;
  /** Runs shell conditions (passed to the evaluator); without it they fail. */
  shell?: (command: string, job: Job) => Promise<boolean>;
  /** Use this evaluator (and its memo) instead of a new one. */
  evaluator?: Evaluator;
  /** The condition cache for a new evaluator (ignored with `evaluator`). */
  cache?: ConditionCache;
  /**
   * The state cache: with `cache` and no `select`, the states of operations
   * that take jobs one at a time and the labels are read from it while
   * nothing they depend on changed, and recorded in it otherwise (see
   * state_cache.ts).
   */
  states?: StateCache;
}

/**
 * An operation or a defined group in a report, with its counts.
 *
 * @example
 * ```ts
 * import type { StatusEntry } from "./collect.ts";
 * const done = (e: StatusEntry) => e.total > 0 && e.complete === e.total;
 * ```
 */
export interface StatusEntry {
  /** The operation's or group's name. */
  readonly name: string;
  /** An operation (its singleton group), or a group defined as such. */
  readonly kind: "operation" | "group";
  /** The operations it runs (one for an operation). */
  readonly operations: readonly string[];
  /** How it puts jobs together (its first operation's aggregator). */
  readonly aggregator: Aggregator;
  /** Number of jobs or aggregates it is eligible for. */
  readonly eligible: number;
  /** Number of jobs or aggregates it is complete for. */
  readonly complete: number;
  /** Number of jobs or aggregates it applies to. */
  readonly total: number;
}

/**
 * A row of a report: one job, or one aggregate of several jobs.
 *
 * @example
 * ```ts
 * import type { StatusRow } from "./collect.ts";
 * const ids = (row: StatusRow) => row.jobs.map((j) => j.id);
 * ```
 */
export interface StatusRow {
  /** The job id, or the aggregate id (`agg-…`). */
  readonly id: string;
  /** The member jobs (one for a job). */
  readonly jobs: readonly Job[];
  /** True for an aggregate of several jobs. */
  readonly aggregate: boolean;
}

/**
 * A label and the number of (selected) jobs it holds for.
 *
 * @example
 * ```ts
 * import type { LabelCount } from "./collect.ts";
 * const l: LabelCount = { name: "converged", count: 3 };
 * ```
 */
export interface LabelCount {
  /** The label's name. */
  readonly name: string;
  /** Number of selected jobs it holds for. */
  readonly count: number;
}

/**
 * The outcome of {@link collectStatus}: entries (operations, then defined
 * groups) × rows (selected jobs in id order, then aggregates of several jobs
 * in order of first appearance), and labels.
 *
 * @example
 * ```ts
 * import { collectStatus } from "./collect.ts";
 * import { Registry } from "../registry/registry.ts";
 * const report = await collectStatus(new Registry(), []);
 * console.log(report.jobCount, report.entries.length); // 0 0
 * ```
 */
export class StatusReport {
  /** The selected operations and groups, operations first. */
  readonly entries: readonly StatusEntry[];
  /** The jobs and aggregates. */
  readonly rows: readonly StatusRow[];
  /** Every label with its count over the selected jobs. */
  readonly labels: readonly LabelCount[];
  /** Number of selected jobs (rows that are jobs). */
  readonly jobCount: number;
  /** Number of selected jobs with at least one eligible entry. */
  readonly jobsEligible: number;
  /** Number of rows that are aggregates of several jobs. */
  readonly aggregateCount: number;
  /** Number of those aggregates with at least one eligible entry. */
  readonly aggregatesEligible: number;
  readonly #cells: Uint8Array;
  readonly #rowLabels: Uint8Array;

  /** @internal Built by {@link collectStatus}. */
  constructor(
    entries: StatusEntry[],
    rows: StatusRow[],
    labels: LabelCount[],
    cells: Uint8Array,
    rowLabels: Uint8Array,
  ) {
    this.entries = entries;
    this.rows = rows;
    this.labels = labels;
    this.#cells = cells;
    this.#rowLabels = rowLabels;
    let jobs = 0, jobsEligible = 0, aggs = 0, aggsEligible = 0;
    const width = entries.length;
    for (let r = 0; r < rows.length; r++) {
      let eligible = false;
      for (let e = 0; e < width && !eligible; e++) {
        eligible = (cells[r * width + e] & STATE.eligible) !== 0;
      }
      if (rows[r].aggregate) {
        aggs++;
        if (eligible) aggsEligible++;
      } else {
        jobs++;
        if (eligible) jobsEligible++;
      }
    }
    this.jobCount = jobs;
    this.jobsEligible = jobsEligible;
    this.aggregateCount = aggs;
    this.aggregatesEligible = aggsEligible;
  }

  /** The {@link STATE} bits of entry `entry` for row `row` (0: does not apply). */
  code(row: number, entry: number): number {
    return this.#cells[row * this.entries.length + entry];
  }

  /** The state of entry `entry` for row `row`, or `undefined` when it does not apply. */
  state(row: number, entry: number): State | undefined {
    const c = this.code(row, entry);
    if (c === 0) return undefined;
    return { eligible: (c & STATE.eligible) !== 0, complete: (c & STATE.complete) !== 0 };
  }

  /**
   * The labels that hold for row `row`; for an aggregate, those that hold
   * for every one of its jobs.
   */
  rowLabels(row: number): string[] {
    const out: string[] = [];
    const n = this.labels.length;
    for (let l = 0; l < n; l++) if (this.#rowLabels[row * n + l]) out.push(this.labels[l].name);
    return out;
  }
}

// ---------------------------------------------------------------------------
// Evaluation

/** How many pending asynchronous evaluations to gather before awaiting them. */
const CHUNK = 256;
/** Report progress after this many evaluations. */
const PROGRESS_STEP = 1024;

type Maybe<T> = T | Promise<T>;

async function finishAll(
  ev: Evaluator,
  conditions: readonly Condition[],
  jobs: readonly Job[],
  from: number,
  pending: Promise<boolean>,
): Promise<boolean> {
  if (!(await pending)) return false;
  for (let i = from + 1; i < conditions.length; i++) {
    if (!(await ev.holdsForAll(conditions[i], jobs))) return false;
  }
  return true;
}

/** True when every condition holds for every job; synchronous while the answers are. */
function allHold(ev: Evaluator, conditions: readonly Condition[], jobs: readonly Job[]) {
  for (let i = 0; i < conditions.length; i++) {
    const r = ev.holdsForAll(conditions[i], jobs);
    if (r === false) return false;
    if (r !== true) return finishAll(ev, conditions, jobs, i, r);
  }
  return true;
}

function preCode(ev: Evaluator, op: Operation, agg: Aggregate): Maybe<number> {
  const pre = allHold(ev, op.pre, agg.jobs);
  if (pre === true) return STATE.applies | STATE.eligible;
  if (pre === false) return STATE.applies;
  return pre.then((ok) => ok ? STATE.applies | STATE.eligible : STATE.applies);
}

/**
 * The state bits of an operation for an aggregate, as {@link Evaluator.operationState}
 * defines them (eligible: preconditions hold and not complete; complete: has
 * postconditions and all hold), without a promise when none is needed.
 */
function operationCode(ev: Evaluator, op: Operation, agg: Aggregate): Maybe<number> {
  if (op.post.length > 0) {
    const done = allHold(ev, op.post, agg.jobs);
    if (done === true) return STATE.applies | STATE.complete;
    if (done !== false) {
      return done.then((d) => d ? STATE.applies | STATE.complete : preCode(ev, op, agg));
    }
  }
  return preCode(ev, op, agg);
}

function describe(agg: Aggregate): string {
  return agg.jobs.length === 1 ? `job ${agg.id}` : `aggregate ${agg.id}`;
}

function wrap(e: unknown, what: string): unknown {
  if (e instanceof FlowError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ConditionError(`${what}: a condition failed: ${message}`, { cause: e });
}

/** Runs synchronous work inline and gathers asynchronous work into chunks. */
class Batch {
  #pending: Promise<void>[] = [];
  #done = 0;
  readonly #total: number;
  readonly #onProgress?: (done: number, total: number) => void;

  constructor(total: number, onProgress?: (done: number, total: number) => void) {
    this.#total = total;
    this.#onProgress = onProgress;
    onProgress?.(0, total);
  }

  /** Counts one evaluation; true when it is time to {@link flush}. */
  step(pending?: Promise<void>): boolean {
    if (pending) this.#pending.push(pending);
    if (++this.#done % PROGRESS_STEP === 0) {
      if (this.#pending.length === 0) this.#onProgress?.(this.#done, this.#total);
      else return true;
    }
    return this.#pending.length >= CHUNK;
  }

  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length > 0) await Promise.all(pending);
    this.#onProgress?.(this.#done, this.#total);
  }
}

interface Plan {
  name: string;
  kind: "operation" | "group";
  operations: readonly Operation[];
  aggregator: Aggregator;
}

interface AggregateList {
  aggregates: Aggregate[];
  rows: Int32Array;
  states: Map<string, Uint8Array>;
}

function included(
  all: readonly Aggregate[],
  select: StatusSelection | undefined,
  named: ReadonlySet<string>,
): Aggregate[] {
  if (!select) return all as Aggregate[];
  const chosen = select.jobs ?? new Set<string>();
  return all.filter((agg) =>
    agg.jobs.length === 1
      ? chosen.has(agg.jobs[0].id)
      : named.has(agg.id) || agg.jobs.every((j) => chosen.has(j.id))
  );
}

/** Expands aggregate ids or unique prefixes of them to the ids of known aggregates. */
function resolveAggregateIds(requested: Iterable<string>, known: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const arg of requested) {
    if (known.has(arg)) {
      out.add(arg);
      continue;
    }
    const hits = [...known].filter((id) => id.startsWith(arg));
    if (hits.length === 0) {
      throw new UsageError(
        `no aggregate '${arg}' among the aggregates of the selected operations and groups`,
      );
    }
    if (hits.length > 1) {
      throw new UsageError(
        `aggregate id prefix '${arg}' is ambiguous: ${hits.length} aggregates match ` +
          `(${hits.slice(0, 5).join(", ")}${hits.length > 5 ? ", ..." : ""})`,
      );
    }
    out.add(hits[0]);
  }
  return out;
}

/**
 * The row of one job, whose `jobs` is made on first use: a warm `status`
 * answered from the state cache reads none of them (100,000 arrays less).
 */
class JobRow implements StatusRow {
  readonly id: string;
  readonly aggregate = false;
  readonly #job: Job;
  #jobs?: readonly Job[];

  constructor(job: Job) {
    this.id = job.id;
    this.#job = job;
  }

  get jobs(): readonly Job[] {
    return this.#jobs ??= [this.#job];
  }
}

/**
 * Evaluation goes aggregate by aggregate, every operation of each, so the
 * evaluator keeps the listings and documents of this many recent jobs only.
 */
const RECENT_JOBS = 64;

/**
 * Evaluates every selected operation and group for every job and aggregate it
 * applies to, and every label for every job, with one memoising evaluator.
 *
 * `jobs` are all the jobs aggregators see (normally the whole workspace), so
 * that aggregates and their ids are those `run` uses; `options.select`
 * narrows what the report shows. An operation's aggregates come from its
 * aggregator; a group's from its first operation's. A group is eligible for
 * an aggregate if any of its operations is, complete if all are.
 *
 * @throws {DefinitionError} for an `-o` pattern that matches nothing.
 * @throws {UsageError} for a selected job or aggregate id that does not exist.
 * @throws {ConditionError} when a condition cannot be evaluated.
 * @example
 * ```ts
 * import { collectStatus } from "./collect.ts";
 * import { Registry } from "../registry/registry.ts";
 * import { single } from "../registry/aggregate.ts";
 * import { isFile } from "../registry/condition.ts";
 * import { emptyHooks } from "../registry/operation.ts";
 * import { Project } from "../workspace/project.ts";
 * const project = await Project.init(Deno.makeTempDirSync());
 * await project.openJob({ T: 1 }).init();
 * const registry = new Registry();
 * registry.addOperation({
 *   name: "prep", body: { kind: "function", fn: () => {} }, pre: [], post: [isFile("a.txt")],
 *   directives: {}, aggregator: single, hooks: emptyHooks(), inJobDir: true,
 * });
 * const { jobs } = await project.list();
 * const report = await collectStatus(registry, jobs);
 * console.log(report.entries[0].eligible, report.entries[0].total); // 1 1
 * ```
 */
export async function collectStatus(
  registry: Registry,
  jobs: readonly Job[],
  options: StatusOptions = {},
): Promise<StatusReport> {
  await options.cache?.prefetch(jobs);
  const ev = options.evaluator ??
    new Evaluator(registry, {
      shell: options.shell,
      cache: options.cache,
      recentJobs: RECENT_JOBS,
    });
  const select = options.select;

  // What to evaluate.
  const plans: Plan[] = selectNames(registry, options.operations).map((name) => {
    const group = registry.group(name);
    const operations = group.members.map((m) => registry.operation(m.operation));
    return {
      name,
      kind: group.singleton ? "operation" : "group",
      operations,
      aggregator: operations[0].aggregator,
    };
  });

  // Rows: the selected jobs first, in the order given.
  const rows: StatusRow[] = [];
  for (const job of jobs) {
    if (select && !select.jobs?.has(job.id)) continue;
    rows.push(new JobRow(job));
  }
  if (select?.jobs) {
    const known = new Set(jobs.map((j) => j.id));
    for (const id of select.jobs) {
      if (!known.has(id)) throw new UsageError(`no job with id '${id}' among the jobs`);
    }
  }
  // Row of each id, made only when some aggregate is not simply the job of the same row.
  let rowOf: Map<string, number> | undefined;
  const rowIndexOf = (id: string): number | undefined => {
    if (!rowOf) {
      rowOf = new Map();
      for (let r = 0; r < rows.length; r++) rowOf.set(rows[r].id, r);
    }
    return rowOf.get(id);
  };

  // The aggregates of each aggregator in use, the selected ones, and their rows.
  const jobRows = rows.length;
  const allAggregates = new Map<Aggregator, Aggregate[]>();
  const knownAggregates = new Set<string>();
  for (const plan of plans) {
    if (allAggregates.has(plan.aggregator)) continue;
    if (plan.aggregator === eachJobAlone) {
      // Each job alone: the rows of the selected jobs are its selected aggregates (the ids, jobs
      // and order that `aggregate` and `included` give), with no second object per job.
      allAggregates.set(plan.aggregator, rows.slice(0, jobRows));
      continue;
    }
    const all = plan.aggregator.aggregate(jobs);
    allAggregates.set(plan.aggregator, all);
    if (select?.aggregates && !plan.aggregator.isSingle) {
      for (const agg of all) if (agg.jobs.length > 1) knownAggregates.add(agg.id);
    }
  }
  const named = resolveAggregateIds(select?.aggregates ?? [], knownAggregates);
  const lists = new Map<Aggregator, AggregateList>();
  for (const [aggregator, all] of allAggregates) {
    const aggregates = aggregator === eachJobAlone ? all : included(all, select, named);
    const rowIndex = new Int32Array(aggregates.length);
    for (let i = 0; i < aggregates.length; i++) {
      const agg = aggregates[i];
      // One job at a time over all jobs (the usual case): aggregate i is row i.
      if (i < rows.length && rows[i].id === agg.id && !rowOf) {
        rowIndex[i] = i;
        continue;
      }
      let r = rowIndexOf(agg.id);
      if (r === undefined) {
        r = rows.length;
        rowOf!.set(agg.id, r);
        rows.push({ id: agg.id, jobs: agg.jobs, aggregate: agg.jobs.length > 1 });
      }
      rowIndex[i] = r;
    }
    lists.set(aggregator, { aggregates, rows: rowIndex, states: new Map() });
  }

  // Jobs whose labels are needed: every job of every row.
  const labelDefs = registry.labels;
  const labelJobs: Job[] = [];
  const labelJobOf = new Map<string, number>();
  if (labelDefs.length > 0) {
    for (const row of rows) {
      for (const job of row.jobs) {
        if (labelJobOf.has(job.id)) continue;
        labelJobOf.set(job.id, labelJobs.length);
        labelJobs.push(job);
      }
    }
  }

  // What the state cache holds, when nothing it was computed from changed: every job, one at a
  // time, in the order of the jobs (no selection), with results from an unchanged condition cache.
  const single = select ? undefined : [...lists].find(([a]) => a.isSingle)?.[1];
  const fingerprint = options.states && options.cache && single?.aggregates.length === jobs.length
    ? stateFingerprint(registry)
    : undefined;
  const identity = fingerprint === undefined ? undefined : options.cache!.unchanged(jobs);
  const stored = identity === undefined
    ? undefined
    : options.states!.lookup(fingerprint!, identity, jobs.length);
  const storedLabels = stored !== undefined && stored.labels.length === labelDefs.length &&
    stored.labels.every((name, l) => labelDefs[l][0] === name);

  // Work: the operations needed on each aggregate list, then labels.
  const opsOf = new Map<AggregateList, Operation[]>();
  let total = storedLabels ? 0 : labelJobs.length * labelDefs.length;
  for (const plan of plans) {
    const list = lists.get(plan.aggregator)!;
    for (const op of plan.operations) {
      if (list.states.has(op.name)) continue;
      const known = list === single ? stored?.operations.get(op.name) : undefined;
      if (known) {
        list.states.set(op.name, known.slice());
        continue;
      }
      list.states.set(op.name, new Uint8Array(list.aggregates.length));
      const ops = opsOf.get(list);
      if (ops) ops.push(op);
      else opsOf.set(list, [op]);
      total += list.aggregates.length;
    }
  }
  const batch = new Batch(total, options.onProgress);

  // Aggregate by aggregate, every operation of its list: what the evaluator read for a job
  // (its listing, its document) serves all operations while it is recent.
  for (const [list, ops] of opsOf) {
    const states = ops.map((op) => list.states.get(op.name)!);
    const aggregates = list.aggregates;
    for (let i = 0; i < aggregates.length; i++) {
      for (let o = 0; o < ops.length; o++) {
        const op = ops[o];
        let r: Maybe<number>;
        try {
          r = operationCode(ev, op, aggregates[i]);
        } catch (e) {
          throw wrap(e, `operation '${op.name}' on ${describe(aggregates[i])}`);
        }
        let pending: Promise<void> | undefined;
        if (typeof r === "number") states[o][i] = r;
        else {
          const at = i, into = states[o];
          pending = r.then(
            (code) => void (into[at] = code),
            (e) => {
              throw wrap(e, `operation '${op.name}' on ${describe(aggregates[at])}`);
            },
          );
        }
        if (batch.step(pending)) await batch.flush();
      }
    }
  }

  const labelBits = storedLabels
    ? stored!.labelBits.slice()
    : new Uint8Array(labelJobs.length * labelDefs.length);
  for (let j = 0; j < labelJobs.length && !storedLabels; j++) {
    const job = labelJobs[j];
    for (let l = 0; l < labelDefs.length; l++) {
      const [name, condition] = labelDefs[l];
      let r: Maybe<boolean>;
      try {
        r = ev.holds(condition, job);
      } catch (e) {
        throw wrap(e, `label '${name}' on job ${job.id}`);
      }
      let pending: Promise<void> | undefined;
      const at = j * labelDefs.length + l;
      if (typeof r === "boolean") labelBits[at] = r ? 1 : 0;
      else {
        pending = r.then(
          (v) => void (labelBits[at] = v ? 1 : 0),
          (e) => {
            throw wrap(e, `label '${name}' on job ${job.id}`);
          },
        );
      }
      if (batch.step(pending)) await batch.flush();
    }
  }
  await batch.flush();

  // Recorded for the next status: only states computed from the condition cache's file alone (it
  // holds every result and this command changed none), and only when something was computed.
  if (identity !== undefined && !options.cache!.changed && (!storedLabels || opsOf.has(single!))) {
    const operations = new Map<string, Uint8Array>();
    for (const [name, states] of single!.states) operations.set(name, states);
    const states: CachedStates = {
      operations,
      labels: labelDefs.map(([name]) => name),
      labelBits,
    };
    options.states!.save(fingerprint!, identity, jobs.length, states);
  }

  // The table of states.
  const width = plans.length;
  const cells = new Uint8Array(rows.length * width);
  const entries: StatusEntry[] = plans.map((plan, e) => {
    const list = lists.get(plan.aggregator)!;
    const members = plan.operations.map((op) => list.states.get(op.name)!);
    const m = members.length;
    const at = list.rows;
    let eligible = 0, complete = 0;
    for (let i = 0; i < list.aggregates.length; i++) {
      // Eligible if any member is, complete if all are (indexed loops: 100,000s of rows).
      let any = 0, all: number = STATE.complete;
      for (let k = 0; k < m; k++) {
        const code = members[k][i];
        any |= code & STATE.eligible;
        all &= code;
      }
      if (any !== 0) eligible++;
      if (all !== 0) complete++;
      cells[at[i] * width + e] = STATE.applies | any | all;
    }
    return {
      name: plan.name,
      kind: plan.kind,
      operations: plan.operations.map((op) => op.name),
      aggregator: plan.aggregator,
      eligible,
      complete,
      total: list.aggregates.length,
    };
  });

  // Labels per row (an aggregate has the labels all its jobs have) and counts over jobs.
  const nl = labelDefs.length;
  const rowLabels = new Uint8Array(rows.length * nl);
  const counts = new Array<number>(nl).fill(0);
  for (let r = 0; r < rows.length && nl > 0; r++) {
    const row = rows[r];
    for (let l = 0; l < nl; l++) {
      let holds = 1;
      for (const job of row.jobs) holds &= labelBits[labelJobOf.get(job.id)! * nl + l];
      rowLabels[r * nl + l] = holds;
      if (!row.aggregate && holds) counts[l]++;
    }
  }
  const labels = labelDefs.map(([name], l) => ({ name, count: counts[l] }));
  return new StatusReport(entries, rows, labels, cells, rowLabels);
}
