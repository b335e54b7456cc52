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
 * Throws if a folder of `logDir` from its `.flow` folder down is a symbolic
 * link: logs are written inside the job (or project) folder, never through a
 * link to elsewhere.
 */
function refuseLinks(logDir: string, made: boolean): void {
  const at = logDir.lastIndexOf("/.flow/");
  const base = at >= 0 ? logDir.slice(0, at) : logDir.slice(0, logDir.lastIndexOf("/"));
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
 * Opens a new log for `operation` in the folder `logDir` (made if needed),
 * numbered after the existing ones (an exclusive create, so concurrent runs
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
  Deno.mkdirSync(logDir, { recursive: true });
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
