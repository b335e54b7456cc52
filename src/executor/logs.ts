/**
 * Operation logs: the output of every operation run goes to
 * `<job>/.flow/logs/<operation>.<n>.log` (for an aggregate, to
 * `<project>/.flow/logs/<agg-id>/<operation>.<n>.log`), `n` counting runs.
 *
 * @module
 */

import { DataError } from "../errors.ts";

/**
 * An open log file.
 *
 * @example
 * ```ts
 * import { openLog } from "./logs.ts";
 * const log = openLog(Deno.makeTempDirSync(), "prep");
 * log.write(new TextEncoder().encode("hello\n"));
 * log.close();
 * ```
 */
export interface LogFile {
  /** Path of the file. */
  readonly path: string;
  /** Appends bytes. */
  write(chunk: Uint8Array): void;
  /** Closes the file. */
  close(): void;
}

/**
 * The folder a log folder belongs to: the job (or project) folder above its
 * `.flow` folder, otherwise its parent.
 */
function baseOf(logDir: string): string {
  const at = logDir.lastIndexOf("/.flow/");
  return at >= 0 ? logDir.slice(0, at) : logDir.slice(0, logDir.lastIndexOf("/"));
}

/**
 * Makes `logDir` one folder at a time below its base, which must exist: a
 * job removed by `flow job rm` is never made again by a recursive `mkdir`
 * (it would come back as a ghost, a folder without its state point).
 */
function makeLogDir(logDir: string): void {
  const base = baseOf(logDir);
  if (base === "") {
    Deno.mkdirSync(logDir, { recursive: true });
    return;
  }
  let path = base;
  for (const name of logDir.slice(base.length + 1).split("/")) {
    path += "/" + name;
    try {
      Deno.mkdirSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) continue;
      if (e instanceof Deno.errors.NotFound && path === `${base}/${name}`) {
        throw new DataError(`${base} no longer exists (removed?): no log is written there`);
      }
      throw e;
    }
  }
}

/**
 * Throws if a folder of `logDir` from its `.flow` folder down is a symbolic
 * link: logs are written inside the job (or project) folder, never through a
 * link to elsewhere.
 */
function refuseLinks(logDir: string, made: boolean): void {
  const base = baseOf(logDir);
  if (base === "") return;
  const refuse = () => {
    throw new DataError(
      `${logDir} leads out of ${base} through a symbolic link: flow does not write logs through links`,
    );
  };
  if (made) {
    // After creating it: the whole path, resolved, is still below base.
    if (Deno.realPathSync(logDir) !== Deno.realPathSync(base) + logDir.slice(base.length)) refuse();
    return;
  }
  // Before creating anything: no existing folder on the way is a link.
  let path = base;
  for (const name of logDir.slice(base.length + 1).split("/")) {
    path += "/" + name;
    try {
      if (Deno.lstatSync(path).isSymlink) refuse();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
  }
}

/**
 * Opens a new log for `operation` in the folder `logDir` (made if needed, but
 * never the job or project folder it belongs to: a `DataError` when that is
 * gone), numbered after the existing ones (an exclusive create, so concurrent runs
 * never share a file).
 *
 * @example
 * ```ts
 * import { openLog } from "./logs.ts";
 * const log = openLog(Deno.makeTempDirSync(), "prep");
 * console.log(log.path.endsWith("prep.1.log")); // true
 * log.close();
 * ```
 */
export function openLog(logDir: string, operation: string): LogFile {
  refuseLinks(logDir, false);
  makeLogDir(logDir);
  refuseLinks(logDir, true);
  let n = 1;
  for (const e of Deno.readDirSync(logDir)) {
    const m = e.name.startsWith(operation + ".") ? /\.(\d+)\.log$/.exec(e.name) : null;
    if (m && e.name === `${operation}.${m[1]}.log`) n = Math.max(n, Number(m[1]) + 1);
  }
  while (true) {
    const path = `${logDir}/${operation}.${n}.log`;
    try {
      const file = Deno.openSync(path, { write: true, createNew: true });
      return {
        path,
        write(chunk) {
          let off = 0;
          while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
        },
        close() {
          file.close();
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      n++;
    }
  }
}
