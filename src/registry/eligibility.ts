/**
 * Eligibility: which operations and groups may run on which jobs, and which
 * are complete.
 *
 * - An operation is *eligible* for an aggregate when all its preconditions
 *   hold AND (it has no postconditions OR at least one is false).
 * - It is *complete* when it has postconditions and all hold.
 * - A group is eligible if at least one of its operations is eligible,
 *   complete if all are.
 * - A condition holds for an aggregate when it holds for every member job.
 *
 * Each (job, condition) is evaluated at most once per evaluator (one
 * command), and `after` reuses the other operation's results; `forget`
 * drops what an operation may have changed. Job listings and documents,
 * which file and document conditions read, are kept for the command, or for
 * the most recent jobs only (`recentJobs`, for callers that go job by job).
 *
 * @module
 */

import { type Job, JOB_DOCUMENT_FILE } from "../workspace/job.ts";
import type { JsonObject } from "../workspace/value.ts";
import type { Aggregate } from "./aggregate.ts";
import type { Condition, ConditionContext } from "./condition.ts";
import type { Group } from "./group.ts";
import type { Operation } from "./operation.ts";
import type { Registry } from "./registry.ts";
import type { ConditionCache, JobListing } from "./condition_cache.ts";
import { runShellCondition } from "./_shell.ts";
import { every } from "./_every.ts";
import { RecentMap } from "./_recent.ts";

/** Which conditions `run` ignores: `--ignore-conditions`. */
export type IgnoreConditions = "none" | "pre" | "post" | "all";

/**
 * The state of an operation or group for one aggregate.
 *
 * @example
 * ```ts
 * import type { State } from "./eligibility.ts";
 * const s: State = { eligible: true, complete: false };
 * ```
 */
export interface State {
  /** It may run now. */
  eligible: boolean;
  /** It has run to completion (all postconditions hold). */
  complete: boolean;
}

/** Options of an {@link Evaluator}. */
export interface EvaluatorOptions {
  /** Conditions to ignore for eligibility (default none). */
  ignoreConditions?: IgnoreConditions;
  /** Runs a shell condition; true on exit status 0 (default: `bash -c` in the job directory). */
  shell?: (command: string, job: Job) => Promise<boolean>;
  /** Results of file and document conditions kept between commands (default none). */
  cache?: ConditionCache;
  /**
   * Of how many jobs the listings and documents that file and document
   * conditions read are kept (default: all). A caller that evaluates job by
   * job (as `flow status` does) needs the last few only: keeping all of them
   * cost tens of MB at 100,000 jobs. A caller that evaluates operation by
   * operation would list a job again for each operation beyond this window.
   */
  recentJobs?: number;
}

type Result = boolean | Promise<boolean>;

/**
 * Evaluates conditions with memoisation, for one command.
 *
 * @example
 * ```ts
 * import { Evaluator } from "./eligibility.ts";
 * import { Registry } from "./registry.ts";
 * const evaluator = new Evaluator(new Registry());
 * ```
 */
