/**
 * Signals to processes and process groups that work under flow's narrow
 * permission set: `Deno.kill` needs unrestricted `--allow-run`, which the
 * `flow` binary does not have, so the `kill` program (on the run allow list)
 * stands in when `Deno.kill` is refused.
 *
 * @module
 */

import { nodeProcess } from "./_node.ts";

/**
 * The environment of `kill`: PATH only. Deno refuses to start an allow-listed
 * program with loader variables (LD_*, common on clusters) in its
 * environment, and an inherited one would make every signal fail.
 */
const KILL_ENV = () => ({
  clearEnv: true,
  env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
});

/**
 * Sends `signal` to a process (`pid > 0`) or a process group (`pid < 0`).
 * Returns false if the target does not exist (or the signal could not be
 * sent at all).
 *
 * @example
 * ```ts
 * import { sendSignal } from "./process.ts";
 * const alive = sendSignal(Deno.pid, "0"); // the null signal: an existence check
 * ```
 */
export function sendSignal(pid: number, signal: Deno.Signal | "0"): boolean {
  if (signal !== "0") {
    try {
      Deno.kill(pid, signal);
      return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotCapable) && !(e instanceof Deno.errors.PermissionDenied)) {
        return false; // ESRCH: no such process
      }
    }
  }
  try {
    const name = signal === "0" ? "0" : signal.replace(/^SIG/, "");
    const r = new Deno.Command("kill", {
      args: [`-${name}`, "--", String(pid)],
      ...KILL_ENV(),
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).outputSync();
    return r.code === 0;
  } catch {
    return false;
  }
}

/**
 * Whether a process of this host exists: true, false, or undefined when this
 * process is not allowed to find out (no run permission at all).
 *
 * @example
 * ```ts
 * import { processExists } from "./process.ts";
 * console.log(processExists(Deno.pid)); // true (or undefined without --allow-run)
 * ```
 */
export function processExists(pid: number): boolean | undefined {
  if (pid === Deno.pid) return true;
  return nullSignal(pid);
}

function nullSignal(pid: number): boolean | undefined {
  try {
    // node's process.kill(pid, 0) is the null signal: an existence check, nothing is sent.
    nodeProcess().kill(pid, 0);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ESRCH") return false;
    if (code === "EPERM") return true; // exists, owned by another user
  }
  try {
    const r = new Deno.Command("kill", {
      args: ["-0", String(pid)],
      ...KILL_ENV(),
      stdout: "null",
      stderr: "piped",
      stdin: "null",
    })
      .outputSync();
    if (r.code === 0) return true;
    return /no such process/i.test(new TextDecoder().decode(r.stderr)) ? false : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The executable `cmd` found on `path` (a PATH value), or undefined. A name
 * with a `/` is returned as it is.
 *
 * @example
 * ```ts
 * import { findOnPath } from "./process.ts";
 * console.log(findOnPath("sh", "/usr/bin:/bin")); // /usr/bin/sh (or /bin/sh)
 * ```
 */
export function findOnPath(cmd: string, path: string | undefined): string | undefined {
  if (cmd.includes("/")) return cmd;
  for (const dir of (path ?? "").split(":")) {
    if (dir === "") continue;
    const full = `${dir}/${cmd}`;
    try {
      const st = Deno.statSync(full);
      if (st.isFile && (st.mode === null || (st.mode & 0o111) !== 0)) return full;
    } catch {
      // not here (or not readable): keep looking
    }
  }
  return undefined;
}
