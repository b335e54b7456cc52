/**
 * Checking the condition cache's lines from the first moment of a command.
 *
 * A warm `flow status` proves each cached job unchanged with one `lstat` of
 * its folder (see condition_cache.ts): ~60-70 ms at 10,000 jobs on the main
 * thread, after ~100-150 ms of start-up (loading the command line's
 * libraries, the workflow, the workspace index) during which the second core
 * has nothing to do. {@link startEarlyCheck}, called by `cli.ts` before
 * anything else is loaded, starts a Worker that reads the cache file and
 * checks its lines during that start-up; {@link ConditionCache} takes its
 * results over when it opens the same version of the same file (see
 * {@link takeEarlyCheck}), and joins the check if it is not finished.
 *
 * Only between {@link EARLY_FROM_LINES} and {@link PARALLEL_STAMPS} lines
 * (measured, interleaved, on a 2-core host): below, creating the Worker
 * (~30 ms, during which the creating thread waits) costs more than the
 * check it takes over (10,000 jobs: 0.29 -> 0.26 s; 6,000: even); from
 * 20,000 on, the cache starts its own Worker once the workspace is listed,
 * and a Worker running during start-up slows the main thread's start-up
 * more than it gains (20,000 jobs: 0.37 s that way, 0.40-0.42 s checked
 * from the start).
 *
 * @module
 */

import { CONDITION_CACHE_FILE } from "./_cache_file.ts";

/**
 * From this many cache lines on, a condition cache checks its lines in a
 * Worker started once the workspace is listed (see
 * {@link ConditionCache.checkAhead}); below, an early check may (see the
 * module documentation).
 */
export const PARALLEL_STAMPS = 20_000;

/** From this many lines on, the lines are checked from the start (see the module documentation). */
export const EARLY_FROM_LINES = 8_000;

/**
 * Bytes per line the size of the file is divided by to estimate its lines
 * before reading it: a job id (32), two stamps of a folder (27) and of no
 * document ("0"), three conditions' codes, separators and the newline.
 */
const BYTES_PER_LINE = 66;

/** What an early check is: its Worker, the file it reads, and what it says. */
export interface EarlyCheck {
  /** The cache file it checks. */
  readonly path: string;
  /** Where the job folders are (job `id` in `<workspace>/<id>`). */
  readonly workspace: string;
  /** The Worker. */
  readonly worker: Worker;
  /**
   * Settles once the Worker has read the file: which version (see
   * `CacheFile.identity`), how many lines, and the shared memory of the check
   * (see _check_lines.ts); undefined when it could not read or parse it.
   */
  readonly started: Promise<EarlyStart | undefined>;
  /** Settles when the Worker has stopped checking. */
  readonly done: Promise<void>;
  /** What {@link EarlyCheck.started} settled with, once it has (for code that cannot wait). */
  start?: EarlyStart;
}

/** What the Worker of an early check says once it has read the file. */
export interface EarlyStart {
  /** The version of the file it read. */
  identity: string;
  /** Its number of lines. */
  lines: number;
  /** The counters and a byte per line of the check (see _check_lines.ts). */
  shared: SharedArrayBuffer;
  /** Where the lines start (`CacheRows.lineStarts`): the same version need not be parsed again. */
  starts: Int32Array;
}

/** The early check started in this process and not taken yet. */
let pending: EarlyCheck | undefined;

/**
 * Starts checking the lines of the condition cache of the project at
 * `root` in a Worker, if the file's size puts it between `fromLines`
 * (default {@link EARLY_FROM_LINES}) and `belowLines` (default
 * {@link PARALLEL_STAMPS}) lines. Returns whether it started. Only a hint:
 * the Worker ends when it has checked every line (or by
 * {@link takeEarlyCheck} for another file, or by the cache that takes it
 * over); `docFile` is the name of a job's document.
 *
 * @example
 * ```ts
 * import { startEarlyCheck } from "./early_check.ts";
 * // No cache file there: nothing starts.
 * console.log(startEarlyCheck(Deno.makeTempDirSync(), "signac_job_document.json")); // false
 * ```
 */
export function startEarlyCheck(
  root: string,
  docFile: string,
  options: { fromLines?: number; belowLines?: number } = {},
): boolean {
  if (pending) return false;
  const path = `${root}/${CONDITION_CACHE_FILE}`;
  let lines: number;
  try {
    lines = Deno.statSync(path).size / BYTES_PER_LINE;
  } catch {
    return false;
  }
  if (lines < (options.fromLines ?? EARLY_FROM_LINES)) return false;
  if (lines >= (options.belowLines ?? PARALLEL_STAMPS)) return false;
  let worker: Worker;
  try {
    worker = new Worker(new URL("./_stamp_worker.ts", import.meta.url), { type: "module" });
  } catch {
    return false;
  }
  let started!: (s: EarlyStart | undefined) => void;
  let done!: () => void;
  const check: EarlyCheck = {
    path,
    workspace: `${root}/workspace`,
    worker,
    started: new Promise((resolve) => started = resolve),
    done: new Promise((resolve) => done = resolve),
  };
  let first = true;
  // Once it has stopped, what it found is in the shared memory: the Worker itself can go (one
  // left running would keep the process alive).
  const end = () => {
    started(undefined); // (no effect once settled)
    worker.terminate();
    done();
  };
  worker.onmessage = (e: MessageEvent<EarlyStart | undefined | "done">) => {
    if (!first || e.data === "done" || e.data === undefined) return end();
    first = false;
    check.start = e.data;
    started(e.data);
  };
  worker.onerror = (e) => {
    // Lines it took and did not check stay unchecked: the cache checks them.
    e.preventDefault();
    end();
  };
  worker.postMessage({ early: { path, workspace: check.workspace, docFile } });
  pending = check;
  return true;
}

/**
 * The early check of the cache file at `path`, taken over by the caller
 * (who ends its Worker); undefined when none was started for that file. A
 * check of another file is ended: no cache of this command will want it.
 *
 * @example
 * ```ts
 * import { takeEarlyCheck } from "./early_check.ts";
 * console.log(takeEarlyCheck("/nonexistent/.flow/conditions.cache")); // undefined
 * ```
 */
export function takeEarlyCheck(path: string): EarlyCheck | undefined {
  const check = pending;
  pending = undefined;
  if (check && check.path !== path) {
    check.worker.terminate();
    return undefined;
  }
  return check;
}
