// Private helper of condition_cache.ts and its worker: reading the file system for many jobs on
// two threads at once.
//
// Both threads take chunks of work (lines of the cache file to check) from a counter in shared
// memory until none is left. A thread that starts late (a Worker takes 15-50 ms
// to start) or is slowed by the other's file system calls simply takes fewer chunks. Checking a
// line writes a byte per line: HOLDS when the job directory's stamp (and its document's) are those
// the line records, CHANGED otherwise, 0 for a line not checked.

import type { CacheRows } from "./_cache_rows.ts";
import { stampOf, stampTimes } from "./_stamp.ts";

/** A line whose stamps are unchanged. */
export const HOLDS = 1;
/** A line whose job changed, or is gone. */
export const CHANGED = 2;
/** Lines taken at a time. */
const CHUNK = 256;

/**
 * Shared memory for checking `lines` lines: a counter of lines taken, one
 * of lines checked, then a byte per line.
 *
 * @example
 * ```ts
 * import { checkResults, sharedChecks } from "./_check_lines.ts";
 * console.log(checkResults(sharedChecks(3)).length); // 3
 * ```
 */
export function sharedChecks(lines: number): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + lines);
}

/** The byte per line of `shared` (0, {@link HOLDS} or {@link CHANGED}). */
export function checkResults(shared: SharedArrayBuffer): Uint8Array {
  return new Uint8Array(shared, 8);
}

/**
 * How many lines of `shared` have been checked, by all threads: once it is
 * every line, every result byte is written (and visible to this thread).
 *
 * @example
 * ```ts
 * import { checkedLines, sharedChecks } from "./_check_lines.ts";
 * console.log(checkedLines(sharedChecks(3))); // 0
 * ```
 */
export function checkedLines(shared: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(shared, 4, 1), 0);
}

/**
 * Calls `work(from, to)` for each chunk of `[0, n)` that no other thread
 * sharing `counter` (an `Int32Array` of one element) has taken, until none
 * is left.
 *
 * @example
 * ```ts
 * import { forEachChunk } from "./_check_lines.ts";
 * const counter = new Int32Array(new SharedArrayBuffer(4));
 * const seen: number[] = [];
 * forEachChunk(counter, 600, (from, to) => seen.push(to - from));
 * console.log(seen); // [256, 256, 88]
 * ```
 */
export function forEachChunk(
  counter: Int32Array,
  n: number,
  work: (from: number, to: number) => void,
): void {
  for (;;) {
    const from = Atomics.add(counter, 0, CHUNK);
    if (from >= n) return;
    work(from, Math.min(n, from + CHUNK));
  }
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
  const result = checkResults(shared);
  const checked = new Int32Array(shared, 4, 1);
  forEachChunk(new Int32Array(shared, 0, 1), Math.min(rows.size, result.length), (from, to) => {
    for (let r = from; r < to; r++) {
      result[r] = lineHolds(rows, r, `${workspace}/${rows.id(r)}`, docFile) ? HOLDS : CHANGED;
    }
    // After the bytes: a thread that reads the count sees them.
    Atomics.add(checked, 0, to - from);
  });
}

/**
 * True if line `row` still holds for the job directory at `path`: its
 * stamp is the one recorded, and so is its document's (`docFile` in it;
 * "0" recorded: the job had none).
 */
export function lineHolds(rows: CacheRows, row: number, path: string, docFile: string): boolean {
  return stampTimes(path, DIR) && timesHold(rows, row, DIR, path, docFile);
}

/**
 * True if line `row` holds for the job directory at `path` whose stamp has
 * the times `dir` (as `stampTimes` wrote them): they are those recorded, and
 * so is its document's stamp. The times are compared as numbers where the
 * line records them, making no string (~1 µs less per line than comparing
 * stamps as text, at 100,000 lines).
 */
export function timesHold(
  rows: CacheRows,
  row: number,
  dir: Float64Array,
  path: string,
  docFile: string,
): boolean {
  if (!rows.dirTimesAre(row, dir[0], dir[1])) return false;
  if (rows.noDoc(row)) return true;
  return stampTimes(`${path}/${docFile}`, DOC) && rows.docTimesAre(row, DOC[0], DOC[1]);
}

const DIR = new Float64Array(2);
const DOC = new Float64Array(2);

/**
 * True if the document `docFile` of the job directory at `path` has the
 * stamp `doc` ("0": the job had none, and nothing is read).
 */
export function docHolds(path: string, doc: string, docFile: string): boolean {
  return doc === "0" || stampOf(`${path}/${docFile}`)?.[0] === doc;
}
