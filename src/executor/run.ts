/**
 * The run loop behind `flow run` and `flow exec`: runs eligible operations
 * and groups on their jobs until nothing selected is eligible, each
 * (operation, aggregate) at most once per invocation.
 *
 * - Work is a *unit*: a selected group (an operation is the singleton group
 *   of its name) on one aggregate. A unit is ready when one of its
 *   operations is eligible and has not run on that aggregate yet.
 * - When a unit finishes, only the units that share a job with it are
 *   evaluated again (conditions are memoised per job), so newly eligible
 *   work joins the queue at once without a full pass.
 * - Two units that share a job never run at the same time.
 * - Running a group runs its eligible operations in registration order,
 *   each checked just before it starts (or all at once with the group's
 *   `runOptions.parallel`).
 * - On a failure, no new work starts (unless `keepGoing`), running work
 *   finishes, and the summary reports what failed.
 *
 * @module
 */

import type { ConditionCache } from "../registry/condition_cache.ts";
import { type Claim, type ClaimOwner, ClaimStore } from "./claims.ts";
import {
  aggregateGroupDirectives,
  coresRequested,
  formatDirectives,
  gpusRequested,
  type ResolvedDirectives,
  resolveDirectives,
} from "../directives/mod.ts";
import type { Aggregate } from "../registry/aggregate.ts";
import { Evaluator, type IgnoreConditions } from "../registry/eligibility.ts";
import type { Group } from "../registry/group.ts";
import type { Hook, Operation } from "../registry/operation.ts";
import type { Registry } from "../registry/registry.ts";
import { type Job, STATEPOINT_FILE } from "../workspace/job.ts";
import type { Project } from "../workspace/project.ts";
import { openHistory } from "./history.ts";
import { launch, type Running } from "./launch.ts";
import { openLog } from "./logs.ts";
import { isSandboxed, SandboxError, sandboxSpecFor } from "./sandbox.ts";
import { SandboxPool } from "./sandbox_pool.ts";
import {
  type Allocation,
  checkFits,
  PackingQueue,
  ResourcePool,
  type ResourceRequest,
} from "./packing.ts";
import { type Resources, visibleDevicesEnv } from "./resources.ts";
import { operationEnv } from "../environment.ts";
import { chooseLauncher, withLauncher } from "./mpi.ts";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The order in which ready work starts: `--order`. */
export type RunOrder = "none" | "by-job" | "cyclic" | "random";

/**
 * What happened to one operation on one aggregate.
 *
 * @example
 * ```ts
 * import type { OperationRecord } from "./run.ts";
 * function line(r: OperationRecord) { return `${r.operation} on ${r.id}: ${r.ok ? "ok" : r.error}`; }
 * ```
 */
export interface OperationRecord {
  /** The operation. */
  operation: string;
  /** The group it ran in. */
  group: string;
  /** Job or aggregate id. */
  id: string;
  /** True if it succeeded. */
  ok: boolean;
  /** True if it was stopped by an interrupt. */
  interrupted: boolean;
  /** Why it failed. */
  error?: string;
  /** Exit code of a command operation. */
  exitCode?: number;
  /** How long it ran, in seconds. */
  seconds: number;
  /** Its log file (command operations). */
  log?: string;
}

/** Callbacks through which a front end follows a run. */
export interface RunEvents {
  /** `--pretend`: a block of text describing one unit. */
  pretend?(text: string): void;
  /** An operation starts. */
  started?(operation: string, agg: Aggregate, group: Group): void;
  /** An operation ended. */
  finished?(record: OperationRecord): void;
  /** Output of a command operation. */
  output?(operation: string, agg: Aggregate, chunk: Uint8Array): void;
  /** The number of units known so far grew (for a progress bar). */
  discovered?(total: number): void;
  /** A hook failed, or a request was clamped (it does not change the outcome). */
  warning?(message: string): void;
  /** The devices in use changed (for a progress bar). */
  devices?(inUse: readonly string[]): void;
  /**
   * An operation was not run on an aggregate for `reason` (a job of it was
   * removed meanwhile: see {@link RunSummary.removed}); nothing else of its
   * unit runs either.
   */
  skipped?(operation: string, agg: Aggregate, reason: string): void;
}

