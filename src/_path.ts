// Private helper: POSIX path arithmetic (resolve, dirname, isAbsolute), the same results as
// `node:path` on POSIX (tests/path_test.ts compares the two on a table of cases).
//
// Not `node:path`: importing any `node:` module makes Deno set up its Node layer when the importing
// file loads (6-7 ms of every sandboxed operation's Worker, which opens the project; more in a
// script importing mod.ts), and `pathe` reads `globalThis.process` when it loads, which costs the
// same. flow runs on Linux and macOS only (bash, setsid, POSIX signals), so POSIX rules suffice.

/**
 * True if `path` is absolute (starts with `/`).
 *
 * @example
 * ```ts
 * import { isAbsolute } from "./_path.ts";
 * console.log(isAbsolute("/p/workspace"), isAbsolute("out")); // true false
 * ```
 */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * The absolute, normalised path of `paths` joined from the right until one
 * is absolute, the working directory (`Deno.cwd()`) last; no trailing slash
 * but for `/`. As `node:path`'s `resolve`: empty segments are skipped, `.`
 * and `..` are resolved without looking at the file system (`..` of `/` is
 * `/`), links are not followed.
 *
 * @example
 * ```ts
 * import { resolve } from "./_path.ts";
 * console.log(resolve("/p/workspace/a", "out/../log")); // "/p/workspace/a/log"
 * console.log(resolve("/p/", "/scratch//x/")); // "/scratch/x"
 * ```
 */
export function resolve(...paths: string[]): string {
  let joined = "";
  for (let i = paths.length - 1; i >= -1 && !joined.startsWith("/"); i--) {
    const p = i >= 0 ? paths[i] : Deno.cwd();
    if (p.length === 0) continue;
    joined = joined ? `${p}/${joined}` : p;
  }
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * The folder part of `path`, as `node:path`'s `dirname` (trailing slashes
 * ignored; `.` when there is none; `/` for the root and its children;
 * repeated slashes before the last part are kept).
 *
 * @example
 * ```ts
 * import { dirname } from "./_path.ts";
 * console.log(dirname("/p/workspace/a/"), dirname("/p"), dirname("a")); // "/p/workspace" "/" "."
 * ```
 */
export function dirname(path: string): string {
  if (path.length === 0) return ".";
  const rooted = path.startsWith("/");
  let end = -1;
  let sawName = false;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (sawName) {
        end = i;
        break;
      }
    } else sawName = true;
  }
  if (end === -1) return rooted ? "/" : ".";
  if (rooted && end === 1) return "//";
  return path.slice(0, end);
}
