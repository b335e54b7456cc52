/**
 * Directives: what an operation, or a group of operations, asks of the
 * machine (processors, GPUs, MPI ranks, threads, memory, wall time).
 *
 * Pipeline for one operation and one job: `mergeOperationDirectives` (group
 * override over the operation's own, key by key) → `resolveDirectives`
 * (call functions of the job, validate, normalise) → for a whole group,
 * `aggregateGroupDirectives` (serial or parallel) → `coresRequested` /
 * `gpusRequested` / `formatDirectives`.
 *
 * @example
 * ```ts
 * import { aggregateGroupDirectives, gpusRequested, mergeOperationDirectives, resolveDirectives } from "./mod.ts";
 * const own = { ngpu: 1 };
 * const inGroup = mergeOperationDirectives(own, { ngpu: 2 });
 * const d = resolveDirectives(inGroup, null, "operation 'op1' in group 'ex'");
 * console.log(gpusRequested(aggregateGroupDirectives([d], "serial"))); // 2
 * ```
 *
 * @module
 */

export { DirectiveError } from "./error.ts";
export {
  type Aggregation,
  type AggregationFor,
  DEFAULT_DIRECTIVES,
  DIRECTIVE_NAMES,
  type DirectiveInfo,
  type DirectiveInput,
  type DirectiveKind,
  type DirectiveName,
  DIRECTIVES,
  type DirectiveSpec,
  type DirectiveValues,
  isDirectiveName,
  type ResolvedDirectives,
} from "./schema.ts";
export { parseMemory, parseWalltime } from "./units.ts";
export { checkDirectiveNames, validateDirectives } from "./validate.ts";
export { evaluateDirectives, resolveDirectives } from "./resolve.ts";
export { aggregateGroupDirectives, type GroupMode, mergeOperationDirectives } from "./merge.ts";
export { coresRequested, gpusRequested } from "./request.ts";
export { formatDirectives, formatMemory, formatWalltime, type WalltimeStyle } from "./format.ts";