/** What to run and how. */
export interface RunRequest {
  /** The project. */
  project: Project;
  /** The workflow. */
  registry: Registry;
  /** The selected groups (`registry.select(...)`). */
  groups: readonly Group[];
  /** The jobs to consider. */
  jobs: readonly Job[];
  /** Only aggregates with these ids (from `-j agg-...`); default all. */
  aggregateIds?: ReadonlySet<string>;
  /** Start at most this many units (`-n`). */
  maxUnits?: number;
  /** Print what would run, run nothing. */
  pretend?: boolean;
  /** How many units may run at once (default 1; `Infinity`: as many as the resources allow). */
  parallel?: number;
  /** `--ignore-conditions`. */
  ignoreConditions?: IgnoreConditions;
  /** Results of file and document conditions kept between commands (default none). */
  cache?: ConditionCache;
  /** `--order` (default none). */
  order?: RunOrder;
  /** Per-operation time limit in seconds. */
  timeoutSeconds?: number;
  /** Go on with other jobs after a failure. */
  keepGoing?: boolean;
  /**
   * The cores and GPUs to pack operations onto (`detectResources`). Without
   * it, only `parallel` limits how many run at once and no GPU is pinned.
   */
  resources?: Resources;
  /** Operations per GPU (`--gpu-share`, default 1: a GPU is never shared). */
  gpuShare?: number;
  /**
   * A request larger than the whole machine is an error before anything
   * starts (default: when `parallel` > 1). Otherwise it is clamped to the
   * machine, with a warning, and runs alone.
   */
  strictResources?: boolean;
  /** The MPI launcher prefix with `{n}` (default: `mpirun -n {n}`, or `srun` in SLURM). */
  mpiLauncher?: string;
  /**
   * Claim each (operation, job) before running it, so that concurrent runs
   * on the same project never run the same one twice (default true; see
   * `claims.ts`).
   */
  claims?: boolean;
  /** Follow the run. */
  events?: RunEvents;
}

/**
 * The outcome of a run.
 *
 * @example
 * ```ts
 * import type { RunSummary } from "./run.ts";
 * const ok = (s: RunSummary) => s.failed.length === 0 && s.interrupted.length === 0;
 * ```
 */
export interface RunSummary {
  /** Operations that succeeded. */
  succeeded: OperationRecord[];
  /** Operations that failed. */
  failed: OperationRecord[];
  /** Operations stopped by an interrupt. */
  interrupted: OperationRecord[];
  /** Operations not run because another flow process was running them (held its claim). */
  busy: { operation: string; id: string; owner: ClaimOwner }[];
  /**
   * Units not run because a job of theirs was removed (`flow job rm`) after
   * the run listed it: the operation that was to run, its group, the
   * aggregate and the jobs that are gone. Not a failure: nothing ran, and the
   * removed job's folder was not made again.
   */
  removed: RemovedRecord[];
  /** True if the run was interrupted. */
  wasInterrupted: boolean;
}

/** A unit not run because a job of its aggregate was removed (see {@link RunSummary.removed}). */
export interface RemovedRecord {
  /** The operation that was to run next (the first of them, for a parallel group). */
  operation: string;
  /** Its group. */
  group: string;
  /** Job or aggregate id. */
  id: string;
  /** The ids of the jobs of the aggregate that no longer exist. */
  jobs: string[];
}

/**
 * The jobs of `agg` that no longer exist: no state point file in the job
 * folder (one `stat` per job, which also finds the folder gone).
 */
function missingJobs(agg: Aggregate): string[] {
  const gone: string[] = [];
  for (const job of agg.jobs) if (!job.isFileSync(STATEPOINT_FILE)) gone.push(job.id);
  return gone;
}

interface Unit {
  group: Group;
  groupIndex: number;
  agg: Aggregate;
  aggIndex: number;
}

/**
 * Runs a selection of groups on jobs; see the module documentation.
 *
 * @example
 * ```ts
 * import { Runner } from "./run.ts";
 * // const summary = await new Runner(request).run();
 * ```
 */
