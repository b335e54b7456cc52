/**
 * Numeric helpers (private to `src/directives/`).
 *
 * @module
 */

/**
 * `Math.ceil` that forgives floating-point noise: a value within a relative
 * 1e-9 of an integer counts as that integer, so `1.1 * 3600`
 * (`3960.0000000000005`) gives 3960, not 3961.
 *
 * @example
 * ```ts
 * import { ceilTolerant } from "./_numeric.ts";
 * console.log(ceilTolerant(1.1 * 3600), ceilTolerant(2.5)); // 3960 3
 * ```
 */
export function ceilTolerant(x: number): number {
  const nearest = Math.round(x);
  if (Math.abs(x - nearest) <= 1e-9 * Math.max(1, Math.abs(x))) return nearest + 0;
  return Math.ceil(x) + 0;
}
