/**
 * Parameter grids: the cartesian product of lists of values.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { parse } from "./json.ts";
import { isJsonObject, type JsonObject } from "./value.ts";
import { parseYaml } from "./yaml.ts";

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

/**
 * Reads a grid file: JSON (`.json`) or YAML (anything else).
 *
 * @example
 * ```ts
 * import { readGridFile } from "./grid.ts";
 * const file = Deno.makeTempFileSync({ suffix: ".yaml" });
 * Deno.writeTextFileSync(file, "T: [1.0, 2.0]\n");
 * console.log(readGridFile(file)); // two state points, T as floats
 * ```
 */
export function readGridFile(path: string): JsonObject[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read grid file ${path}: ${(e as Error).message}`);
  }
  const value = path.endsWith(".json") ? parse(text, path) : parseYaml(text, path);
  if (!isJsonObject(value)) {
    throw new UsageError(`${path}: a grid must be a map of key to list of values`);
  }
  return expandGrid(value);
}
