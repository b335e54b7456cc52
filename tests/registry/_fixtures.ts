/**
 * Shared fixtures of the registry tests: operations with defaults, and a
 * temporary project with jobs.
 *
 * @module
 */

import { withTempDir } from "../_helpers.ts";
import { CONDITION_CACHE_FILE } from "../../src/registry/condition_cache.ts";
import { type Aggregate, single } from "../../src/registry/aggregate.ts";
import type { Condition } from "../../src/registry/condition.ts";
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

/** A cacheable condition that counts its evaluations. */
export function counted(inner: Condition): Condition & { count: number } {
  const c = {
    description: `counted(${inner.description})`,
    key: `counted\0${inner.key}`,
    after: [],
    cacheable: inner.cacheable,
    count: 0,
    evaluate(job: Job, ctx: Parameters<Condition["evaluate"]>[1]) {
      c.count++;
      return inner.evaluate(job, ctx);
    },
  };
  return c;
}

/** Waits long enough for file time stamps (coarse clock ticks) to move on. */
export const tick = (): Promise<unknown> => new Promise((r) => setTimeout(r, 30));

/**
 * Another version of `project`'s condition cache file, whose line for `job`
 * has the job folder's current stamp (and the old answer): checked against
 * it, that line holds. Returns the file's path, its text and the other text.
 */
export function otherVersion(
  project: Project,
  job: Job,
): { path: string; text: string; other: string } {
  const path = `${project.root}/${CONDITION_CACHE_FILE}`;
  const text = Deno.readTextFileSync(path);
  const info = Deno.lstatSync(job.path);
  const stamp = `${info.mtime!.getTime()}:${info.ctime!.getTime()}`;
  const line = text.split("\n").find((l) => l.startsWith(job.id))!;
  const fields = line.split(" ");
  const other = text.replace(line, [fields[0], stamp, ...fields.slice(2)].join(" "));
  if (other === text) throw new Error("the line did not change");
  return { path, text, other };
}
