// `flow run`, `flow exec`, `flow next`: running operations and groups.

import { ConditionCache } from "../../registry/condition_cache.ts";
import { type Command, Option } from "../deps.ts";
import { OperationError } from "../../errors.ts";
import type { Aggregate } from "../../registry/aggregate.ts";
import { Evaluator, type IgnoreConditions } from "../../registry/eligibility.ts";
import type { Group } from "../../registry/group.ts";
import type { OperationRecord, RunEvents, RunOrder, RunSummary } from "../../executor/run.ts";
import { positiveInt, positiveNumber } from "../_args.ts";
import type { CliContext, Workflow } from "../_context.ts";
import { err, out, outBytes, StdoutClosedError } from "../_io.ts";
import { selectJobs } from "../_select.ts";
import { type CliProgress, loadCliProgress } from "../deps.ts";
import { barStream } from "../_progress.ts";

interface RunFlags {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  num?: number;
  pretend?: boolean;
  progress?: boolean;
  parallel?: number | true;
  ignoreConditions?: IgnoreConditions;
  order?: RunOrder;
  timeout?: number;
  keepGoing?: boolean;
  cpus?: number;
  gpus?: string;
  gpuShare?: number;
  mpiLauncher?: string;
}

const short = (id: string) => (id.startsWith("agg-") ? id.slice(0, 12) : id.slice(0, 8));

/** Front-end side of a run: terminal output, progress bar, signals. */
class Console implements RunEvents {
  readonly #verbose: boolean;
  readonly #passThrough: boolean;
  readonly #bar?: InstanceType<CliProgress["SingleBar"]>;
  readonly #enc = new TextEncoder();
  #total = 0;
  #done = 0;
  #failed = 0;
  #running = 0;
  #stdoutClosed = false;

