// `flow status`: which operations and groups are eligible and complete, per job and overall.

import { type Command, loadStringWidth, loadTableLayout } from "../deps.ts";
import { UsageError } from "../../errors.ts";
import { ConditionCache } from "../../registry/condition_cache.ts";
import { CLAIMS_DIR, ClaimStore } from "../../executor/claims.ts";
import { earlyListingPending } from "../../workspace/early_listing.ts";
import { collectStatus, type StatusSelection } from "../../status/collect.ts";
import { StateCache } from "../../status/state_cache.ts";
import { queryQueue } from "../../scheduler/client.ts";
import { submissionsPath, trackedStates } from "../../scheduler/names.ts";
import type { QueueState } from "../../scheduler/types.ts";
import { valueAt } from "../../workspace/value.ts";
import { detectForProject } from "../_cluster.ts";
import { renderJson } from "../../status/render_json.ts";
import { renderText, type TextLayout } from "../../status/render_text.ts";
import { parseFilterArgs } from "../../workspace/filter_args.ts";
import type { Job } from "../../workspace/job.ts";
import type { Listing, Project } from "../../workspace/project.ts";
import { compileFilter } from "../../workspace/query.ts";
import type { JsonObject } from "../../workspace/value.ts";
import { err, out, warnProblems } from "../_io.ts";
import { type Progress, progressBars } from "../_progress.ts";
import type { CliContext } from "../_context.ts";

/** Width of the bars in the summary tables, in characters. */
const BAR_SIZE = 20;
const FULL = "█".repeat(BAR_SIZE);
const EMPTY = "░".repeat(BAR_SIZE);

/** Plain ASCII and the bars' block characters: one column per character. */
const PLAIN = /^[\x20-\x7e\u2588\u2591]*$/;

/** string-width, once some text needed it (see {@link measured}). */
let fullWidth: ((s: string) => number) | undefined;
/** Set when text was measured by its length for want of string-width. */
let unmeasured = false;

/** The width a terminal gives `s` (wide characters count 2), quickly for plain text. */
function width(s: string): number {
  if (PLAIN.test(s)) return s.length;
  if (fullWidth) return fullWidth(s);
  unmeasured = true;
  return s.length;
}

/**
 * Text laid out with {@link tableLayout} by `render`: when some cell held
 * text other than plain ASCII, string-width is loaded and `render` runs
 * again, so that wide characters line up.
 *
 * @example
 * ```ts
 * import { measured, tableLayout } from "./status.ts";
 * const layout = await tableLayout();
 * const text = await measured(() => layout.table(["name", "n"], [["日本", "1"]], ["left", "right"]));
 * console.log(text); // name  n\n日本  1
 * ```
 */
export async function measured(render: () => string): Promise<string> {
  unmeasured = false;
  const text = render();
  if (!unmeasured) return text;
  fullWidth = await loadStringWidth();
  return render();
}

let layout: Promise<TextLayout> | undefined;

/**
 * The command line's layout of status text: text-table tables without
 * borders, cli-progress bars (rounded down, so a bar is full only when
 * everything is complete). Text other than plain ASCII lines up only
 * through {@link measured}. Its libraries are loaded on the first call
 * (they are CommonJS, whose loader costs a command ~30-40 ms to start:
 * `status --json` and the other commands do without).
 *
 * @example
 * ```ts
 * import { tableLayout } from "./status.ts";
 * const layout = await tableLayout();
 * console.log(layout.table(["a", "b"], [["1", "2"]], ["left", "right"]));
 * console.log(layout.bar(0.5));
 * ```
 */
export function tableLayout(): Promise<TextLayout> {
  return layout ??= loadTableLayout().then(({ textTable, formatBar }) => ({
    table(head, rows, align) {
      // (text-table trims the end of each line itself.)
      return textTable([head, ...rows] as string[][], {
        hsep: "  ",
        align: align.map((a) => a === "right" ? "r" : "l"),
        stringLength: width,
      });
    },
    bar(fraction) {
      const f = Math.floor(Math.min(1, Math.max(0, fraction)) * BAR_SIZE) / BAR_SIZE;
      return formatBar(f, {
        barsize: BAR_SIZE,
        barCompleteString: FULL,
        barIncompleteString: EMPTY,
        barGlue: "",
      });
    },
  }));
}

interface StatusCliOptions {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  detailed?: boolean;
  parameter?: string[];
  onlyIncomplete?: boolean;
  json?: boolean;
  cache: boolean;
}

