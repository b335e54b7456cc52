// Private helper: the jobs and aggregates a command works on (-j, -f).

import { UsageError } from "../errors.ts";
import type { Group } from "../registry/group.ts";
import type { Registry } from "../registry/registry.ts";
import { parseFilterArgs } from "../workspace/filter_args.ts";
import type { Job } from "../workspace/job.ts";
import type { Project } from "../workspace/project.ts";
import { compileFilter } from "../workspace/query.ts";
import type { JsonObject } from "../workspace/value.ts";
import { warnProblems } from "./_io.ts";

/**
 * What a command works on: the jobs to aggregate and, when `-j` or `-f` was
 * given, the ids of the selected aggregates (a job alone is an aggregate
 * whose id is the job's).
 */
export interface Selection {
  /** The jobs to aggregate: all of them when an operation aggregates, else the selected ones. */
  jobs: Job[];
  /** The selected aggregates (and jobs); undefined: all of them. */
  aggregateIds?: Set<string>;
}

/**
 * Lists the project's jobs (warning once about broken directories) and
 * selects by `-j` (job ids, unique prefixes, or `agg-` ids of aggregates of
 * the given groups) and `-f` (a filter, which narrows the jobs `-j` names).
 *
 * Aggregates are always formed from all the project's jobs, as `status`
 * shows them: the selection picks an aggregate when `-j` names it, or when
 * every one of its jobs is selected. Forming them from the selected jobs
 * alone would make up aggregates that do not exist (the pairs of a
 * `groupsOf: 2` formed from a filtered few), and run operations on them.
 */
export async function selectJobs(
  project: Project,
  registry: Registry,
  groups: readonly Group[],
  jobArgs: readonly string[] | undefined,
  filterArgs: readonly string[] | undefined,
): Promise<Selection> {
  // Ids first: a malformed or unknown -j fails before any warning about the workspace.
  const ids = new Set<string>();
  const aggArgs: string[] = [];
  for (const arg of jobArgs ?? []) {
    if (arg.startsWith("agg-")) aggArgs.push(arg);
    else ids.add(project.resolveId(arg));
  }
  const { jobs: all, problems } = await project.list();
  warnProblems(problems);
  const filter = filterArgs && filterArgs.length > 0 ? parseFilterArgs([...filterArgs]) : undefined;
  const byId = jobArgs && jobArgs.length > 0;
  if (!byId && !filter) return { jobs: all };
  // The selected jobs: those -j names (none when it names aggregates only), narrowed by -f.
  let chosen = byId ? all.filter((j) => ids.has(j.id)) : all;
  if (filter) {
    const test = compileFilter(filter);
    chosen = chosen.filter((j) =>
      test({ sp: j.sp as JsonObject, doc: test.usesDoc ? j.doc.readSync() : {} })
    );
  }
  const aggregators = groups.map((g) => registry.operation(g.members[0].operation).aggregator);
  if (aggArgs.length === 0 && aggregators.every((a) => a.isSingle)) {
    // Every job is its own aggregate: the selected jobs are the selection.
    return { jobs: chosen, aggregateIds: new Set(chosen.map((j) => j.id)) };
  }
  const selected = new Set(chosen.map((j) => j.id));
  const aggregateIds = new Set<string>();
  const known = new Set<string>();
  // For a message when -j names jobs and no aggregate is selected: the aggregates of the first one.
  const first = ids.size > 0 ? ids.values().next().value : undefined;
  const around: string[] = [];
  groups.forEach((group, g) => {
    for (const agg of aggregators[g].aggregate(all)) {
      known.add(agg.id);
      if (agg.jobs.every((j) => selected.has(j.id))) aggregateIds.add(agg.id);
      else if (agg.jobs.some((j) => j.id === first)) {
        around.push(`one of the ${agg.jobs.length} jobs of ${agg.id} ('${group.name}')`);
      }
    }
  });
  if (aggArgs.length === 0 && aggregateIds.size === 0 && first !== undefined) {
    throw new UsageError(
      around.length > 0
        ? `job ${first} is ${around.join(", ")}: select the aggregate with -j agg-… ` +
          "('flow status -d' lists them) or all its jobs"
        : `job ${first} is in no aggregate of ${groups.map((g) => `'${g.name}'`).join(", ")}` +
          " (their aggregate's select leaves it out)",
    );
  }
  for (const arg of aggArgs) {
    const hits = [...known].filter((id) => id.startsWith(arg));
    if (hits.length === 0) {
      throw new UsageError(`no aggregate with id '${arg}' among the selected operations`);
    }
    if (hits.length > 1) {
      throw new UsageError(`aggregate id prefix '${arg}' is ambiguous (${hits.join(", ")})`);
    }
    aggregateIds.add(hits[0]);
  }
  return { jobs: all, aggregateIds };
}
