// Shared fixture of the status tests: a small project and a registry built in TypeScript.

import { type Aggregator, groupsOf, single } from "../../src/registry/aggregate.ts";
import { after, type Condition, docTrue, fn, isFile } from "../../src/registry/condition.ts";
import { emptyHooks, type Operation } from "../../src/registry/operation.ts";
import { Registry } from "../../src/registry/registry.ts";
import type { Job } from "../../src/workspace/job.ts";
import { Project } from "../../src/workspace/project.ts";

/** An operation with a function body. */
export function op(
  name: string,
  pre: Condition[],
  post: Condition[],
  aggregator: Aggregator = single,
): Operation {
  return {
    name,
    body: { kind: "function", fn: () => {} },
    pre,
    post,
    directives: {},
    aggregator,
    hooks: emptyHooks(),
    inJobDir: true,
  };
}

/** The fixture: four jobs T = 1..4 in id order, and who has what. */
export interface Fixture {
  project: Project;
  jobs: Job[];
  /** Jobs by their T. */
  byT: Map<number, Job>;
  registry: Registry;
}

/**
 * Jobs T = 1, 2, 3, 4 (each with `a.nested` = T * 10):
 * - T=1: a.txt and b.txt (prep and run complete)
 * - T=2: a.txt (prep complete, run eligible)
 * - T=3, T=4: nothing (prep eligible, run not)
 *
 * Operations: prep (post a.txt), run (pre after(prep), post b.txt), report
 * (pre doc.ready, no post), reduce (groupsOf(2), pre a.txt, post doc.reduced).
 * Group ex = prep + run. Labels: has_a (a.txt), hot (T >= 3).
 */
export async function fixture(dir: string): Promise<Fixture> {
  const project = await Project.init(dir);
  for (const T of [1, 2, 3, 4]) await project.openJob({ T, a: { nested: T * 10 } }).init();
  const { jobs } = await project.list();
  const byT = new Map(jobs.map((j) => [j.sp.T as number, j]));
  Deno.writeTextFileSync(byT.get(1)!.fn("a.txt"), "");
  Deno.writeTextFileSync(byT.get(1)!.fn("b.txt"), "");
  Deno.writeTextFileSync(byT.get(2)!.fn("a.txt"), "");
  const registry = new Registry();
  registry.addOperation(op("prep", [], [isFile("a.txt")]));
  registry.addOperation(op("run", [after("prep")], [isFile("b.txt")]));
  registry.addOperation(op("report", [docTrue("ready")], []));
  registry.addOperation(op("reduce", [isFile("a.txt")], [docTrue("reduced")], groupsOf(2)));
  registry.addGroup("ex");
  registry.addToGroup("ex", "prep");
  registry.addToGroup("ex", "run");
  registry.addLabel("has_a", isFile("a.txt"));
  registry.addLabel("hot", fn((job) => Number(job.sp.T) >= 3, "hot"));
  registry.validate();
  return { project, jobs, byT, registry };
}