/** The jobs and aggregates that `-j` and `-f` select; undefined when neither is given. */
function selection(
  project: Project,
  jobs: readonly Job[],
  opts: StatusCliOptions,
): StatusSelection | undefined {
  const jobArgs = opts.jobId ?? [];
  const filterArgs = opts.filter ?? [];
  if (jobArgs.length === 0 && filterArgs.length === 0) return undefined;
  const byId = new Map(jobs.map((j) => [j.id, j]));
  let chosen: Job[];
  const aggregates = new Set<string>();
  if (jobArgs.length > 0) {
    const ids = new Set<string>();
    for (const arg of jobArgs) {
      if (arg.startsWith("agg-")) {
        aggregates.add(arg);
        continue;
      }
      const id = project.resolveId(arg);
      if (!byId.has(id)) {
        throw new UsageError(`job ${id} cannot be read (run 'flow check' for details)`);
      }
      ids.add(id);
    }
    chosen = [...ids].map((id) => byId.get(id)!);
  } else chosen = [...jobs];
  const filter = parseFilterArgs(filterArgs, { warn: (m) => err(`warning: ${m}`) });
  if (filter) {
    const test = compileFilter(filter);
    chosen = chosen.filter((j) =>
      test({ sp: j.sp as JsonObject, doc: test.usesDoc ? j.doc.readSync() : {} })
    );
  }
  return { jobs: new Set(chosen.map((j) => j.id)), aggregates };
}

