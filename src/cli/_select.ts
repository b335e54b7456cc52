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

/** The selected jobs, and aggregate ids when `-j` named aggregates. */
export interface Selection {
  jobs: Job[];
  aggregateIds?: Set<string>;
}

/**
 * Lists the project's jobs (warning once about broken directories), keeps
 * those matching `-f`, and those named by `-j` (job ids, unique prefixes,
 * or `agg-` ids of aggregates of the given groups).
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
  let jobs = all;
  const filter = filterArgs && filterArgs.length > 0 ? parseFilterArgs([...filterArgs]) : undefined;
  if (filter) {
    const test = compileFilter(filter);
    jobs = jobs.filter((j) =>
      test({ sp: j.sp as JsonObject, doc: test.usesDoc ? j.doc.readSync() : {} })
    );
  }
  if (!jobArgs || jobArgs.length === 0) return { jobs };
  if (aggArgs.length === 0) return { jobs: jobs.filter((j) => ids.has(j.id)) };
  // Aggregate ids: resolve against the aggregates of the selected groups.
  const known = new Map<string, readonly Job[]>();
  for (const g of groups) {
    for (const agg of registry.operation(g.members[0].operation).aggregator.aggregate(jobs)) {
      known.set(agg.id, agg.jobs);
    }
  }
  const aggregateIds = new Set<string>();
  for (const arg of aggArgs) {
    const hits = [...known.keys()].filter((id) => id.startsWith(arg));
    if (hits.length === 0) {
      throw new UsageError(`no aggregate with id '${arg}' among the selected operations`);
    }
    if (hits.length > 1) {
      throw new UsageError(`aggregate id prefix '${arg}' is ambiguous (${hits.join(", ")})`);
    }
    aggregateIds.add(hits[0]);
  }
  for (const id of ids) aggregateIds.add(id);
  return { jobs, aggregateIds };
}
