// `flow submit` and `flow cancel`: batch jobs on a cluster.

import { ConditionCache } from "../../registry/condition_cache.ts";
import type { Command } from "../deps.ts";
import { FlowError, OperationError, UsageError } from "../../errors.ts";
import { Evaluator } from "../../registry/eligibility.ts";
import type { Group } from "../../registry/group.ts";
import { shellQuote } from "../../registry/template.ts";
import { choosePartition } from "../../scheduler/partition.ts";
import { batchRequest, groupDirectives, type Pair, planSubmissions } from "../../scheduler/plan.ts";
import { outputPattern, renderScript } from "../../scheduler/script.ts";
import { jobName, recordSubmission, trackedStates, trackKey } from "../../scheduler/names.ts";
import {
  cancelJobs,
  checkJobId,
  queryQueue,
  runLocalScript,
  SchedulerError,
  SchedulerNotFoundError,
  submitArgs,
  submitJob,
  writeSubmitScript,
} from "../../scheduler/client.ts";
import type { QueueState, SchedulerKind } from "../../scheduler/types.ts";
import { positiveInt } from "../_args.ts";
import type { CliContext, Workflow } from "../_context.ts";
import { err, out } from "../_io.ts";
import { selectJobs } from "../_select.ts";
import { detectForProject } from "../_cluster.ts";

interface SubmitFlags {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  num?: number;
  bundle?: number;
  parallel?: boolean;
  array?: boolean;
  arrayLimit?: number;
  pretend?: boolean;
  hold?: boolean;
  after?: string;
  partition?: string;
  account?: string;
  cluster?: string;
  force?: boolean;
  ignoreConditions?: boolean;
  template?: string;
}

/**
 * Applies a user's script template: `{{header}}` (the shebang and scheduler
 * lines flow wrote), `{{body}}` (cd, setup and the commands), `{{job_name}}`
 * and `{{project}}` are replaced; everything else is the user's.
 */
