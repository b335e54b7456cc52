/**
 * The execution log: one JSON line per start, finish or failure of an
 * operation, appended to `flow_history.jsonl` in each job directory.
 *
 * @module
 */

import { hostname } from "node:os";
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

/** History files this process created or checked (regular files, not links). */
const known = new Set<string>();

/**
 * Appends to `path` unless it is a symbolic link (which could lead out of the
 * job directory). A new file is made with an exclusive create, which never
 * follows a link. An existing one is checked before opening (not a link, not
 * a FIFO or device; skipped for a file this process made or checked) and
 * again after, on the open file (same inode), so a link put in its place
 * meanwhile is not written through.
 */
function openNoFollow(path: string): Deno.FsFile | undefined {
  let file: Deno.FsFile | undefined;
  if (!known.has(path)) {
    try {
      file = Deno.openSync(path, { append: true, createNew: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      if (!Deno.lstatSync(path).isFile) return undefined;
    }
  }
  file ??= Deno.openSync(path, { append: true });
  try {
    const opened = file.statSync();
    const now = Deno.lstatSync(path);
    if (!now.isFile || now.ino !== opened.ino || now.dev !== opened.dev) {
      file.close();
      return undefined;
    }
  } catch (e) {
    file.close();
    throw e;
  }
  known.add(path);
  return file;
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

function encode(entry: HistoryEntry): Uint8Array {
  host ??= hostname();
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
        writeAll(file, bytes);
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
  let file: Deno.FsFile | undefined | null = null; // null: not opened yet
  return {
    append(entry) {
      try {
        if (file === null) file = openNoFollow(jobs[0].fn(HISTORY_FILE));
        if (file) writeAll(file, encode(entry));
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
