/**
 * `flow`: a workflow manager for signac-style data spaces.
 *
 * This module is the TypeScript API. A project holds a workspace of jobs, one
 * directory per state point, laid out exactly as signac 2 lays it out and
 * with the same job ids, so existing signac projects open unchanged.
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
export { Document } from "./src/workspace/document.ts";
export { expandGrid } from "./src/workspace/grid.ts";
export { compileFilter, matches, QueryError } from "./src/workspace/query.ts";
export type { CompiledFilter, Filter, QueryRecord } from "./src/workspace/query.ts";
export { parseFilterArgs } from "./src/workspace/filter_args.ts";
export type { FilterArgsOptions } from "./src/workspace/filter_args.ts";
