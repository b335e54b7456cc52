/**
 * What `cli.ts` starts before it loads the command line: for `flow status`,
 * the check of the condition cache's lines in a Worker, on the other core
 * while this one loads the libraries, the workflow and the workspace index
 * (see src/registry/early_check.ts), or, when the workspace index will not
 * serve, the listing of a large workspace folder by `ls` (see
 * src/workspace/early_listing.ts). Nothing here may import a library: the
 * point is to start before they load.
 *
 * @module
 */

import { startEarlyCheck } from "../registry/early_check.ts";
import { startEarlyListing } from "../workspace/early_listing.ts";
import { JOB_DOCUMENT_FILE } from "../workspace/file_names.ts";
import { dirname, resolve } from "../_path.ts";

/**
 * Starts what command line `args` will want before the command line is
 * parsed (in `cwd`, default: the current folder); returns the project root
 * it started a check or a listing for, or undefined (also for any error: the
 * command itself reports what it finds).
 * Only a hint, as cheap as one `stat` per folder up to the project: `flow
 * status` as the first word, and the project searched for as `flow` searches
 * (upward from `cwd` for `.signac/config`); not with `--project` or
 * `--no-cache` anywhere (checking would be wasted), nor for other commands.
 * The condition cache uses the check only if it opens the very file the
 * check read.
 *
 * @example
 * ```ts
 * import { startEarly } from "./early.ts";
 * console.log(startEarly(["run"], Deno.cwd())); // undefined: only status starts early
 * ```
 */
export function startEarly(
  args: readonly string[],
  cwd?: string,
  options: { fromLines?: number; belowLines?: number } = {},
): string | undefined {
  if (args[0] !== "status" || args.includes("--project") || args.includes("--no-cache")) {
    return undefined;
  }
  if (args.some((a) => a.startsWith("--project="))) return undefined;
  try {
    const root = projectRoot(cwd ?? Deno.cwd());
    if (root === undefined) return undefined;
    // A later run checks the cache's lines; a first one lists the workspace folder.
    const check = startEarlyCheck(root, JOB_DOCUMENT_FILE, options);
    return startEarlyListing(root) || check ? root : undefined;
  } catch {
    // (a folder that is gone, a path not allowed): the command reports what it finds
    return undefined;
  }
}

/** The nearest folder from `start` upward that holds `.signac/config`, as Project.open finds it. */
function projectRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    try {
      Deno.statSync(`${dir}/.signac/config`);
      return dir;
    } catch {
      // not here, or not readable: Project.open reports it
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
