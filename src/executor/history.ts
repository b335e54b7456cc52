/**
 * The execution log: one JSON line per start, finish or failure of an
 * operation, appended to `flow_history.jsonl` in each job directory.
 *
 * @module
 */

import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import type { Job } from "../workspace/job.ts";

/** File name of the execution log in a job directory. */
export const HISTORY_FILE = "flow_history.jsonl";

/**
 * One line of the execution log.
 *
 * @example
 * ```ts
 * import type { HistoryEntry } from "./history.ts";
 * const e: HistoryEntry = { time: new Date().toISOString(), event: "start", operation: "prep", id: "abc" };
 * ```
 */
export interface HistoryEntry {
  /** ISO 8601 time. */
  time: string;
  /** What happened. */
  event: "start" | "finish" | "failure";
  /** The operation. */
  operation: string;
  /** The group it ran in, when not its own. */
  group?: string;
  /** Job or aggregate id. */
  id: string;
  /** Host and process of the `flow run` that ran it. */
  host?: string;
  pid?: number;
  /** Seconds it ran (finish and failure). */
  seconds?: number;
  /** Why it failed. */
  error?: string;
  /** Exit code of a command operation. */
  exitCode?: number;
}

let host: string | undefined;

/** An open history file. */
interface LogFile {
  write(bytes: Uint8Array): void;
  close(): void;
}

/**
 * Appending, creating the file if needed, without following a link at the
 * file name (`O_NOFOLLOW`: a link fails with ELOOP, even a dangling one) and
 * without waiting on a FIFO (`O_NONBLOCK`: one without a reader fails with
 * ENXIO).
 */
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT |
  constants.O_NOFOLLOW | constants.O_NONBLOCK;

function errorCode(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

/**
 * Opens `path` for appending (creating it) unless it is a symbolic link,
 * which could lead out of the job directory, or anything but a regular file
 * (checked on the open descriptor, so a link put in its place meanwhile is
 * never written through). Two system calls, no exception on the common
 * paths.
 */
function openNoFollow(path: string): LogFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, APPEND, 0o666);
  } catch (e) {
    if (errorCode(e) === "ELOOP" || errorCode(e) === "ENXIO") return undefined;
    throw e;
  }
  let regular = false;
  try {
    regular = fstatSync(fd).isFile();
  } finally {
    if (!regular) closeSync(fd);
  }
  if (!regular) return undefined;
  return {
    write(bytes) {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
    },
    close: () => closeSync(fd),
  };
}

function encode(entry: HistoryEntry): Uint8Array {
  host ??= Deno.hostname();
  return new TextEncoder().encode(JSON.stringify({ ...entry, host, pid: Deno.pid }) + "\n");
}

/**
 * Appends an entry to the log of every job of the aggregate. Each line is
 * written with one append, which the file system keeps whole even when
 * several processes write at once.
 *
 * @example
 * ```ts
 * import { appendHistory } from "./history.ts";
 * // appendHistory(jobs, { time: new Date().toISOString(), event: "start", operation: "prep", id: jobs[0].id });
 * ```
 */
export function appendHistory(jobs: readonly Job[], entry: HistoryEntry): void {
  const bytes = encode(entry);
  for (const job of jobs) {
    try {
      const file = openNoFollow(job.fn(HISTORY_FILE));
      if (!file) continue;
      try {
        file.write(bytes);
      } finally {
        file.close();
      }
    } catch {
      // a job removed by its own operation has no log to write to
    }
  }
}

/**
 * The log of the jobs of one operation run: the start line, later the
 * finish line. For one job the file stays open in between (checked once:
 * not a link), saving a third of the system calls of a trivial operation.
 *
 * @example
 * ```ts
 * import { openHistory } from "./history.ts";
 * // const h = openHistory(jobs); h.append(start); ...; h.append(finish); h.close();
 * ```
 */
export function openHistory(
  jobs: readonly Job[],
): { append(entry: HistoryEntry): void; close(): void } {
  if (jobs.length !== 1) {
    return { append: (entry) => appendHistory(jobs, entry), close: () => {} };
  }
  let file: LogFile | undefined | null = null; // null: not opened yet
  return {
    append(entry) {
      try {
        if (file === null) file = openNoFollow(jobs[0].fn(HISTORY_FILE));
        if (file) file.write(encode(entry));
      } catch {
        // a job removed by its own operation has no log to write to
        try {
          file?.close();
        } catch {
          // closed already
        }
        file = undefined;
      }
    },
    close() {
      try {
        file?.close();
      } catch {
        // closed already
      }
      file = undefined;
    },
  };
}

/**
 * Reads a job's execution log (an absent log is empty; malformed lines are skipped).
 *
 * @example
 * ```ts
 * import { readHistory } from "./history.ts";
 * // const entries = readHistory(job);
 * ```
 */
export function readHistory(job: Job): HistoryEntry[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(job.fn(HISTORY_FILE));
  } catch {
    return [];
  }
  const out: HistoryEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut by a crash
    }
  }
  return out;
}