  /** `cliProgress`: the bar library when a progress bar is wanted (`--progress`). */
  constructor(options: { verbose: boolean; parallel: boolean; cliProgress?: CliProgress }) {
    this.#verbose = options.verbose;
    this.#passThrough = !options.parallel && !options.cliProgress;
    const cliProgress = options.cliProgress;
    if (cliProgress) {
      this.#bar = new cliProgress.SingleBar({
        format: "running [{bar}] {value}/{total} done, {running} running, {failed} failed{gpus}",
        stream: barStream(),
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 5000,
      }, cliProgress.Presets.shades_classic);
    }
  }

  pretend(text: string): void {
    out(text + "\n");
  }

  discovered(total: number): void {
    // Every key of the format has a value from the first frame on (a missing one is drawn as
    // its placeholder, "{gpus}").
    if (this.#bar && this.#total === 0) {
      this.#bar.start(total, 0, { running: 0, failed: 0, gpus: "" });
    }
    this.#total = Math.max(this.#total, total);
    this.#bar?.setTotal(this.#total);
  }

  started(operation: string, agg: Aggregate): void {
    this.#running++;
    if (this.#bar) this.#bar.update(this.#done, { running: this.#running, failed: this.#failed });
    else err(`→ ${operation} on ${agg.id}`);
  }

  finished(r: OperationRecord): void {
    this.#running--;
    this.#done++;
    if (!r.ok) this.#failed++;
    if (this.#bar) this.#bar.update(this.#done, { running: this.#running, failed: this.#failed });
    else if (!r.ok) {
      err(`✗ ${r.operation} on ${r.id}: ${r.error}${r.log ? ` (log: ${r.log})` : ""}`);
    }
  }

  skipped(operation: string, agg: Aggregate, reason: string): void {
    this.#done++;
    if (this.#bar) this.#bar.update(this.#done, { running: this.#running, failed: this.#failed });
    else err(`- ${operation}${agg.jobs.length === 1 ? "" : ` on ${agg.id}`}: ${reason}`);
  }

  devices(inUse: readonly string[]): void {
    this.#bar?.update({ gpus: inUse.length ? `, GPUs in use: ${inUse.join(",")}` : "" });
  }

  output(operation: string, agg: Aggregate, chunk: Uint8Array): void {
    if (this.#stdoutClosed) return;
    if (this.#passThrough && !this.#verbose) {
      this.#write(chunk);
      return;
    }
    if (!this.#verbose) return;
    const text = new TextDecoder().decode(chunk);
    const prefix = `[${short(agg.id)} ${operation}] `;
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    this.#write(this.#enc.encode(lines.map((l) => prefix + l + "\n").join("")));
  }

  /**
   * Copies operation output to stdout. Once stdout's reader has gone (`flow run | head`), the
   * run goes on (stopping operations because nobody reads their output would lose work): their
   * output still goes to their logs, and one warning says so.
   */
  #write(bytes: Uint8Array): void {
    try {
      outBytes(bytes);
    } catch (e) {
      if (!(e instanceof StdoutClosedError)) throw e;
      this.#stdoutClosed = true;
      err(
        "warning: standard output was closed; the run goes on, and operation output goes to " +
          "the logs only (.flow/logs/ in each job's folder)",
      );
    }
  }

  warning(message: string): void {
    this.#bar ? this.#bar.stop() : undefined;
    err(`warning: ${message}`);
  }

  stop(): void {
    this.#bar?.stop();
  }
}

/**
 * The summary on stderr; throws what the exit code says: `OperationError` (1) when an operation
 * failed, the run was interrupted, or `exec` could not run what it was asked to.
 *
 * Work another flow process holds (its claim) is skipped by `run` with a note, exit 0: that
 * process runs it, which is what `run` wants. `exec` asks for these operations on these jobs
 * explicitly, so one that did not run here is its failure: a line per operation names the
 * process that runs it, and the exit code is 1. Likewise for jobs removed (`flow job rm`) while
 * the run was under way: `run` reports them and goes on (exit 0; nothing is left to run there),
 * `exec` fails.
 */
function report(summary: RunSummary, what: "run" | "exec"): void {
  const parts = [`${summary.succeeded.length} succeeded`];
  if (summary.failed.length) parts.push(`${summary.failed.length} failed`);
  if (summary.interrupted.length) parts.push(`${summary.interrupted.length} interrupted`);
  if (summary.removed.length) parts.push(`${summary.removed.length} not run (job removed)`);
  const total = summary.succeeded.length + summary.failed.length + summary.interrupted.length;
  const explicit = what === "exec";
  if (summary.busy.length > 0) {
    if (explicit) {
      for (const b of summary.busy) {
        const child = b.owner.child !== undefined ? `, command pid ${b.owner.child}` : "";
        err(
          `'${b.operation}' on ${b.id} was not run: flow process ${b.owner.host}:${b.owner.pid}` +
            ` is running it${child}`,
        );
      }
    } else {
      const b = summary.busy[0];
      err(
        `${summary.busy.length} not run here: another flow process is running ${
          summary.busy.length === 1 ? "it" : "them"
        } (e.g. '${b.operation}' on ${b.id}, by ${b.owner.host}:${b.owner.pid})`,
      );
    }
  }
  const notRun = () => {
    const why = [];
    if (summary.busy.length) why.push(`${summary.busy.length} run by another flow process`);
    if (summary.removed.length) why.push(`${summary.removed.length} on a removed job`);
    if (explicit && why.length > 0) {
      throw new OperationError(`requested operation(s) not run: ${why.join(", ")}`);
    }
  };
  if (total === 0 && !summary.wasInterrupted && summary.removed.length === 0) {
    if (summary.busy.length === 0) err(`nothing to ${what}: no selected operation is eligible`);
    notRun();
    return;
  }
  err(`${what}: ${total} operation${total === 1 ? "" : "s"}, ${parts.join(", ")}`);
  for (const r of [...summary.failed, ...summary.interrupted]) {
    err(
      `  ${r.interrupted ? "interrupted" : "failed"}: ${r.operation} on ${r.id}: ${r.error}${
        r.log ? ` (log: ${r.log})` : ""
      }`,
    );
  }
  for (const r of summary.removed) {
    const which = r.jobs.length === 1 ? `job ${r.jobs[0]} was` : `jobs ${r.jobs.join(", ")} were`;
    const on = r.jobs.length === 1 && r.jobs[0] === r.id ? "" : ` on ${r.id}`;
    err(`  skipped: ${r.operation}${on}: ${which} removed; not run`);
  }
  if (summary.failed.length) {
    const first = summary.failed[0];
    throw new OperationError(
      `${summary.failed.length} operation(s) failed; first: '${first.operation}' on ${first.id}: ${first.error}`,
    );
  }
  if (summary.wasInterrupted) throw new OperationError("interrupted");
  notRun();
}

async function execute(
  wf: Workflow,
  groups: Group[],
  flags: RunFlags,
  verbose: boolean,
  what: "run" | "exec",
  extra: { ignoreConditions?: IgnoreConditions; jobArgs?: string[] } = {},
): Promise<void> {
  // The run loop weighs every selected unit before it starts any: the stamps of the jobs the cache
  // knows are read on the other core while this one lists them and detects the resources.
  const ignored = extra.ignoreConditions ?? flags.ignoreConditions;
  const weighAll = ignored !== "all" && wf.registry.usesConditionCache();
  const cache = ConditionCache.open(wf.project.root);
  if (weighAll) cache?.checkAhead(wf.project.workspace);
  try {
    await runUnits(wf, groups, flags, verbose, what, extra, cache, weighAll);
  } catch (e) {
    cache?.discard();
    throw e;
  }
}

/** {@link execute} once the condition cache is open. */
async function runUnits(
  wf: Workflow,
  groups: Group[],
  flags: RunFlags,
  verbose: boolean,
  what: "run" | "exec",
  extra: { ignoreConditions?: IgnoreConditions; jobArgs?: string[] },
  cache: ConditionCache | undefined,
  weighAll: boolean,
): Promise<void> {
  const sel = await selectJobs(
    wf.project,
    wf.registry,
    groups,
    extra.jobArgs ?? flags.jobId,
    flags.filter,
  );
  const parallel = flags.parallel === true ? Infinity : flags.parallel ?? 1;
  // The executor is loaded only by the commands that run (status and submit never need it).
  const [{ Runner }, { detectResources }, cliProgress] = await Promise.all([
    import("../../executor/run.ts"),
    import("../../executor/resources.ts"),
    flags.progress === true && !flags.pretend ? loadCliProgress() : undefined,
  ]);
  const resources = await detectResources({ cpus: flags.cpus, gpus: flags.gpus });
  const console_ = new Console({ verbose, parallel: parallel > 1, cliProgress });
  const runner = new Runner({
    cache,
    project: wf.project,
    registry: wf.registry,
    groups,
    jobs: sel.jobs,
    aggregateIds: sel.aggregateIds,
    maxUnits: flags.num,
    pretend: flags.pretend,
    parallel,
    ignoreConditions: extra.ignoreConditions ?? flags.ignoreConditions,
    order: flags.order,
    timeoutSeconds: flags.timeout,
    keepGoing: flags.keepGoing,
    resources,
    gpuShare: flags.gpuShare,
    mpiLauncher: flags.mpiLauncher,
    events: console_,
  });
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    console_.stop();
    err(
      interrupts === 1
        ? "interrupted: stopping running operations (again to kill at once)"
        : "killing",
    );
    runner.interrupt(interrupts === 1 ? 5000 : 0);
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  let summary: RunSummary;
  try {
    if (weighAll) await cache?.prefetch(sel.jobs);
    summary = await runner.run();
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    console_.stop();
    cache?.save();
  }
  if (!flags.pretend) report(summary, what);
}

/** The options shared by `run` and `exec`: running and resources. */
function resourceOptions(c: Command): Command {
  return c
    .option(
      "-t, --timeout <seconds>",
      "stop an operation that runs longer than this",
      positiveNumber,
    )
    .option("--keep-going", "after a failure, go on with other jobs")
    .option(
      "--cpus <n>",
      "cores to pack operations onto (default: detected; see 'flow resources')",
      positiveInt("--cpus"),
    )
    .option(
      "--gpus <list|n>",
      "GPUs to use: a list of device ids (0,2) or a count (default: detected)",
    )
    .option(
      "--gpu-share <n>",
      "operations per GPU (default 1: a GPU is never shared)",
      positiveInt("--gpu-share"),
    )
    .option(
      "--mpi-launcher <cmd>",
      "launcher for nranks > 0, with {n} for the ranks (default: mpirun -n {n}; srun in SLURM)",
    );
}

/** Registers `flow run`, `flow exec` and `flow next`. */
export function registerRun(program: Command, ctx: CliContext): void {
  resourceOptions(program.command("run"))
    .description("run eligible operations and groups until nothing selected is eligible")
    .option(
      "-o, --operation <regex...>",
      "operations or groups to run (regular expressions matching whole names)",
    )
    .option("-j, --job-id <id...>", "only these jobs (ids, unique prefixes, or agg- ids)")
    .option("-f, --filter <filter...>", "only jobs matching this filter (as in 'flow find')")
    .option("-n, --num <n>", "start at most N operations or groups", positiveInt("-n"))
    .option("--pretend", "print what would run, with resolved directives, and run nothing")
    .option("--progress", "show a progress bar (operation output then goes to the logs only)")
    .option(
      "-p, --parallel [n]",
      "run up to N at once (default: the number of CPU cores)",
      positiveInt("--parallel"),
    )
    .addOption(
      new Option("--ignore-conditions <which>", "ignore preconditions, postconditions or both")
        .choices(["none", "pre", "post", "all"]).default("none"),
    )
    .addOption(
      new Option("--order <order>", "order in which ready work starts").choices([
        "none",
        "by-job",
        "cyclic",
        "random",
      ])
        .default("none"),
    )
    .addHelpText(
      "after",
      `
Without -o, every operation runs (each as its own singleton group). An
operation that becomes eligible because another finished runs in the same
invocation; each (operation, job) runs at most once per invocation. Running a
group runs its eligible operations in registration order, each with the
group's directives merged over its own.

Resources: with --parallel, operations are packed onto the free cores and
GPUs ('flow resources' shows what was detected): an operation needs
np x processor_fraction cores and ngpu GPUs, and gets CUDA_VISIBLE_DEVICES
(or ROCR/HIP_VISIBLE_DEVICES) listing only its own devices. A request larger
than the machine is an error before anything starts. Operations with
nranks > 0 start through the MPI launcher; omp_num_threads sets
OMP_NUM_THREADS. Operations see a clean environment (PATH, HOME, locale,
scheduler and module variables); pass more with FLOW_PASS_ENV=NAME,PREFIX_*.

Command output: shown as it comes when running one at a time; with
--parallel or --progress it goes to <job>/.flow/logs/<operation>.<n>.log
(and to the terminal, prefixed, with --verbose). Every start, finish and
failure is appended to <job>/flow_history.jsonl.

On a failure no new work starts, running work finishes, and flow exits with 1
(--keep-going goes on with other jobs). Ctrl-C stops running operations.

Examples:
  flow run                          # everything eligible
  flow run -o prepare --parallel 4
  flow run -o ex --pretend          # what group ex would run, with its directives
  flow run -j 42b7 -o 'sim.*' -t 3600
  flow run -f T 1.5 --progress
  flow run --parallel --gpus 0,1 --gpu-share 2`,
    )
    .action(async (flags: RunFlags) => {
      const wf = await ctx.loadWorkflow();
      const groups = wf.registry.select(flags.operation);
      await execute(wf, groups, flags, ctx.globals().verbose === true, "run");
    });

  resourceOptions(program.command("exec"))
    .argument("<name>", "an operation or group")
    .argument("[ids...]", "job ids, unique prefixes or agg- ids (default: all jobs)")
    .description("run an operation or group on jobs, ignoring its conditions")
    .option("--pretend", "print what would run and run nothing")
    .option("-p, --parallel [n]", "run up to N at once", positiveInt("--parallel"))
    .addHelpText(
      "after",
      `
Each operation runs once per job (or aggregate), whatever its pre- and
postconditions say.

Examples:
  flow exec prepare 42b7 9bfd
  flow exec pipeline --parallel`,
    )
    .action(async (name: string, ids: string[], flags: RunFlags) => {
      const wf = await ctx.loadWorkflow();
      const group = wf.registry.group(name);
      await execute(wf, [group], flags, ctx.globals().verbose === true, "exec", {
        ignoreConditions: "all",
        jobArgs: ids,
      });
    });

  program
    .command("next")
    .argument("<name>", "an operation or group")
    .description(
      "print the ids of the jobs (or aggregates) for which an operation or group is eligible",
    )
    .addHelpText("after", "\nExample:\n  flow next simulate | head -n 10")
    .action(async (name: string) => {
      const wf = await ctx.loadWorkflow();
      const group = wf.registry.group(name);
      const { jobs } = await selectJobs(wf.project, wf.registry, [group], undefined, undefined);
      const cache = ConditionCache.open(wf.project.root);
      const evaluator = new Evaluator(wf.registry, { cache });
      const aggregator = wf.registry.operation(group.members[0].operation).aggregator;
      const ids: string[] = [];
      try {
        if (wf.registry.usesConditionCache()) await cache?.prefetch(jobs);
        for (const agg of aggregator.aggregate(jobs)) {
          if ((await evaluator.groupState(group, agg)).eligible) ids.push(agg.id);
        }
      } finally {
        cache?.save();
      }
      out(ids.join("\n"));
    });
}
