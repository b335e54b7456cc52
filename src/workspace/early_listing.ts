/**
 * Listing a large workspace folder from the first moment of a command.
 *
 * A first listing of 100,000 job folders runs `ls` (see _listdir.ts): ~90 ms
 * during which the command's only thread waits, after ~130 ms of start-up
 * during which the second core has nothing to do. {@link startEarlyListing},
 * called by `cli.ts` before the command line's libraries load, starts that
 * `ls` at once; `Project.list` takes its output over
 * ({@link takeEarlyListing}) when it must read the folder: when the workspace
 * index is not trusted. Started only when the folder is large enough for
 * `ls` to be used at all, and when the index will probably not be trusted
 * (it is missing, or not written well after the folder last changed): a
 * listing the command does not take costs the other core a few dozen
 * milliseconds and nothing else.
 *
 * @module
 */

import { type DirNames, LS_FROM_BYTES, lsCommand, parseLs } from "./_listdir.ts";
import { readBytesSync } from "../_read_bytes.ts";
import { tempNameFor } from "./_atomic.ts";
import { INDEX_FILE, SETTLE_MS } from "./index.ts";

/** A listing started early: the folder, its time before, and the file `ls` writes. */
interface Early {
  workspace: string;
  before: number;
  /** Where `ls` prints the listing (removed once read, or when the process ends). */
  file: string;
  status: Promise<boolean>;
}

let pending: Early | undefined;

/**
 * Starts listing the workspace folder of the project at `root` with `ls`,
 * if it is large and the project's workspace index will probably not be
 * trusted; returns whether it started. At most one is pending. Large: at
 * least `fromBytes` (default: where a listing uses `ls` at all, see
 * _listdir.ts) as `stat` reports the folder's size. `ls` prints
 * into a file in `.flow` rather than into a pipe, which this thread could
 * not read while it loads the command line (`ls` would wait for it).
 *
 * @example
 * ```ts
 * import { startEarlyListing } from "./early_listing.ts";
 * console.log(startEarlyListing(Deno.makeTempDirSync())); // false (no workspace folder)
 * ```
 */
export function startEarlyListing(
  root: string,
  options: { fromBytes?: number } = {},
): boolean {
  if (pending) return false;
  const workspace = `${root}/workspace`;
  let before: number;
  try {
    const folder = Deno.statSync(workspace);
    if (!folder.isDirectory || folder.size < (options.fromBytes ?? LS_FROM_BYTES)) return false;
    before = folder.mtime?.getTime() ?? NaN;
    if (!Number.isFinite(before)) return false;
  } catch {
    return false;
  }
  try {
    const index = Deno.statSync(`${root}/${INDEX_FILE}`).mtime?.getTime() ?? NaN;
    // As readIndex trusts it (it also compares the time recorded inside).
    if (index - before > SETTLE_MS) return false;
  } catch {
    // no index: the folder will be listed
  }
  let file: string;
  let child: Deno.ChildProcess;
  try {
    Deno.mkdirSync(`${root}/.flow`, { recursive: true });
    // A temporary name, swept as other strays if this process is killed before removing it.
    file = tempNameFor(`${root}/${INDEX_FILE}`);
    const ls = lsCommand(workspace);
    child = new Deno.Command("bash", {
      args: ["-c", 'exec "$@" > "$0"', file, ...ls.args],
      env: ls.env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch {
    return false;
  }
  const status = child.status.then((s) => s.success, () => false);
  pending = { workspace, before, file, status };
  globalThis.addEventListener("unload", removeFile);
  return true;
}

function removeFile(): void {
  const file = pending?.file;
  if (file === undefined) return;
  try {
    Deno.removeSync(file);
  } catch {
    // gone already
  }
}

/**
 * True while a listing of `workspace` started at start-up waits to be taken
 * (see {@link takeEarlyListing}): the folder is large (it is listed through
 * `ls` from {@link LS_FROM_BYTES} bytes on) and is about to be read.
 *
 * @example
 * ```ts
 * import { earlyListingPending } from "./early_listing.ts";
 * console.log(earlyListingPending("/nonexistent/workspace")); // false
 * ```
 */
export function earlyListingPending(workspace: string): boolean {
  return pending?.workspace === workspace;
}

/**
 * The early listing of `workspace`, taken over by the caller: the folder's
 * modification time read before `ls` started (a listing made after it), and
 * the job folders `ls` found; undefined if none was started for that
 * folder, or `ls` failed (then the caller lists it itself).
 *
 * @example
 * ```ts
 * import { takeEarlyListing } from "./early_listing.ts";
 * console.log(await takeEarlyListing("/nonexistent/workspace")); // undefined
 * ```
 */
export async function takeEarlyListing(
  workspace: string,
): Promise<{ before: number; names: DirNames } | undefined> {
  const early = pending;
  if (!early || early.workspace !== workspace) return undefined;
  const ok = await early.status;
  let out: Uint8Array | undefined;
  try {
    if (ok) out = readBytesSync(early.file);
  } catch {
    // (removed by someone else): listed by the caller
  }
  removeFile();
  pending = undefined;
  globalThis.removeEventListener("unload", removeFile);
  return out ? { before: early.before, names: parseLs(out) } : undefined;
}