export class Evaluator implements ConditionContext {
  readonly #registry: Registry;
  readonly #ignore: IgnoreConditions;
  readonly #shell: (command: string, job: Job) => Promise<boolean>;
  /** Condition key → job id → result (few large maps: cheaper than one map per job). */
  readonly #memo = new Map<string, Map<string, Result>>();
  readonly #cache?: ConditionCache;
  /**
   * For the cache, which has just read the job's change times: a listing
   * (and later a document) read after them, so that a change in between
   * shows up as a new time rather than as a stale entry.
   */
  readonly #listingOf = (job: Job, known?: JobListing | null) => {
    this.#files.delete(job.id);
    this.#docs.delete(job.id);
    if (known !== undefined) {
      this.#files.set(job.id, known);
      return known;
    }
    return this.#listing(job);
  };

  // The tests `every` asks on the path of every job, made once (no closure per call).
  readonly #holds = (c: Condition, job: Job) => this.holds(c, job);
  readonly #holdsFor = (job: Job, c: Condition) => this.holds(c, job);
  readonly #holdsForAll = (c: Condition, jobs: readonly Job[]) => this.holdsForAll(c, jobs);

  /** An evaluator over a registry's definitions. */
  constructor(registry: Registry, options: EvaluatorOptions = {}) {
    this.#registry = registry;
    this.#ignore = options.ignoreConditions ?? "none";
    this.#shell = options.shell ?? runShellCondition;
    this.#cache = options.cache;
    this.#files = new RecentMap(options.recentJobs ?? Infinity);
    this.#docs = new RecentMap(options.recentJobs ?? Infinity);
  }

  /** Whether a condition holds for a job (memoised). */
  holds(condition: Condition, job: Job): Result {
    const cache = condition.cacheable ? this.#cache : undefined;
    if (cache) {
      // The cache answers for the rest of the command: no second memo.
      const known = cache.get(job, condition.key, this.#listingOf);
      if (known !== undefined) return known;
    }
    // Combining memoised results (after): evaluated again rather than memoised.
    if (condition.derived) return condition.evaluate(job, this);
    const id = job.id;
    let perCondition = this.#memo.get(condition.key);
    if (!perCondition) this.#memo.set(condition.key, perCondition = new Map());
    const cached = perCondition.get(id);
    if (cached !== undefined) return cached;
    const r = condition.evaluate(job, this);
    // Kept by the cache, the result needs no memo (100,000s of map entries on a first run).
    if (cache && typeof r === "boolean" && cache.set(job, condition.key, r)) return r;
    perCondition.set(id, r);
    if (r !== true && r !== false) {
      const memo = perCondition;
      r.then((v) => memo.set(id, v), () => memo.delete(id));
    }
    return r;
  }

  /** Whether a condition holds for every job of an aggregate. */
  holdsForAll(condition: Condition, jobs: readonly Job[]): Result {
    if (jobs.length === 1) return this.holds(condition, jobs[0]);
    return every(jobs, this.#holdsFor, condition);
  }

  /** {@link ConditionContext}: every postcondition of `name` holds for the job. */
  postconditionsHold(name: string, job: Job): Result {
    const op = this.#registry.operation(name);
    if (op.post.length === 0) return false;
    return every(op.post, this.#holds, job);
  }

  /** {@link ConditionContext}: runs a shell condition. */
  shell(command: string, job: Job): Promise<boolean> {
    return this.#shell(command, job);
  }

  /** Whether the operation is complete for the aggregate. */
  complete(op: Operation, agg: Aggregate): Result {
    if (op.post.length === 0) return false;
    return every(op.post, this.#holdsForAll, agg.jobs);
  }

  /** Eligibility and completeness of an operation for an aggregate. */
  async operationState(op: Operation, agg: Aggregate): Promise<State> {
    const complete = await this.complete(op, agg);
    const ignorePre = this.#ignore === "pre" || this.#ignore === "all";
    const ignorePost = this.#ignore === "post" || this.#ignore === "all";
    const preOk = ignorePre || await every(op.pre, this.#holdsForAll, agg.jobs);
    const postOpen = ignorePost || op.post.length === 0 || !complete;
    return { eligible: preOk && postOpen, complete };
  }

  /** States of a group and of each of its operations for an aggregate. */
  async groupState(
    group: Group,
    agg: Aggregate,
  ): Promise<State & { operations: Map<string, State> }> {
    const operations = new Map<string, State>();
    for (const m of group.members) {
      operations.set(
        m.operation,
        await this.operationState(this.#registry.operation(m.operation), agg),
      );
    }
    const states = [...operations.values()];
    return {
      eligible: states.some((s) => s.eligible),
      complete: states.every((s) => s.complete),
      operations,
    };
  }

  /** Listings and documents of the jobs read, or of the most recent ones (`recentJobs`). */
  readonly #files: RecentMap<JobListing | null>;
  readonly #docs: RecentMap<JsonObject>;

  /** The job directory's regular files (and whether it holds links), listed once (while recent). */
  #listing(job: Job): JobListing | null {
    let listing = this.#files.get(job.id);
    if (listing === undefined) {
      try {
        const files = new Set<string>();
        let links = false;
        for (const e of Deno.readDirSync(job.path)) {
          if (e.isFile) files.add(e.name);
          else if (e.isSymlink) {
            links = true;
            if (job.isFileSync(e.name)) files.add(e.name);
          }
        }
        listing = { files, links };
      } catch {
        listing = null; // not listable: ask the file system each time
      }
      this.#files.set(job.id, listing);
    }
    return listing;
  }

  /**
   * {@link ConditionContext}: whether `name` is a regular file in the job
   * directory, from one listing of the directory per job and command (a
   * stat per file and a thrown NotFound for each missing one cost ~20 µs
   * each; at 100,000 jobs that was most of `status`).
   */
  isFile(job: Job, name: string): boolean {
    if (name.includes("/")) return job.isFileSync(name);
    const listing = this.#listing(job);
    return listing === null ? job.isFileSync(name) : listing.files.has(name);
  }

  /** {@link ConditionContext}: the job document, read once per job (while it is recent). */
  document(job: Job): JsonObject {
    let doc = this.#docs.get(job.id);
    if (doc === undefined) {
      doc = this.isFile(job, JOB_DOCUMENT_FILE) ? job.doc.readSync() : {};
      this.#docs.set(job.id, doc);
    }
    return doc;
  }

  /** Drops memoised results for these jobs (after an operation ran on them). */
  forget(jobs: readonly Job[]): void {
    for (const j of jobs) {
      for (const perCondition of this.#memo.values()) perCondition.delete(j.id);
      this.#files.delete(j.id);
      this.#docs.delete(j.id);
    }
    this.#cache?.forget(jobs);
  }
}