function applyTemplate(template: string, script: string, name: string, root: string): string {
  const lines = script.split("\n");
  let i = 0;
  while (i < lines.length && (lines[i].startsWith("#") || lines[i] === "")) i++;
  const header = lines.slice(0, i).join("\n").trimEnd();
  const body = lines.slice(i).join("\n").trimEnd();
  return template.replaceAll("{{header}}", header).replaceAll("{{body}}", body)
    .replaceAll("{{job_name}}", name).replaceAll("{{project}}", shellQuote(root)).trimEnd() + "\n";
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How the batch job starts flow again: the same executable and permissions as now. */
function selfCommand(ctx: CliContext): string[] {
  return ctx.selfCommand();
}

/** The scheduler's queue, once, mapped to (group, aggregate) pairs; undefined if it cannot be asked. */
async function tracked(
  wf: Workflow,
  kind: SchedulerKind,
): Promise<Map<string, { state: QueueState; id: string }>> {
  if (kind === "local") return new Map();
  return trackedStates(wf.project.root, await queryQueue(kind));
}

/**
 * What the scheduler holds already; with `pretend`, a queue that cannot be
 * asked is a warning and taken as empty.
 */
async function queued(
  wf: Workflow,
  kind: SchedulerKind,
  pretend: boolean,
): Promise<Map<string, { state: QueueState; id: string }>> {
  try {
    return await tracked(wf, kind);
  } catch (e) {
    if (!pretend) {
      if (!(e instanceof FlowError)) throw e;
      // A missing squeue is exit 2 (the wrong machine or --cluster), one that failed is 1.
      const message = `cannot check what is already queued (${e.message}); nothing was submitted`;
      throw e instanceof SchedulerNotFoundError
        ? new SchedulerNotFoundError(message, { cause: e })
        : e instanceof SchedulerError
        ? new SchedulerError(message, { cause: e })
        : new UsageError(message, { cause: e });
    }
    err(`warning: cannot check what is already queued: ${(e as Error).message}`);
    return new Map();
  }
}

/**
 * How many of a command's arguments came after a literal `--` on the command
 * line. Commander drops the `--` (at whichever level it meets it) and gives
 * the words before and after it as one list, so the command line as typed
 * (the root program's `rawArgs`) is read again: the first `--` after the
 * command's name that is not the value of an option of the program or the
 * command. The words after it are the last ones of the list.
 */
function countAfterDashDash(cmd: Command): number {
  let root = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const takesValue = (levels: Command[], arg: string, next: string | undefined) =>
    levels.some((c) =>
      c.options.some((o) =>
        (o.long === arg || o.short === arg) &&
        (o.required || (o.optional && next !== undefined && !next.startsWith("-")))
      )
    );
  let i = 0;
  for (; i < raw.length && raw[i] !== cmd.name(); i++) {
    if (raw[i] === "--") return 0;
    if (takesValue([root], raw[i], raw[i + 1])) i++;
  }
  for (i++; i < raw.length; i++) {
    if (raw[i] === "--") return raw.length - i - 1;
    if (takesValue([root, cmd], raw[i], raw[i + 1])) i++;
  }
  return 0;
}

/**
 * Refuses words given to `flow submit` before `--` (`flow submit simulate`
 * would pass `simulate` to sbatch in place of the script), with a hint when
 * one names an operation or group.
 */
async function refuseStrayWords(cmd: Command, extra: string[], ctx: CliContext): Promise<void> {
  const stray = extra.slice(0, extra.length - countAfterDashDash(cmd));
  if (stray.length === 0) return;
  let names: string[] = [];
  try {
    names = (await ctx.loadWorkflow()).registry.names;
  } catch {
    // no workflow to name: no hint
  }
  const known = stray.filter((w) => names.includes(w));
  const hint = known.length > 0 ? ` (did you mean -o ${known.map(shellQuote).join(" ")}?)` : "";
  throw new UsageError(
    `unexpected argument${stray.length > 1 ? "s" : ""} ${
      stray.map((w) => `'${w}'`).join(" ")
    }${hint}: the operations and groups to submit are given with -o, and arguments ` +
      "for the submit program (sbatch, qsub, bsub) go after --, as in " +
      "'flow submit -o NAME -- --qos=debug'",
  );
}

/** The pairs of one group split by request (in order of first appearance): one array each. */
function byRequest(pairs: Pair[]): Pair[][] {
  const sets = new Map<string, Pair[]>();
  for (const p of pairs) {
    const key = JSON.stringify(batchRequest(p.directives));
    const list = sets.get(key) ?? [];
    list.push(p);
    sets.set(key, list);
  }
  return [...sets.values()];
}

/** Registers `flow submit` and `flow cancel`. */
export function registerSubmit(program: Command, ctx: CliContext): void {
  program
    .command("submit")
    .description("submit eligible operations and groups to the cluster's scheduler as batch jobs")
    .option(
      "-o, --operation <regex...>",
      "operations or groups (regular expressions matching whole names)",
    )
    .option("-j, --job-id <id...>", "only these jobs (ids, unique prefixes, or agg- ids)")
    .option("-f, --filter <filter...>", "only jobs matching this filter (as in 'flow find')")
    .option("-n, --num <n>", "submit at most N (group, job) pairs", positiveInt("-n"))
    .option("-b, --bundle <n>", "put N pairs into one batch job", positiveInt("--bundle"))
    .option("-p, --parallel", "run a bundle's pairs at the same time (requests are summed)")
    .option(
      "--array",
      "submit a group's pairs of identical requests (or each --bundle) as one job array",
    )
    .option(
      "--array-limit <n>",
      "with --array: at most N array tasks at once (%N)",
      positiveInt("--array-limit"),
    )
    .option("--pretend", "print each script and its submit command; submit nothing")
    .option("--hold", "submit held")
    .option("--after <jobid>", "start only after this scheduler job id succeeded")
    .option("--partition <name>", "the partition (default: chosen from the request)")
    .option("--account <name>", "the account to charge")
    .option("--cluster <name>", "the cluster profile (default: detected; see 'flow clusters')")
    .option("--force", "bundle different requests together")
    .option("--ignore-conditions", "run the operations with 'flow exec' (conditions ignored)")
    .option(
      "--template <file>",
      "a script template: {{header}}, {{body}}, {{job_name}} and {{project}} are filled in",
    )
    .argument(
      "[-- extra...]",
      "after --: arguments passed to the submit command (sbatch, qsub, bsub; bash for local)",
    )
    .addHelpText(
      "after",
      `
One batch job per (group or operation, job) by default. Each job requests
what the directive merger says: a group's operations' directives merged key
by key, combined serially (max cores, GPUs, memory; summed wall time) or in
parallel. The script cd's to the project and runs 'flow run -o GROUP -j ID'
with the same flow that submitted. Jobs are named so that 'flow status' can
find them with one query; what is queued, held or running is not submitted
again. Scripts are kept in .flow/submit/, and the scheduler writes each
job's output there (SLURM and LSF <job id>.out, PBS job.out).

--array makes one job array of a group's pairs with the same request (or of
each --bundle of N pairs); --parallel does not apply to arrays (and without
--bundle does nothing, with a warning), and --array-limit needs --array. Words before -- are refused: the operations
and groups are given with -o, and what follows -- goes to the submit program.

With no sbatch, qsub or bsub on PATH (the 'local' cluster) each script runs
here with bash, one after the other, to the end (no time limit), its output
in .flow/submit/<name>.out; flow says so on stderr unless --cluster local
(or FLOW_CLUSTER=local) asked for it.

Exit codes: 2 for bad arguments or no scheduler program on PATH; 1 when the
scheduler's program ran and failed (a rejected submission, a failing queue
query) or a local run failed.

Examples:
  flow submit --pretend -o simulate             # show the scripts
  flow submit -o pipeline --bundle 10 --parallel
  flow submit -o simulate --array --array-limit 20
  flow submit -o simulate --after 4242          # after job 4242 succeeded
  flow submit --partition gpu --account abc123 -- --qos=debug`,
    )
    .action(async (extra: string[], flags: SubmitFlags, cmd: Command) => {
      await refuseStrayWords(cmd, extra, ctx);
      if (flags.arrayLimit !== undefined && !flags.array) {
        throw new UsageError("--array-limit needs --array (it limits the tasks of a job array)");
      }
      if (flags.parallel && flags.array) {
        throw new UsageError(
          "--parallel and --array do not go together: a job array's tasks are separate jobs " +
            "the scheduler starts as it can (use --array-limit to cap how many run at once)",
        );
      }
      if (flags.parallel && flags.bundle === undefined) {
        // As in signac-flow, accepted (scripts that pass it stay valid), but not silently.
        err(
          "warning: --parallel has no effect without --bundle (it runs a bundle's pairs at once)",
        );
      }
      const wf = await ctx.loadWorkflow();
      const detected = await detectForProject(ctx, flags.cluster);
      const { profile } = detected;
      const kind = profile.scheduler;
      if (flags.after !== undefined) checkJobId(kind, flags.after);
      // The output path's folder part, escaped for the scheduler (before anything is asked).
      const outputPath = outputPattern(kind, wf.project.root);
      const groups = wf.registry.select(flags.operation);
      // Every selected job is weighed unless --num stops early: the stamps of the jobs the cache
      // knows are read on the other core while this one lists them and asks the scheduler.
      const weighAll = !flags.ignoreConditions && flags.num === undefined &&
        wf.registry.usesConditionCache();
      const cache = ConditionCache.open(wf.project.root);
      if (weighAll) cache?.checkAhead(wf.project.workspace);
      let sel: Awaited<ReturnType<typeof selectJobs>>;
      let queue: Map<string, { state: QueueState; id: string }>;
      try {
        sel = await selectJobs(wf.project, wf.registry, groups, flags.jobId, flags.filter);
        queue = await queued(wf, kind, flags.pretend === true);
      } catch (e) {
        cache?.discard();
        throw e;
      }
      // Eligible pairs, not already in the queue.
      const evaluator = new Evaluator(wf.registry, { cache });
      const byGroup = new Map<Group, Pair[]>();
      let count = 0;
      let skipped = 0;
      try {
        if (weighAll) await cache?.prefetch(sel.jobs);
        for (const group of groups) {
          const aggregator = wf.registry.operation(group.members[0].operation).aggregator;
          for (const agg of aggregator.aggregate(sel.jobs)) {
            if (sel.aggregateIds && !sel.aggregateIds.has(agg.id)) continue;
            if (flags.num !== undefined && count >= flags.num) break;
            if (queue.has(trackKey(group.name, agg.id))) {
              skipped++;
              continue;
            }
            if (!flags.ignoreConditions && !(await evaluator.groupState(group, agg)).eligible) {
              continue;
            }
            const list = byGroup.get(group) ?? [];
            list.push({ group, agg, directives: groupDirectives(wf.registry, group, agg) });
            byGroup.set(group, list);
            count++;
          }
        }
      } finally {
        cache?.save();
      }
      if (skipped > 0) err(`${skipped} already queued, held or running: not submitted again`);
      if (count === 0) {
        err("nothing to submit: no selected operation or group is eligible");
        return;
      }
      const self = selfCommand(ctx);
      let template: string | undefined;
      if (flags.template !== undefined) {
        try {
          template = Deno.readTextFileSync(flags.template);
        } catch (e) {
          throw new UsageError(
            `cannot read the script template ${flags.template}: ${(e as Error).message}`,
          );
        }
        if (!template.includes("{{body}}")) {
          throw new UsageError(
            `script template ${flags.template} has no {{body}}: the work would not run`,
          );
        }
      }
      const root = wf.project.root;
      // Plan everything (and check every request against the partitions) before submitting anything.
      // --array without --bundle: one array per group and request.
      const arrayWhole = flags.array === true && flags.bundle === undefined;
      const planned = [...byGroup.values()].flatMap((pairs) =>
        arrayWhole ? byRequest(pairs) : [pairs]
      )
        .flatMap((pairs) =>
          planSubmissions(pairs, {
            bundle: arrayWhole ? pairs.length : flags.bundle,
            parallel: flags.parallel,
            array: flags.array,
            force: flags.force,
          })
        ).map((job) => {
          const r = job.request;
          const choice = choosePartition(profile, {
            cores: r.ntasks * r.cpusPerTask,
            cpusPerTask: r.cpusPerTask, // whole tasks per node: a task never spans nodes
            gpus: r.gpus,
            memoryGB: r.memoryGB,
            nodesAllowed: r.ntasks > 1,
          }, flags.partition);
          const group = job.pairs[0].group;
          const ids = job.pairs.map((p) => p.agg.id);
          const verb = flags.ignoreConditions
            ? ["exec", group.name]
            : ["run", "-o", escapeRegex(group.name)];
          const commands = job.pairs.map((p) =>
            [
              ...self,
              "--project",
              root,
              ...verb,
              ...(flags.ignoreConditions ? [p.agg.id] : ["-j", p.agg.id]),
            ]
              .map(shellQuote).join(" ")
          );
          const name = jobName(root, group.name, ids, ids.length > 1);
          const script = renderScript(kind, {
            jobName: name,
            outputPath,
            projectRoot: root,
            // Whole-node partitions: a single-task job gets every core of its nodes.
            request: {
              ...r,
              nodes: choice.nodes,
              cpusPerTask: choice.rounded && r.ntasks === 1 ? choice.cores : r.cpusPerTask,
            },
            partition: choice.partitionName,
            account: flags.account ?? profile.account,
            hold: flags.hold,
            after: flags.after,
            array: job.array ? { count: job.pairs.length, limit: flags.arrayLimit } : undefined,
            gpuDirective: profile.gpuDirective,
            commands,
            parallel: job.parallel,
            ompNumThreads: job.directives.omp_num_threads > 0
              ? job.directives.omp_num_threads
              : undefined,
            extraLines: [...(profile.custom ?? []), ...splitOptions(group.submitOptions)],
            setup: profile.setup ?? [],
          });
          const text = template === undefined
            ? script
            : applyTemplate(template, script, name, root);
          return { job, name, script: text, group, ids };
        });
      if (detected.fallback) {
        err(
          `note: no batch system client (sbatch, qsub, bsub) on PATH: the scripts ${
            flags.pretend ? "would run" : "run"
          } here, on this node, with bash (load the scheduler's module or give --cluster NAME ` +
            "to submit to a cluster; --cluster local runs here without this note)",
        );
      }
      let submitted = 0;
      let failed = 0;
      for (const p of planned) {
        if (flags.pretend) {
          const argv = submitArgs(kind, {
            scriptPath: "SCRIPT",
            hold: flags.hold,
            after: flags.after,
            extra,
          });
          out(`${p.script.trimEnd()}\n# Submit command: ${argv.map(shellQuote).join(" ")}\n`);
          continue;
        }
        const scriptPath = writeSubmitScript(root, p.name.split("/").slice(1).join("-"), p.script);
        let id: string;
        if (kind === "local") {
          const run = await runLocalScript(scriptPath, extra);
          id = run.id;
          if (run.code !== 0) failed++;
          err(
            `ran ${scriptPath} here with bash: ${
              run.code === 0 ? "done" : `failed (exit code ${run.code})`
            }; output in ${run.outputPath}`,
          );
        } else {
          try {
            id = await submitJob(kind, { scriptPath, hold: flags.hold, after: flags.after, extra });
          } catch (e) {
            if (!(e instanceof SchedulerError) || submitted === 0) throw e;
            throw new SchedulerError(
              `${e.message} (the ${submitted} batch job(s) submitted before it are recorded in ` +
                `.flow/submissions.jsonl)`,
              { cause: e },
            );
          }
        }
        submitted++;
        recordSubmission(root, {
          id,
          name: p.name,
          group: p.group.name,
          aggregates: p.ids,
          scheduler: kind,
          time: new Date().toISOString(),
        });
        out(
          `${id}\t${p.group.name}\t${p.ids.length === 1 ? p.ids[0] : `${p.ids.length} aggregates`}`,
        );
      }
      if (flags.pretend) return;
      if (kind !== "local") {
        err(`submitted ${planned.length} batch job(s) to ${profile.name} (${kind})`);
        return;
      }
      if (failed > 0) {
        throw new OperationError(
          `${failed} of ${planned.length} script(s) run here with bash failed ` +
            "(their output is named above)",
        );
      }
      err(`ran ${planned.length} script(s) here with bash (${profile.name})`);
    });

  program
    .command("cancel")
    .description("cancel batch jobs this project submitted")
    .option("-o, --operation <regex...>", "only these operations or groups")
    .option("-j, --job-id <id...>", "only these jobs (ids, unique prefixes, or agg- ids)")
    .option("--cluster <name>", "the cluster profile (default: detected)")
    .addHelpText(
      "after",
      "\nExamples:\n  flow cancel                 # everything this project has queued\n  flow cancel -o simulate -j 42b7",
    )
    .action(async (flags: { operation?: string[]; jobId?: string[]; cluster?: string }) => {
      const wf = await ctx.loadWorkflow();
      const { profile } = await detectForProject(ctx, flags.cluster);
      const groups = flags.operation ? wf.registry.matchNames(flags.operation) : undefined;
      const ids = flags.jobId?.map((j) => {
        if (!j.startsWith("agg-")) return wf.project.resolveId(j);
        if (!/^agg-[0-9a-f]{1,32}$/.test(j)) {
          throw new UsageError(
            `${JSON.stringify(j)} is not an aggregate id (expected agg- and up to 32 hex digits)`,
          );
        }
        return j;
      });
      const queue = await tracked(wf, profile.scheduler);
      const chosen = new Set<string>();
      for (const [key, v] of queue) {
        const [group, agg] = key.split("\0");
        if (groups && !groups.includes(group)) continue;
        if (ids && !ids.some((id) => agg.startsWith(id))) continue;
        if (v.state === "inactive" || v.state === "error") continue;
        chosen.add(v.id.replace(/[_[].*$/, ""));
      }
      if (chosen.size === 0) {
        err("nothing to cancel");
        return;
      }
      await cancelJobs(profile.scheduler, [...chosen]);
      out([...chosen].join("\n"));
      err(`cancelled ${chosen.size} batch job(s)`);
    });
}

/** A group's submitOptions string, as scheduler lines (one option per line). */
function splitOptions(options: string): string[] {
  return options.trim() === "" ? [] : options.split(/\n/).map((l) => l.trim()).filter(Boolean);
}