/**
 * Registers `flow status`.
 *
 * @example
 * ```ts
 * import { Command } from "../deps.ts";
 * import { registerStatus } from "./status.ts";
 * import { Registry } from "../../registry/registry.ts";
 * import { Project } from "../../workspace/project.ts";
 * const root = Deno.makeTempDirSync();
 * const ctx = {
 *   globals: () => ({}),
 *   openProject: () => Project.init(root),
 *   loadWorkflow: async () => ({
 *     project: await Project.init(root), registry: new Registry(), source: "example",
 *   }),
 *   selfCommand: () => ["flow"],
 * };
 * const program = new Command("flow");
 * registerStatus(program, ctx);
 * await program.parseAsync(["status"], { from: "user" }); // Overview: 0 jobs, ...
 * ```
 */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command("status")
    .description("show which operations and groups are eligible and complete, overall and per job")
    .option(
      "-o, --operation <regex...>",
      "only operations and groups whose whole name matches (default: all)",
    )
    .option(
      "-j, --job-id <id...>",
      "only these jobs (ids or unique prefixes) and aggregates (agg-…)",
    )
    .option("-f, --filter <args...>", "only jobs matching a filter (as for 'flow find')")
    .option("-d, --detailed", "add a table of jobs × operations and groups")
    .option(
      "-p, --parameter <key...>",
      "state point keys (dotted for nested values) to show in the detailed table; implies -d",
    )
    .option(
      "--only-incomplete",
      "leave out operations and groups complete for everything, and jobs where all is complete",
    )
    .option("--json", "print the status as JSON (schema below); ignores -d and -p")
    .option(
      "--no-cache",
      "evaluate every condition afresh, without the condition and state caches " +
        "(.flow/conditions.cache, .flow/status.cache)",
    )
    .addHelpText(
      "after",
      `
Output: an overview line; each label with the number of jobs it holds for;
then one row per operation and defined group: how many jobs it is eligible
for, complete for, applies to, and a bar of complete/total. Groups are
marked '(group)'; operations and groups over aggregates of several jobs are
marked '(aggregate)' and count aggregates rather than jobs. A group is
eligible if any of its operations is, complete if all are.

The detailed table (-d) has one row per job (then per aggregate) and one
column per operation and group:
  ready  eligible: its preconditions hold and it is not complete
  done   complete: all its postconditions hold
  -      neither: its preconditions do not hold
  blank  it does not apply to this row (an aggregate operation on a job)
and the labels that hold (for an aggregate: for all its jobs).

State points are read only when something needs them (a shell or
TypeScript condition, aggregation, -f, -j, -p): otherwise a job directory
whose state point file is broken counts as a job until a command that reads
state points (or 'flow check') reports it; from then on status skips it too.

-j takes job ids, unique prefixes of them, and aggregate ids (agg-…, or a
unique prefix). With -j or -f, an aggregate is shown when it is named, or
when all its jobs are selected. -f takes filter arguments as 'flow find'
does; with -j too, it narrows the jobs named.

--json prints one object keyed by job id or aggregate id (a stable schema,
see docs/STATUS_JSON.md):
  {
    "<job id or agg-id>": {
      "jobs": ["<job id>", ...],
      "operations": {"<name>": {"eligible": true, "completed": false,
                                "status": "eligible"}},
      "groups": {"<name>": {...same...}},
      "labels": ["<label>", ...]
    }
  }
"status" is "complete", "eligible" or "ineligible". "operations" and
"groups" hold the selected ones that apply to that key; "groups" holds
defined groups only. --only-incomplete leaves out what it leaves out of the
tables. A key gains "submitted" ({group: {state, id}}) for work the
scheduler holds, and "running" ({operation: {host, pid, since}}) while a
flow run runs it.

Work that a flow run (on any host sharing the project) runs now is listed
under "Running now", read from its claims; work flow submitted that the
scheduler holds, under "Submitted (scheduler)" with [Q] [R] [H].

Examples:
  flow status
  flow status -d -p T seed
  flow status -o 'simulate|analyze' --only-incomplete
  flow status -f T 1.5 -d
  flow status -j 42b7 agg-3d4f --json
  flow status --json | jq 'map_values(.labels)'`,
    )
    .action(async (opts: StatusCliOptions) => {
      const { project, registry } = await ctx.loadWorkflow();
      // State points are read only when something shown or evaluated needs them.
      const lazy = !registry.readsStatePoints() && !opts.jobId?.length && !opts.filter?.length &&
        !opts.parameter?.length;
      const cache = opts.cache ? ConditionCache.open(project.root) : undefined;
      // The stamps of the jobs the cache knows are read on the other core while this one lists;
      // in a first run, the job folders are scanned there as soon as the workspace is read.
      const ahead = registry.usesConditionCache() ? cache : undefined;
      ahead?.checkAhead(project.workspace);
      // A large workspace whose listing is still to be read, and no condition cached yet: a first
      // run, whose scan's Worker starts while this thread reads the listing.
      if (earlyListingPending(project.workspace)) ahead?.prepareScan();
      let listed: Listing;
      let select: StatusSelection | undefined;
      try {
        listed = await project.list({
          lazy,
          onFolders: (ids) => ahead?.scanAhead(project.workspace, ids),
        });
        select = selection(project, listed.jobs, opts); // a bad -j fails before any warning
      } catch (e) {
        cache?.discard();
        throw e;
      }
      const { jobs, problems } = listed;
      warnProblems(problems);
      const progressBar = await progressBars();
      let bar: Progress | undefined;
      let shown = 0;
      const report = await (async () => {
        try {
          return await collectStatus(registry, jobs, {
            operations: opts.operation,
            select,
            cache,
            states: cache ? new StateCache(project.root) : undefined,
            onProgress: (done, total) => {
              bar ??= progressBar(total, "status");
              for (; shown < done; shown++) bar.increment();
            },
          });
        } finally {
          bar?.stop();
          cache?.save(jobs);
        }
      })();
      const submitted = await submittedStates(ctx, project.root);
      const running = runningHere(project.root);
      if (opts.json) {
        const json = renderJson(report, { onlyIncomplete: opts.onlyIncomplete });
        if (submitted.size === 0 && running.length === 0) out(json);
        else {
          // Each entry gains "submitted": {group: {state, id}} for what the scheduler holds, and
          // "running": {operation: {host, pid, since}} for what a flow run runs now.
          const doc = JSON.parse(json) as Record<string, Record<string, unknown>>;
          for (const [key, v] of submitted) {
            const [group, id] = key.split("\0");
            const entry = doc[id];
            if (!entry) continue;
            const map = (entry.submitted ??= {}) as Record<string, unknown>;
            map[group] = { state: v.state, id: v.id };
          }
          for (const r of running) {
            const entry = doc[r.aggregateId];
            if (!entry) continue;
            const map = (entry.running ??= {}) as Record<string, unknown>;
            map[r.operation] = {
              host: r.owner.host,
              pid: r.owner.pid,
              since: new Date(r.owner.since).toISOString(),
            };
          }
          out(JSON.stringify(doc, null, 2));
        }
        return;
      }
      const parameters = opts.parameter ?? [];
      for (const key of parameters) {
        if (!report.rows.some((r) => r.jobs.some((j) => hasKey(j, key)))) {
          err(`warning: no selected job has the state point key '${key}'`);
        }
      }
      const layout = await tableLayout();
      out(
        await measured(() =>
          renderText(report, {
            detailed: opts.detailed === true || parameters.length > 0,
            parameters,
            onlyIncomplete: opts.onlyIncomplete,
          }, layout)
        ),
      );
      if (submitted.size > 0) {
        out(renderSubmitted(submitted, opts.detailed === true || parameters.length > 0));
      }
      if (running.length > 0) {
        const rows = new Set(report.rows.map((r) => r.id));
        const mine = running.filter((r) => rows.has(r.aggregateId));
        if (mine.length > 0) {
          out(renderRunning(mine, opts.detailed === true || parameters.length > 0));
        }
      }
    });
}

