// Private helper of condition_cache.ts and its worker: checking the lines of a cache file against
// the file system on two threads at once.
//
// Both threads take chunks of lines from a counter in shared memory until none is left, and write
// a byte per line: HOLDS when the job directory's stamp (and its document's) are those the line
// records, CHANGED otherwise, 0 for a line not checked. A thread that starts late (a Worker takes
// 15-50 ms to start) or is slowed by the other's file system calls simply takes fewer chunks.

import type { CacheRows } from "./_cache_rows.ts";
import { stampOf } from "./_stamp.ts";

/** A line whose stamps are unchanged. */
export const HOLDS = 1;
/** A line whose job changed, or is gone. */
export const CHANGED = 2;
/** Lines taken at a time. */
const CHUNK = 256;

/**
 * Shared memory for checking `lines` lines: a counter, then a byte per line.
 *
 * @example
 * ```ts
 * import { checkResults, sharedChecks } from "./_check_lines.ts";
 * console.log(checkResults(sharedChecks(3)).length); // 3
 * ```
 */
export function sharedChecks(lines: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 + lines);
}

/** The byte per line of `shared` (0, {@link HOLDS} or {@link CHANGED}). */
export function checkResults(shared: SharedArrayBuffer): Uint8Array {
  return new Uint8Array(shared, 4);
}

/**
 * Checks chunks of `rows` not taken yet by another thread, until none is
 * left; job `id`'s directory is `<workspace>/<id>` and its document is
 * `docFile` in it.
 */
export function checkLines(
  rows: CacheRows,
  workspace: string,
  docFile: string,
  shared: SharedArrayBuffer,
): void {
  const counter = new Int32Array(shared, 0, 1);
  const result = checkResults(shared);
  const n = Math.min(rows.size, result.length);
  for (;;) {
    const from = Atomics.add(counter, 0, CHUNK);
    if (from >= n) return;
    const to = Math.min(n, from + CHUNK);
    for (let r = from; r < to; r++) {
      result[r] = lineHolds(rows, r, `${workspace}/${rows.id(r)}`, docFile) ? HOLDS : CHANGED;
    }
  }
}

/**
 * True if line `row` still holds for the job directory at `path`: its
 * stamp is the one recorded, and so is its document's (`docFile` in it;
 * "0" recorded: the job had none).
 */
export function lineHolds(rows: CacheRows, row: number, path: string, docFile: string): boolean {
  const dir = stampOf(path);
  return dir !== undefined && rows.dirIs(row, dir[0]) && docHolds(path, rows.doc(row), docFile);
}

/**
 * True if the document `docFile` of the job directory at `path` has the
 * stamp `doc` ("0": the job had none, and nothing is read).
 */
export function docHolds(path: string, doc: string, docFile: string): boolean {
  return doc === "0" || stampOf(`${path}/${docFile}`)?.[0] === doc;
}
