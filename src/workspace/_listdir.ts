// Private helper of project.ts: the names in the workspace folder that may be job directories.
//
// Deno.readDirSync turns each entry into a JavaScript object: at 100,000 jobs that was 0.2-0.4 s
// and 70 MB of memory, most of a first `flow status`'s listing. `ls` reads the same entries
// (getdents, no stat per entry) and prints them in 0.1 s, so a large workspace is listed through
// it, and a small one (or any failure of `ls`) through Deno.

import { hexDigit, idKey, sortIdsByKeys } from "./_sort_ids.ts";

/** What a listing found: candidate ids (sorted) and which of them are symbolic links. */
export interface DirNames {
  /** Names that look like job ids and are directories or symbolic links, sorted. */
  ids: string[];
  /** The subset of `ids` that are symbolic links. */
  links: Set<string>;
}

/**
 * Folders whose size (as `stat` reports it) is at least this many bytes are listed through `ls`:
 * a few thousand entries on tmpfs or ext4. Below, Deno's listing costs less than starting a
 * program. File systems that report a fixed size never use `ls`.
 */
export const LS_FROM_BYTES = 256 * 1024;

/**
 * Lists `dir` (which must exist; NotFound is thrown as Deno throws it). `size` is the folder's
 * size from `stat`, which selects the method.
 */
export function listJobNames(dir: string, size: number): DirNames {
  if (size >= LS_FROM_BYTES) {
    const names = listWithLs(dir);
    if (names) return names;
  }
  const ids: string[] = [];
  const keys: number[] = [];
  const links = new Set<string>();
  for (const e of Deno.readDirSync(dir)) {
    const key = e.isDirectory || e.isSymlink ? jobKey(e.name, 0, e.name.length) : -1;
    if (key >= 0) {
      keys.push(key);
      ids.push(e.name);
    }
    if (e.isSymlink) links.add(e.name);
  }
  return { ids: sortIdsByKeys(ids, Float64Array.from(keys)), links };
}

/**
 * `ls -f -F -b DIR/` in the C locale: every entry unsorted (-f), a directory marked with `/` and
 * a symbolic link with `@` (-F, from the entry's type: no stat for either), anything unprintable
 * escaped (-b), so that every line is one entry. The trailing slash lists the folder a link
 * points to: the program and its arguments, and the environment to add. Its output is read by
 * {@link parseLs}.
 */
export function lsCommand(dir: string): { args: string[]; env: Record<string, string> } {
  return { args: ["ls", "-f", "-F", "-b", "--", `${dir}/`], env: { LC_ALL: "C" } };
}

/** Lists `dir` through {@link lsCommand}; undefined when `ls` cannot run or fails (then Deno lists). */
function listWithLs(dir: string): DirNames | undefined {
  let out: Deno.CommandOutput;
  try {
    const { args: [ls, ...args], env } = lsCommand(dir);
    out = new Deno.Command(ls, { args, env, stdin: "null", stdout: "piped", stderr: "null" })
      .outputSync();
  } catch {
    return undefined;
  }
  return out.success ? parseLs(out.stdout) : undefined;
}

/**
 * The job folders in what {@link lsCommand} printed: lines of a job id and
 * a mark, read in place in the decoded text (a regular expression per line,
 * then a second pass over the ids for their sort keys, took ~100 ms of a
 * first listing of 100,000 jobs, before anything else could start).
 */
export function parseLs(stdout: Uint8Array): DirNames {
  const ids: string[] = [];
  const links = new Set<string>();
  const text = new TextDecoder().decode(stdout);
  // A job's line takes 34 characters (33 if last without a newline): room for every id.
  const keys = new Float64Array(Math.ceil(text.length / 34) + 1);
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf("\n", from);
    if (to < 0) to = text.length;
    // "<32 hex digits>/" or "<32 hex digits>@"; anything else is not a job.
    const mark = to - from === 33 ? text.charCodeAt(to - 1) : 0;
    if (mark === 47 /* / */ || mark === 64 /* @ */) {
      const key = jobKey(text, from, to - 1);
      if (key >= 0) {
        const name = text.slice(from, to - 1);
        keys[ids.length] = key;
        ids.push(name);
        if (mark === 64) links.add(name);
      }
    }
    from = to + 1;
  }
  return { ids: sortIdsByKeys(ids, keys), links };
}

/**
 * The sort key (see `idKey`) of the name from `from` to `to` in `text` if it is a job id (32
 * lower-case hexadecimal digits), else -1.
 */
function jobKey(text: string, from: number, to: number): number {
  if (to - from !== 32) return -1;
  const key = idKey(text, from);
  return key >= 0 && isHex(text, from + 8, to) ? key : -1;
}

/** True if `text` holds only lower-case hexadecimal digits from `from` to `to`. */
function isHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (hexDigit(text.charCodeAt(i)) < 0) return false;
  return true;
}
