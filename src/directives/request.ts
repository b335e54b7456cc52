/**
 * The processors and GPUs a directive set really occupies, after
 * `processor_fraction`.
 *
 * Rounding: we round UP, where signac-flow rounds to nearest, so a request
 * never undersubscribes: np=5 at processor_fraction 0.5 asks for 3 cores
 * (Python's round(2.5) is 2). Float noise is forgiven: 100 × 0.07 is 7, not 8.
 * For a bundle, aggregate first (`aggregateGroupDirectives`) and then ask:
 * 4 × (np=1, processor_fraction=0.25) in parallel is 1 core, not 4. This
 * holds when the fractions are equal (aggregation keeps the first one), as
 * signac-flow requires without `--force`.
 *
 * @module
 */

import { ceilTolerant } from "./_numeric.ts";
import type { ResolvedDirectives } from "./schema.ts";

/**
 * Cores to request: `max(1, ceil(np × processor_fraction))`.
 *
 * @example
 * ```ts
 * import { coresRequested } from "./request.ts";
 * import { DEFAULT_DIRECTIVES } from "./schema.ts";
 * console.log(coresRequested({ ...DEFAULT_DIRECTIVES, np: 3, processor_fraction: 0.5 })); // 2
 * ```
 */
export function coresRequested(d: ResolvedDirectives): number {
  return Math.max(1, ceilTolerant(d.np * d.processor_fraction));
}

/**
 * GPUs to request: `ceil(ngpu × processor_fraction)`; 0 only when `ngpu` is 0.
 *
 * @example
 * ```ts
 * import { gpusRequested } from "./request.ts";
 * import { DEFAULT_DIRECTIVES } from "./schema.ts";
 * console.log(gpusRequested({ ...DEFAULT_DIRECTIVES, ngpu: 2 })); // 2
 * ```
 */
export function gpusRequested(d: ResolvedDirectives): number {
  return d.ngpu === 0 ? 0 : Math.max(1, ceilTolerant(d.ngpu * d.processor_fraction));
}
