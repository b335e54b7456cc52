// Private helper of project.ts and its worker: reading and checking one job's state point file.

import { DataError } from "../errors.ts";
import { STATEPOINT_FILE } from "./job.ts";
import { parse } from "./json.ts";
import { calcId } from "./statepoint.ts";
import { isJsonObject, type JsonObject } from "./value.ts";

/**
 * The state point of job `id`, read from its file and checked against the id.
 *
 * @throws {DataError} naming the job and what is wrong.
 */
export function readStatePointFile(workspace: string, id: string): JsonObject {
  const file = `${workspace}/${id}/${STATEPOINT_FILE}`;
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    const what = e instanceof Deno.errors.NotFound
      ? "is missing"
      : `is unreadable (${(e as Error).message})`;
    throw new DataError(`job ${id}: state point file ${what}`);
  }
  let sp;
  try {
    sp = parse(text, `job ${id}: ${STATEPOINT_FILE}`);
  } catch (e) {
    throw new DataError((e as Error).message);
  }
  if (!isJsonObject(sp)) throw new DataError(`job ${id}: the state point is not a JSON object`);
  const actual = calcId(sp);
  if (actual !== id) {
    throw new DataError(
      `job ${id}: the state point hashes to ${actual}, not to its directory name`,
    );
  }
  return sp;
}
