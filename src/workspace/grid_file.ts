/**
 * Grid files: a parameter grid read from JSON or YAML (see `grid.ts`).
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { expandGrid } from "./grid.ts";
import { parse } from "./json.ts";
import { isJsonObject, type JsonObject } from "./value.ts";
import { parseYaml } from "./yaml.ts";

/**
 * Reads a grid file: JSON (`.json`) or YAML (anything else).
 *
 * @example
 * ```ts
 * import { readGridFile } from "./grid_file.ts";
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
