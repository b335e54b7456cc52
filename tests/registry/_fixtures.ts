/**
 * Shared fixtures of the registry tests: operations with defaults, and a
 * temporary project with jobs.
 *
 * @module
 */

import { withTempDir } from "../_helpers.ts";
import { type Aggregate, single } from "../../src/registry/aggregate.ts";
import { emptyHooks, type Operation } from "../../src/registry/operation.ts";
import { Project } from "../../src/workspace/project.ts";
import type { Job } from "../../src/workspace/job.ts";

/** An operation called `name` that does nothing, with `fields` overriding the defaults. */
export function op(name: string, fields: Partial<Omit<Operation, "name">> = {}): Operation {
  return {
    name,
    body: { kind: "function", fn: () => {} },
    pre: [],
    post: [],
    directives: {},
    aggregator: single,
    hooks: emptyHooks(),
    inJobDir: true,
    ...fields,
  };
}

/** A project in a fresh temporary folder with one initialised job per state point. */
export function withJobs<T>(
  statePoints: readonly unknown[],
  fn: (jobs: Job[], project: Project) => Promise<T> | T,
): Promise<T> {
  return withTempDir(async (dir) => {
    const project = await Project.init(dir);
    const jobs: Job[] = [];
    for (const sp of statePoints) jobs.push(await project.openJob(sp).init());
    return await fn(jobs, project);
  });
}

/** The aggregate of one job. */
export function alone(job: Job): Aggregate {
  return { id: job.id, jobs: [job] };
}

/** Writes a job document's raw JSON text (to control ints versus floats exactly). */
export function writeDoc(job: Job, text: string): void {
  Deno.writeTextFileSync(job.doc.path, text);
}
