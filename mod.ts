/**
 * `flow`: a workflow manager for signac-style data spaces.
 *
 * This module is the TypeScript API. A project holds a workspace of jobs, one
 * directory per state point, laid out exactly as signac 2 lays it out and
 * with the same job ids, so existing signac projects open unchanged.
 * Operations run on jobs, gated by pre- and postconditions; groups bundle
 * operations and give each the directives it needs in that group.
 *
 * A workflow in TypeScript (`project.ts`, run as
 * `deno run -A project.ts run -o ex`):
 *
 * ```ts
 * import { after, FlowProject, isFile } from "./mod.ts";
 *
 * const project = new FlowProject();
 * const op1 = project.operation("op1", async (job) => {
 *   await Deno.writeTextFile(job.fn("op1.txt"), "done");
 * }, { post: [isFile("op1.txt")], directives: { ngpu: 1 } });
 * const op2 = project.command("op2", "echo {job.sp.T} > op2.txt", {
 *   pre: [after("op1")],
 *   post: [isFile("op2.txt")],
 * });
 * project.makeGroup("ex").add(op1, { directives: { ngpu: 2 } }).add(op2);
 * if (import.meta.main) await project.main();
 * ```
 *
 * The workspace alone:
 *
 * @example
 * ```ts
 * import { float, Project } from "./mod.ts";
 *
 * const project = await Project.init(Deno.makeTempDirSync());
 * for (const T of [float(1), 1.5, float(2)]) {
 *   const job = await project.openJob({ T, seed: 0 }).init();
 *   await job.doc.set("started", true);
 * }
 * for (const job of await project.find({ T: { $gte: 1.5 } })) {
 *   console.log(job.id, job.sp.T);
 * }
 * ```
 *
 * @module
 */

export { DataError, FlowError, OperationError, UsageError } from "./src/errors.ts";
export { float, isFloat, isInt, PyFloat } from "./src/workspace/value.ts";
export type { JsonObject, JsonValue } from "./src/workspace/value.ts";
export { dumps, JsonSyntaxError, parse } from "./src/workspace/json.ts";
export type { DumpOptions } from "./src/workspace/json.ts";
export { calcId, StatePointError } from "./src/workspace/statepoint.ts";
export { Project, ProjectNotFoundError } from "./src/workspace/project.ts";
export type { JobProblem, Listing, ListOptions } from "./src/workspace/project.ts";
export { Job } from "./src/workspace/job.ts";
export { Document, DocumentError } from "./src/workspace/document.ts";
export { expandGrid } from "./src/workspace/grid.ts";
export { compileFilter, matches, QueryError } from "./src/workspace/query.ts";
export type { CompiledFilter, Filter, QueryRecord } from "./src/workspace/query.ts";
export { parseFilterArgs } from "./src/workspace/filter_args.ts";
export type { FilterArgsOptions } from "./src/workspace/filter_args.ts";
export { FlowProject } from "./src/cli/flow_project.ts";
export type {
  GroupHandle,
  HookFunction,
  HookOptions,
  OperationHandle,
  OperationOptions,
} from "./src/cli/flow_project.ts";
export {
  after,
  docEquals,
  docFalse,
  docTrue,
  fn as condition,
  isFile,
  never,
  not,
  sh,
} from "./src/registry/condition.ts";
export type { Condition, ConditionContext, ConditionFunction } from "./src/registry/condition.ts";
export { aggregateId, groupBy, groupsOf, single } from "./src/registry/aggregate.ts";
export type { Aggregate, Aggregator, AggregatorOptions } from "./src/registry/aggregate.ts";
export type { OperationFunction } from "./src/registry/operation.ts";
export type { RunOptions } from "./src/registry/group.ts";
export { DefinitionError } from "./src/registry/error.ts";
export { DirectiveError } from "./src/directives/mod.ts";
export type {
  DirectiveInput,
  DirectiveName,
  DirectiveSpec,
  DirectiveValues,
  ResolvedDirectives,
} from "./src/directives/mod.ts";
