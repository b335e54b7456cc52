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
 * alone; a listing that needs state points reads and verifies those.
 *
 * @module
 */

import { writeChunksAtomicSync } from "./_atomic.ts";

/** Path of the index, relative to the project root. */
export const INDEX_FILE = ".flow/workspace.index";
/** An index is trusted only if written this long after the change it records. */
export const SETTLE_MS = 2000;
const MAGIC = "flow-workspace-index 1";

/**
 * What an index holds.
 *
 * @example
 * ```ts
 * import type { WorkspaceIndex } from "./index.ts";
 * const idx: WorkspaceIndex = { workspaceMtime: 0, trusted: false, statePoints: new Map(), unread: 0, problems: [] };
 * ```
 */
export interface WorkspaceIndex {
  /** Modification time (ms) of the workspace folder when the index was made. */
  workspaceMtime: number;
  /** True if the index can stand in for a listing (see the module documentation). */
  trusted: boolean;
  /** Job id → state point JSON text (null: not read yet), in id order. */
  statePoints: Map<string, string | null>;
  /** How many entries of `statePoints` are null. */
  unread: number;
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
  const statePoints = new Map<string, string | null>();
  const problems: [string, string][] = [];
  let unread = 0;
  // Parsed in place, line by line: splitting 100,000 lines first made as many strings again.
  // The next tab, looked up again only once passed (lines of an id alone have none).
  let nextTab = -1;
  for (let from = first + 1; from < text.length;) {
    const end = text.indexOf("\n", from);
    if (nextTab < from && nextTab !== -2) {
      nextTab = text.indexOf("\t", from);
      if (nextTab < 0) nextTab = -2; // none left
    }
    const tab = nextTab >= 0 && nextTab < end ? nextTab : -1;
    if (tab < 0) {
      if (end - from !== 32) return undefined;
      statePoints.set(text.slice(from, end), null);
      unread++;
    } else if (text.charCodeAt(from) === 33 /* ! */) {
      problems.push([text.slice(from + 1, tab), text.slice(tab + 1, end)]);
    } else statePoints.set(text.slice(from, tab), text.slice(tab + 1, end));
    from = end + 1;
  }
  const trusted = recorded === wsMtime && indexMtime - recorded > SETTLE_MS;
  return { workspaceMtime: recorded, trusted, statePoints, unread, problems };
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
 * console.log(readIndex(root, `${root}/workspace`)?.unread); // 1
 * ```
 */
export function writeIndex(
  root: string,
  index: Pick<WorkspaceIndex, "workspaceMtime" | "problems"> & {
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