/** An operation a `flow run` (any host) runs now: its claim. */
interface RunningNow {
  aggregateId: string;
  operation: string;
  owner: { host: string; pid: number; since: number };
}

/**
 * What `flow run` processes run now, read from their claims (`.flow/claims`): one listing of an
 * empty folder when nothing runs.
 */
function runningHere(root: string): RunningNow[] {
  try {
    if (Deno.readDirSync(`${root}/${CLAIMS_DIR}`)[Symbol.iterator]().next().done) return [];
  } catch {
    return [];
  }
  const store = new ClaimStore(root);
  try {
    return store.live();
  } finally {
    store.close();
  }
}

/** Counts per operation and, detailed, one line per job: what `flow run` runs now, and where. */
function renderRunning(running: readonly RunningNow[], detailed: boolean): string {
  const counts = new Map<string, number>();
  for (const r of running) counts.set(r.operation, (counts.get(r.operation) ?? 0) + 1);
  const lines = ["", "Running now (flow run):", "operation         running"];
  for (const [op, n] of counts) lines.push(`${op.padEnd(16)}  ${String(n).padStart(7)}`);
  if (detailed) {
    lines.push("", "job                               operation         process          since");
    const now = Date.now();
    for (const r of running) {
      const who = `${r.owner.host}:${r.owner.pid}`;
      const s = Math.max(0, Math.round((now - r.owner.since) / 1000));
      lines.push(
        `${r.aggregateId.padEnd(32)}  ${r.operation.padEnd(16)}  ${who.padEnd(15)}  ${s} s ago`,
      );
    }
  }
  return lines.join("\n");
}

const LETTER: Record<QueueState, string> = {
  queued: "Q",
  running: "R",
  held: "H",
  inactive: "I",
  error: "E",
};

/**
 * What the scheduler holds for this project, asked once; nothing when the
 * project never submitted. A failing scheduler is a warning, not an error.
 */
async function submittedStates(
  ctx: CliContext,
  root: string,
): Promise<Map<string, { state: QueueState; id: string }>> {
  try {
    Deno.statSync(submissionsPath(root));
  } catch {
    return new Map();
  }
  try {
    const { profile } = await detectForProject(ctx);
    if (profile.scheduler === "local") return new Map();
    const states = trackedStates(root, await queryQueue(profile.scheduler));
    for (const [k, v] of states) if (v.state === "inactive") states.delete(k);
    return states;
  } catch (e) {
    err(`warning: cannot ask the scheduler what is queued: ${(e as Error).message}`);
    return new Map();
  }
}

/** Counts per group (queued / running / held) and, detailed, one line per job: [Q] [R] [H]. */
function renderSubmitted(
  states: Map<string, { state: QueueState; id: string }>,
  detailed: boolean,
): string {
  const counts = new Map<string, Record<QueueState, number>>();
  for (const [key, v] of states) {
    const group = key.split("\0")[0];
    const c = counts.get(group) ?? { queued: 0, running: 0, held: 0, inactive: 0, error: 0 };
    c[v.state]++;
    counts.set(group, c);
  }
  const lines = ["", "Submitted (scheduler):", "operation/group   queued  running  held"];
  for (const [group, c] of counts) {
    lines.push(
      `${group.padEnd(16)}  ${String(c.queued).padStart(6)}  ${String(c.running).padStart(7)}  ${
        String(c.held).padStart(4)
      }`,
    );
  }
  if (detailed) {
    lines.push("", "job                               operation/group   state  scheduler id");
    for (const [key, v] of states) {
      const [group, id] = key.split("\0");
      lines.push(`${id.padEnd(32)}  ${group.padEnd(16)}  [${LETTER[v.state]}]    ${v.id}`);
    }
  }
  return lines.join("\n");
}

function hasKey(job: Job, key: string): boolean {
  return valueAt(job.sp, key) !== undefined;
}
