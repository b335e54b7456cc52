/**
 * The workspace index `.flow/workspace.index`: every job id with its state
 * point text, and every broken job directory, as of one listing.
 *
 * Listing a folder of 100,000 entries costs close to a second, so the index
 * also records the workspace folder's modification time. Creating, removing
 * or renaming a job directory changes that time, so while it is unchanged the
 * index is the listing and no folder is read. To stay safe with clocks of
 * coarse resolution, an index is trusted only when it was written more than
 * {@link SETTLE_MS} after the last change it records (both times come from
 * the file system, so clock skew between nodes does not matter).
 *
 * State points are kept as their JSON text and parsed on first use; a job id
 * determines its state point, so entries stay valid even in a stale index.
 * A job whose state point was not read yet (a lazy listing, as `flow status`
 * makes when nothing it evaluates needs state points) has a line with its id
 * alone; a listing that needs state points reads and verifies those. Job
 * lines are sorted by id and read in place ({@link IndexedJobs}).
 *
 * @module
 */

import { SortedLines } from "../_sorted_lines.ts";
import { writeChunksAtomicSync } from "./_atomic.ts";

/** Path of the index, relative to the project root. */
export const INDEX_FILE = ".flow/workspace.index";
/** An index is trusted only if written this long after the change it records. */
export const SETTLE_MS = 2000;
const MAGIC = "flow-workspace-index 1";
const TAB = 9;
/** Length of a job id. */
const ID = 32;

/**
 * The job lines of an index, sorted by id and read in place: a line is
 * `<id>\t<state point JSON>` or `<id>` alone (state point not read yet).
 * Reading 100,000 of them makes no string; a job's id and state point text
 * are cut from the file's text when asked for.
 *
 * @example
 * ```ts
 * import { IndexedJobs } from "./index.ts";
 * const a = "a".repeat(32), b = "b".repeat(32);
 * const jobs = IndexedJobs.parse(`${a}\t{"x": 1}\n${b}\n`)!;
 * console.log(jobs.size, jobs.statePoint(jobs.find(a)), jobs.statePoint(jobs.find(b))); // 2 {"x": 1} null
 * ```
 */
export class IndexedJobs extends SortedLines {
  /** How many lines hold an id alone. */
  readonly unread: number;

  private constructor(text: string, starts: Int32Array, unread: number) {
    super(text, starts, TAB);
    this.unread = unread;
  }

  /**
   * The job lines of `text[from, to)`; undefined if a line is malformed (an
   * id that is not 32 characters long, an empty state point) or the ids are
   * not strictly increasing.
   */
  static parse(text: string, from = 0, to = text.length): IndexedJobs | undefined {
    let unread = 0;
    const starts = SortedLines.scan(text, from, to, TAB, (start, end) => {
      if (end - start === ID) {
        unread++;
        return true;
      }
      return end - start > ID + 1 && text.charCodeAt(start + ID) === TAB;
    });
    return starts && new IndexedJobs(text, starts, unread);
  }

  /** The id of the job on line `row`. */
  id(row: number): string {
    const start = this.starts[row];
    return this.text.slice(start, start + ID);
  }

  /** The state point JSON text on line `row`; null if it was not read yet. */
  statePoint(row: number): string | null {
    const start = this.starts[row] + ID;
    const end = this.starts[row + 1] - 1;
    return start === end ? null : this.text.slice(start + 1, end);
  }

  /** The state point JSON text of job `id`: null if not read yet, undefined if not indexed. */
  statePointOf(id: string): string | null | undefined {
    const row = this.find(id);
    return row < 0 ? undefined : this.statePoint(row);
  }
}

/**
 * What an index holds.
 *
 * @example
 * ```ts
 * import { IndexedJobs, type WorkspaceIndex } from "./index.ts";
 * const idx: WorkspaceIndex = { workspaceMtime: 0, trusted: false, jobs: IndexedJobs.parse("")!, problems: [] };
 * ```
 */
export interface WorkspaceIndex {
  /** Modification time (ms) of the workspace folder when the index was made. */
  workspaceMtime: number;
  /** True if the index can stand in for a listing (see the module documentation). */
  trusted: boolean;
  /** Every job, in id order, with its state point text where it was read. */
  jobs: IndexedJobs;
  /** Broken job directories: name → reason. */
  problems: [string, string][];
}

/**
 * Reads the index; undefined if absent or malformed. `trusted` is set when
 * the workspace folder has not changed since.
 *
 * @example
 * ```ts
 * import { readIndex } from "./index.ts";
 * console.log(readIndex(Deno.makeTempDirSync(), "/nonexistent")); // undefined
 * ```
 */
export function readIndex(root: string, workspace: string): WorkspaceIndex | undefined {
  const path = `${root}/${INDEX_FILE}`;
  let text: string;
  let indexMtime: number;
  let wsMtime: number;
  try {
    indexMtime = Deno.statSync(path).mtime?.getTime() ?? 0;
    text = Deno.readTextFileSync(path);
    wsMtime = Deno.statSync(workspace).mtime?.getTime() ?? -1;
  } catch {
    return undefined;
  }
  const first = text.indexOf("\n");
  if (first < 0 || text.charCodeAt(text.length - 1) !== 10) return undefined;
  const header = text.slice(0, first).split("\t");
  if (header[0] !== MAGIC) return undefined;
  const recorded = Number(header[1]);
  // Broken directories come last, each "!<name>\t<reason>".
  const broken = text.indexOf("\n!", first);
  const end = broken < 0 ? text.length : broken + 1;
  const jobs = IndexedJobs.parse(text, first + 1, end);
  if (!jobs) return undefined;
  const problems: [string, string][] = [];
  for (let from = end; from < text.length;) {
    const next = text.indexOf("\n", from);
    const tab = text.indexOf("\t", from);
    if (text.charCodeAt(from) !== 33 /* ! */ || tab < 0 || tab > next) return undefined;
    problems.push([text.slice(from + 1, tab), text.slice(tab + 1, next)]);
    from = next + 1;
  }
  const trusted = recorded === wsMtime && indexMtime - recorded > SETTLE_MS;
  return { workspaceMtime: recorded, trusted, jobs, problems };
}

/**
 * Writes the index atomically. Errors (a read-only project) are ignored: the
 * index is only an optimisation.
 *
 * @example
 * ```ts
 * import { readIndex, writeIndex } from "./index.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${root}/workspace`);
 * const statePoints = new Map([["a".repeat(32), "{}"], ["b".repeat(32), null]]);
 * writeIndex(root, { workspaceMtime: 0, statePoints, problems: [] });
 * console.log(readIndex(root, `${root}/workspace`)?.jobs.unread); // 1
 * ```
 */
export function writeIndex(
  root: string,
  index: Pick<WorkspaceIndex, "workspaceMtime" | "problems"> & {
    /** Job id → state point text (null: not read), in id order. */
    statePoints: Iterable<readonly [string, string | null]>;
  },
): void {
  function* lines(): Generator<string> {
    yield `${MAGIC}\t${index.workspaceMtime}\n`;
    for (const [id, text] of index.statePoints) {
      yield text === null ? `${id}\n` : `${id}\t${text}\n`;
    }
    for (const [id, reason] of index.problems) {
      yield `!${id}\t${reason.replace(/[\t\n\r]+/g, " ")}\n`;
    }
  }
  try {
    Deno.mkdirSync(`${root}/.flow`, { recursive: true });
    writeChunksAtomicSync(`${root}/${INDEX_FILE}`, lines());
  } catch {
    // read-only project: list without an index
  }
}