export class Runner {
  readonly #req: RunRequest;
  readonly #evaluator: Evaluator;
  readonly #done = new Set<string>();
  readonly #busy = new Set<string>();
  readonly #processes = new Set<Running>();
  readonly #summary: RunSummary = {
    succeeded: [],
    failed: [],
    interrupted: [],
    busy: [],
    removed: [],
    wasInterrupted: false,
  };
  #claims?: ClaimStore;
  /** Claims held now, by operation and aggregate id. */
  readonly #held = new Map<string, Claim>();
  #stopping = false;
  /** The grace period of the latest interrupt (undefined: not interrupted). */
  #interruptGraceMs?: number;
  readonly #parentEnv: Record<string, string> = Deno.env.toObject();
  readonly #launcher: string;
  readonly #sandboxes: SandboxPool;
  #cyclic = new Map<number, number>();

  /** A runner for one request. */
  constructor(request: RunRequest) {
    this.#req = request;
    this.#evaluator = new Evaluator(request.registry, {
      ignoreConditions: request.ignoreConditions,
      cache: request.cache,
    });
    this.#launcher = chooseLauncher(request.mpiLauncher, this.#parentEnv);
    const slots = request.parallel ?? 1;
    this.#sandboxes = new SandboxPool(
      Number.isFinite(slots) ? 2 * slots : 2 * navigator.hardwareConcurrency,
    );
  }

  /** The evaluator this run uses (for tests and front ends). */
  get evaluator(): Evaluator {
    return this.#evaluator;
  }

  /**
   * Stops starting work and stops running operations (Ctrl-C, SIGTERM):
   * SIGTERM, then SIGKILL after `graceMs`. Called again (a second Ctrl-C,
   * with 0), it shortens the grace period: SIGKILL at once.
   */
  interrupt(graceMs = 5000): void {
    this.#stopping = true;
    this.#summary.wasInterrupted = true;
    this.#interruptGraceMs = Math.min(this.#interruptGraceMs ?? Infinity, graceMs);
    for (const p of this.#processes) p.stop("interrupt", graceMs);
    this.#sandboxes.killBusy("interrupted");
  }

  /** Runs until nothing selected is eligible, a failure stops it, or it is interrupted. */
  async run(): Promise<RunSummary> {
    const req = this.#req;
    const units: Unit[] = [];
    const byJob = new Map<string, Unit[]>();
    req.groups.forEach((group, groupIndex) => {
      const aggregator = req.registry.operation(group.members[0].operation).aggregator;
      aggregator.aggregate(req.jobs).forEach((agg, aggIndex) => {
        if (req.aggregateIds && !req.aggregateIds.has(agg.id)) return;
        const unit = { group, groupIndex, agg, aggIndex };
        units.push(unit);
        for (const j of agg.jobs) {
          const list = byJob.get(j.id);
          if (list) list.push(unit);
          else byJob.set(j.id, [unit]);
        }
      });
    });
    if (req.pretend) {
      await this.#pretend(units);
      return this.#summary;
    }
    const parallel = Math.max(1, req.parallel ?? 1);
    const res = req.resources;
    const pool = res
      ? new ResourcePool(res.cpus, res.gpus, req.gpuShare ?? 1)
      : new ResourcePool(Number.isFinite(parallel) ? parallel : Number.MAX_SAFE_INTEGER, []);
    if (res && (req.strictResources ?? parallel > 1)) {
      for (const unit of units) this.#check(unit, res, true);
    }
    const dirty = new Set<Unit>(units);
    const queued = new Set<Unit>();
    const queue = new PackingQueue<Unit>();
    const running = new Map<Unit, Promise<void>>();
    let started = 0;
    let discovered = 0;
    while (true) {
      if (!this.#stopping) {
        for (const unit of dirty) {
          if (this.#isBusy(unit)) continue;
          dirty.delete(unit);
          if (this.#gone.size > 0 && unit.agg.jobs.some((j) => this.#gone.has(j.id))) continue;
          if (queued.has(unit) || !(await this.#isReady(unit))) continue;
          queue.push(
            unit,
            res ? this.#check(unit, res, false) : { cores: 1, gpus: 0 },
            this.#key(unit),
          );
          queued.add(unit);
          req.events?.discovered?.(++discovered);
        }
        const limit = Math.min(parallel - running.size, (req.maxUnits ?? Infinity) - started);
        if (limit > 0 && queue.size > 0) {
          // Units sharing a job never start together, not even in one decision.
          const claimed = new Set<string>();
          const startable = (u: Unit) => {
            if (u.agg.jobs.some((j) => this.#busy.has(j.id) || claimed.has(j.id))) return false;
            for (const j of u.agg.jobs) claimed.add(j.id);
            return true;
          };
          for (
            const { item: unit, allocation } of queue.schedule(pool, { limit, canStart: startable })
          ) {
            queued.delete(unit);
            if (!(await this.#isReady(unit))) {
              pool.release(allocation);
              continue;
            }
            started++;
            this.#setBusy(unit, true);
            req.events?.devices?.(pool.inUse());
            const p = this.#execute(unit, allocation).finally(() => {
              pool.release(allocation);
              req.events?.devices?.(pool.inUse());
              this.#setBusy(unit, false);
              running.delete(unit);
              for (const j of unit.agg.jobs) for (const u of byJob.get(j.id) ?? []) dirty.add(u);
            });
            running.set(unit, p);
          }
        }
        this.#prefetch(queued);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    await this.#sandboxes.closeAll();
    if (this.#claims) {
      // Claims left by killed runs on operations that are complete by now.
      this.#claims.sweep();
      this.#claims.close();
    }
    return this.#summary;
  }

  /** The member of `group` whose sandbox a unit of it opens first, if any runs in one. */
  #sandboxedMember(group: Group): Operation | undefined {
    for (const m of group.members) {
      const op = this.#req.registry.operation(m.operation);
      if (isSandboxed(op) && op.module !== undefined) return op;
    }
    return undefined;
  }

  /** True if some selected group runs an operation in a sandbox. */
  #sandboxing?: boolean;

  /**
   * Opens the sandboxes of the next queued units ahead of time (see
   * SandboxPool.prefetch). Returns at once when nothing selected runs in a
   * sandbox: finding the first entries of a Set from which the units that
   * started were deleted passes over every deleted entry (7.5 µs per call,
   * averaged over a run of 100,000 units here).
   */
  #prefetch(queued: ReadonlySet<Unit>): void {
    if (this.#stopping || this.#req.pretend) return;
    this.#sandboxing ??= this.#req.groups.some((g) => this.#sandboxedMember(g) !== undefined);
    if (!this.#sandboxing) return;
    let n = 0;
    for (const unit of queued) {
      if (n++ >= 2) break;
      const op = this.#sandboxedMember(unit.group);
      if (op) {
        this.#sandboxes.prefetch(
          sandboxSpecFor([op], { projectRoot: this.#req.project.root, jobs: unit.agg.jobs }),
        );
      }
    }
  }

  readonly #constantRequests = new Map<Group, ResourceRequest | null>();
  readonly #warned = new Set<string>();

  /** What a unit needs: its group's directives for every member, combined serially or in parallel. */
  #request(unit: Unit): ResourceRequest {
    const { group, agg } = unit;
    let cached = this.#constantRequests.get(group);
    if (cached === undefined) {
      const constant = group.members.every((m) =>
        Object.values(this.#req.registry.memberDirectives(group, m.operation)).every((v) =>
          typeof v !== "function"
        )
      );
      cached = constant ? this.#computeRequest(group, agg) : null;
      this.#constantRequests.set(group, cached);
    }
    return cached ?? this.#computeRequest(group, agg);
  }

  #computeRequest(group: Group, agg: Aggregate): ResourceRequest {
    const list = group.members.map((m) =>
      this.#directives(this.#req.registry.operation(m.operation), group, agg)
    );
    const d = aggregateGroupDirectives(list, group.runOptions.parallel ? "parallel" : "serial");
    return { cores: coresRequested(d), gpus: gpusRequested(d) };
  }

  /** The unit's request; too large for the machine: an error (strict) or clamped with a warning. */
  #check(unit: Unit, res: Resources, strict: boolean): ResourceRequest {
    const req = this.#request(unit);
    const gpuSlots = res.gpus.length;
    if (req.cores <= res.cpus && req.gpus <= gpuSlots) return req;
    const name = unit.group.singleton
      ? `operation '${unit.group.name}'`
      : `group '${unit.group.name}'`;
    if (strict) {
      checkFits(req, res.cpus, gpuSlots, this.#req.gpuShare ?? 1, `${name} on ${unit.agg.id}`, {
        cpus: res.cpuSource,
        gpus: res.gpuSource,
      });
    }
    if (!this.#warned.has(unit.group.name)) {
      this.#warned.add(unit.group.name);
      this.#req.events?.warning?.(
        `${name} requests ${plural(req.cores, "core")} and ${
          plural(req.gpus, "GPU")
        }; this machine has ` +
          `${plural(res.cpus, "core")} and ${
            plural(gpuSlots, "GPU")
          }: running it with what there is`,
      );
    }
    return { cores: Math.min(req.cores, res.cpus), gpus: Math.min(req.gpus, gpuSlots) };
  }

  #key(unit: Unit): number[] {
    switch (this.#req.order ?? "none") {
      case "by-job":
        return [unit.aggIndex, unit.groupIndex];
      case "cyclic": {
        const rank = this.#cyclic.get(unit.groupIndex) ?? 0;
        this.#cyclic.set(unit.groupIndex, rank + 1);
        return [rank, unit.groupIndex];
      }
      case "random":
        return [Math.random()];
      default:
        return [unit.groupIndex, unit.aggIndex];
    }
  }

  #isBusy(unit: Unit): boolean {
    return unit.agg.jobs.some((j) => this.#busy.has(j.id));
  }

  #setBusy(unit: Unit, busy: boolean): void {
    for (const j of unit.agg.jobs) busy ? this.#busy.add(j.id) : this.#busy.delete(j.id);
  }

  async #isReady(unit: Unit): Promise<boolean> {
    for (const m of unit.group.members) {
      if (this.#done.has(`${m.operation}\0${unit.agg.id}`)) continue;
      const op = this.#req.registry.operation(m.operation);
      if ((await this.#evaluator.operationState(op, unit.agg)).eligible) return true;
    }
    return false;
  }

  async #eligibleMembers(unit: Unit): Promise<Operation[]> {
    const out: Operation[] = [];
    for (const m of unit.group.members) {
      if (this.#done.has(`${m.operation}\0${unit.agg.id}`)) continue;
      const op = this.#req.registry.operation(m.operation);
      if ((await this.#evaluator.operationState(op, unit.agg)).eligible) out.push(op);
    }
    return out;
  }

  async #execute(unit: Unit, allocation: Allocation): Promise<void> {
    const { group, agg } = unit;
    if (group.runOptions.parallel) {
      const claims: Claim[] = [];
      const ops: Operation[] = [];
      for (const op of await this.#eligibleMembers(unit)) {
        const claim = this.#claim(op, agg);
        if (claim === undefined) continue;
        if (claim !== true) claims.push(claim);
        ops.push(op);
      }
      if (ops.length > 0 && this.#skipIfRemoved(ops[0], group, agg)) {
        for (const c of claims) this.#release(c);
        return;
      }
      if (claims.length > 0) {
        // Claimed: look again (another process may have just completed some and let go).
        this.#evaluator.forget(agg.jobs);
        for (let i = ops.length - 1; i >= 0; i--) {
          if (!(await this.#evaluator.operationState(ops[i], agg)).eligible) ops.splice(i, 1);
        }
      }
      try {
        await this.#runParallel(unit, allocation, ops);
      } finally {
        for (const c of claims) this.#release(c);
      }
      return;
    }
    for (const m of group.members) {
      if (this.#stopping) return;
      const key = `${m.operation}\0${agg.id}`;
      if (this.#done.has(key)) continue;
      const op = this.#req.registry.operation(m.operation);
      if (!(await this.#evaluator.operationState(op, agg)).eligible) continue;
      const claim = this.#claim(op, agg);
      if (claim === undefined) continue;
      try {
        if (this.#skipIfRemoved(op, group, agg)) return;
        if (claim !== true) {
          // Claimed: look again (another process may have just completed it and let go).
          this.#evaluator.forget(agg.jobs);
          if (!(await this.#evaluator.operationState(op, agg)).eligible) continue;
        }
        this.#done.add(key);
        const n = gpusRequested(this.#directives(op, group, agg));
        const ok = await this.#runOperation(op, group, agg, allocation.deviceIds.slice(0, n));
        this.#evaluator.forget(agg.jobs);
        if (!ok) return; // the rest of the group depends on what failed
      } finally {
        if (claim !== true) this.#release(claim);
      }
    }
  }

  /**
   * True, with the unit recorded as not run, when a job of `agg` was removed
   * (`flow job rm`) since the run listed it: running the operation would
   * make its folder again, holding a log and whatever the command writes but
   * no state point (a ghost job that `find` and `status` list from the
   * workspace index and that `flow check` reports). No member of the unit
   * runs on the aggregate after that.
   *
   * Called once the operation is claimed, just before it starts, which makes
   * the check sound: `flow job rm` refuses a job with a live claim on it
   * (without --force), so a removal either came before the claim and is seen
   * here, or comes after it and is refused. Between this check and the start
   * there is only the time to evaluate the conditions again, and the only
   * window left is `job rm`'s own, between looking for claims and renaming
   * the folder away; should a job go then (or with --force), `openLog` still
   * refuses to make its folder again and the operation fails with that. (A
   * job in a larger aggregate is claimed under the aggregate's id, which
   * `job rm` does not look for: for those the check sees removals made before
   * the start only. With claims off it is best effort.)
   */
  #skipIfRemoved(op: Operation, group: Group, agg: Aggregate): boolean {
    const gone = missingJobs(agg);
    if (gone.length === 0) return false;
    for (const id of gone) this.#gone.add(id);
    for (const m of group.members) this.#done.add(`${m.operation}\0${agg.id}`);
    this.#summary.removed.push({ operation: op.name, group: group.name, id: agg.id, jobs: gone });
    const which = gone.length === 1 ? `job ${gone[0]} was` : `jobs ${gone.join(", ")} were`;
    this.#req.events?.skipped?.(op.name, agg, `${which} removed; not run`);
    return true;
  }

  /** Jobs found removed during this run (see #skipIfRemoved). */
  readonly #gone = new Set<string>();

  /**
   * Claims (operation, aggregate): the claim, `true` when claims are off, or
   * undefined when another process holds it (recorded in the summary).
   */
  #claim(op: Operation, agg: Aggregate): Claim | true | undefined {
    if (this.#req.claims === false) return true;
    this.#claims ??= new ClaimStore(this.#req.project.root, {
      onTakeover: (message) => this.#req.events?.warning?.(message),
    });
    const r = this.#claims.claim(op.name, agg.id);
    if ("held" in r) {
      this.#held.set(`${op.name}\0${agg.id}`, r.held);
      return r.held;
    }
    this.#summary.busy.push({ operation: op.name, id: agg.id, owner: r.busy });
    this.#done.add(`${op.name}\0${agg.id}`);
    return undefined;
  }

  #release(claim: Claim): void {
    for (const [key, c] of this.#held) if (c === claim) this.#held.delete(key);
    claim.release();
  }

  async #runParallel(unit: Unit, allocation: Allocation, ops: Operation[]): Promise<void> {
    const { group, agg } = unit;
    {
      for (const op of ops) this.#done.add(`${op.name}\0${agg.id}`);
      // Disjoint devices for operations that run at the same time.
      let next = 0;
      const devices = ops.map((op) => {
        const n = gpusRequested(this.#directives(op, group, agg));
        const mine = allocation.deviceIds.slice(next, next + n);
        next += n;
        return mine;
      });
      await Promise.all(ops.map((op, i) => this.#runOperation(op, group, agg, devices[i])));
      this.#evaluator.forget(agg.jobs);
    }
  }

  #directives(op: Operation, group: Group, agg: Aggregate): ResolvedDirectives {
    const where = group.singleton
      ? `operation '${op.name}'`
      : `operation '${op.name}' in group '${group.name}'`;
    return resolveDirectives(
      this.#req.registry.memberDirectives(group, op.name),
      agg.jobs[0],
      where,
    );
  }

  #command(op: Operation, agg: Aggregate, d: ResolvedDirectives): string | undefined {
    if (op.body.kind !== "command") return undefined;
    const cmd = op.body.template.render(agg.jobs, this.#req.project.root);
    return withLauncher(cmd, d.nranks, this.#launcher);
  }

  async #pretend(units: Unit[]): Promise<void> {
    const events = this.#req.events;
    let shown = 0;
    for (const unit of units) {
      if (this.#req.maxUnits !== undefined && shown >= this.#req.maxUnits) break;
      const ops = await this.#eligibleMembers(unit);
      if (ops.length === 0) continue;
      shown++;
      const lines: string[] = [];
      const resolved = ops.map((op) => this.#directives(op, unit.group, unit.agg));
      if (unit.group.singleton) {
        lines.push(`# ${ops[0].name} on ${unit.agg.id}: ${formatDirectives(resolved[0])}`);
      } else {
        const mode = unit.group.runOptions.parallel ? "parallel" : "serial";
        lines.push(`# group ${unit.group.name} on ${unit.agg.id} (${mode})`);
      }
      ops.forEach((op, i) => {
        if (!unit.group.singleton) lines.push(`#   ${op.name}: ${formatDirectives(resolved[i])}`);
        const env = resolved[i].omp_num_threads > 0
          ? `export OMP_NUM_THREADS=${resolved[i].omp_num_threads}; `
          : "";
        lines.push(
          env + (this.#command(op, unit.agg, resolved[i]) ?? `<TypeScript function ${op.name}>`),
        );
      });
      events?.pretend?.(lines.join("\n"));
    }
  }

  async #runHooks(
    kind: "onStart" | "onSuccess" | "onException" | "onExit",
    op: Operation,
    agg: Aggregate,
    error?: string,
  ): Promise<void> {
    const hooks: Hook[] = [...this.#req.registry.hooks[kind], ...op.hooks[kind]];
    for (const hook of hooks) {
      try {
        if (hook.kind === "function") await hook.fn(op.name, agg.jobs, error);
        else {
          const command = hook.template.render(agg.jobs, this.#req.project.root);
          const p = launch({
            command,
            cwd: agg.jobs.length === 1 ? agg.jobs[0].path : this.#req.project.root,
            env: this.#env(op, agg, error),
          });
          const status = await p.done;
          if (status.code !== 0) throw new Error(`exit code ${status.code}`);
        }
      } catch (e) {
        this.#req.events?.warning?.(
          `${kind} hook of '${op.name}' on ${agg.id} failed: ${(e as Error).message}`,
        );
      }
    }
  }

  #env(op: Operation, agg: Aggregate, error?: string, inherit = true): Record<string, string> {
    const env: Record<string, string> = {
      FLOW_OPERATION: op.name,
      FLOW_JOB_ID: agg.id,
      FLOW_JOB_IDS: agg.jobs.map((j) => j.id).join(" "),
      FLOW_PROJECT: this.#req.project.root,
    };
    if (error !== undefined) env.FLOW_ERROR = error;
    return inherit ? operationEnv(this.#parentEnv, env) : env;
  }

  async #runOperation(
    op: Operation,
    group: Group,
    agg: Aggregate,
    devices: readonly string[],
  ): Promise<boolean> {
    const req = this.#req;
    const t0 = performance.now();
    const record: OperationRecord = {
      operation: op.name,
      group: group.name,
      id: agg.id,
      ok: false,
      interrupted: false,
      seconds: 0,
    };
    const history = {
      operation: op.name,
      id: agg.id,
      ...(group.singleton ? {} : { group: group.name }),
    };
    req.events?.started?.(op.name, agg, group);
    const historyLog = openHistory(agg.jobs);
    historyLog.append({ time: new Date().toISOString(), event: "start", ...history });
    await this.#runHooks("onStart", op, agg);
    try {
      const d = this.#directives(op, group, agg);
      if (op.body.kind === "command") {
        const command = this.#command(op, agg, d)!;
        const logDir = agg.jobs.length === 1
          ? `${agg.jobs[0].path}/.flow/logs`
          : `${req.project.root}/.flow/logs/${agg.id}`;
        const log = openLog(logDir, op.name);
        record.log = log.path;
        const env = this.#env(op, agg);
        if (d.omp_num_threads > 0) env.OMP_NUM_THREADS = String(d.omp_num_threads);
        // GPU pinning: only the devices this operation holds (none if it asked for none).
        const vendor = req.resources?.vendor ?? "none";
        Object.assign(env, visibleDevicesEnv(vendor, devices));
        if (devices.length > 0) env.FLOW_GPUS = devices.join(",");
        // A log that cannot be written (a full disk) loses the rest of the output: the command
        // runs on (stopping it could lose more), and the operation then counts as failed.
        let logError: string | undefined;
        const p = launch({
          command,
          cwd: op.inJobDir && agg.jobs.length === 1 ? agg.jobs[0].path : req.project.root,
          env,
          timeoutMs: req.timeoutSeconds !== undefined ? req.timeoutSeconds * 1000 : undefined,
          onOutput: (chunk) => {
            if (logError === undefined) {
              try {
                log.write(chunk);
              } catch (e) {
                logError = e instanceof Error ? e.message : String(e);
              }
            }
            req.events?.output?.(op.name, agg, chunk);
          },
          // The claim names the command's process before the command starts: were this
          // process killed in between, a claim without it would look stale while the
          // command ran on, and another run would start the operation a second time.
          beforeStart: (pid) => this.#held.get(`${op.name}\0${agg.id}`)?.setChild(pid),
        });
        this.#processes.add(p);
        // Launched while an interrupt was under way (an onStart hook was running): stopped too.
        if (this.#interruptGraceMs !== undefined) p.stop("interrupt", this.#interruptGraceMs);
        const status = await p.done.finally(() => {
          this.#processes.delete(p);
          try {
            log.close();
          } catch {
            // what could not be written is reported below
          }
        });
        record.exitCode = status.code;
        if (status.interrupted) {
          record.interrupted = true;
          record.error = "interrupted";
        } else if (status.timedOut) record.error = `timed out after ${req.timeoutSeconds} s`;
        else if (status.code !== 0) {
          record.error = status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
        } else record.ok = logError === undefined;
        if (logError !== undefined) {
          const why = `its log could not be written: ${logError}`;
          record.error = record.error === undefined
            ? `exit code 0, but ${why}`
            : `${record.error}; ${why}`;
        }
      } else {
        const fn = op.body.fn;
        const timeoutMs = req.timeoutSeconds !== undefined ? req.timeoutSeconds * 1000 : undefined;
        if (isSandboxed(op) && op.module !== undefined) {
          // Permission-scoped: read the project, write only the job directories (and allowWrite).
          const env = this.#env(op, agg, undefined, false);
          if (d.omp_num_threads > 0) env.OMP_NUM_THREADS = String(d.omp_num_threads);
          Object.assign(env, visibleDevicesEnv(req.resources?.vendor ?? "none", devices));
          const spec = sandboxSpecFor([op], { projectRoot: req.project.root, jobs: agg.jobs });
          const sandbox = await this.#sandboxes.take(spec);
          let broken = false;
          let timer: ReturnType<typeof setTimeout> | undefined;
          try {
            if (timeoutMs !== undefined) {
              timer = setTimeout(() => {
                broken = true;
                sandbox.kill(`timed out after ${req.timeoutSeconds} s`);
              }, timeoutMs);
            }
            await sandbox.run(op.name, agg.jobs.map((j) => j.id), { env });
          } catch (e) {
            if (e instanceof SandboxError) broken = true;
            if (this.#stopping && this.#summary.wasInterrupted && e instanceof SandboxError) {
              record.interrupted = true;
            }
            throw e;
          } finally {
            clearTimeout(timer);
            this.#sandboxes.give(spec, sandbox, broken);
          }
        } else {
          // In-process (sandbox: false, or defined without a module): trusted and fastest.
          const call = Promise.resolve().then(() => fn(...agg.jobs));
          if (timeoutMs !== undefined) {
            let timer: ReturnType<typeof setTimeout> | undefined;
            const limit = new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`timed out after ${req.timeoutSeconds} s`)),
                timeoutMs,
              );
            });
            await Promise.race([call, limit]).finally(() => clearTimeout(timer));
          } else await call;
        }
        record.ok = true;
      }
    } catch (e) {
      record.error = e instanceof Error ? e.message : String(e);
    }
    record.seconds = (performance.now() - t0) / 1000;
    historyLog.append({
      time: new Date().toISOString(),
      event: record.ok ? "finish" : "failure",
      ...history,
      seconds: Math.round(record.seconds * 1000) / 1000,
      ...(record.error ? { error: record.error } : {}),
      ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
    });
    historyLog.close();
    await this.#runHooks(record.ok ? "onSuccess" : "onException", op, agg, record.error);
    await this.#runHooks("onExit", op, agg, record.error);
    if (record.ok) this.#summary.succeeded.push(record);
    else if (record.interrupted) this.#summary.interrupted.push(record);
    else {
      this.#summary.failed.push(record);
      if (!req.keepGoing) this.#stopping = true;
    }
    req.events?.finished?.(record);
    return record.ok;
  }
}
