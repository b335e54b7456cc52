/**
 * Parameter grids: the cartesian product of lists of values. (Reading grid
 * files is in `grid_file.ts`, so that the module graph of `mod.ts`, which
 * every sandboxed operation loads, does not carry the YAML parser.)
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { JsonObject } from "./value.ts";

/**
 * Expands a grid (key → list of values; a non-list value is a constant) into
 * state points, the first key varying slowest.
 *
 * @example
 * ```ts
 * import { expandGrid } from "./grid.ts";
 * console.log(expandGrid({ T: [1.5, 2.5], seed: [0, 1], p: "a" }).length); // 4
 * ```
 */
export function expandGrid(grid: JsonObject): JsonObject[] {
  let points: JsonObject[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    const axis = Array.isArray(values) ? values : [values];
    if (axis.length === 0) throw new UsageError(`grid key '${key}' has an empty list of values`);
    const next: JsonObject[] = [];
    for (const p of points) for (const v of axis) next.push({ ...p, [key]: v });
    points = next;
  }
  return points;
}
