/**
 * Launching shell commands as operations: each in a process group of its
 * own (so that a timeout or Ctrl-C stops everything it started), with its
 * output captured line by line.
 *
 * @module
 */

import { splitLoaderVars } from "../environment.ts";
import { findOnPath, sendSignal } from "../process.ts";

let setsidPath: string | null | undefined;

/** `setsid`, if this system has it (Linux does; macOS does not). */
function findSetsid(): string | null {
  if (setsidPath === undefined) {
    setsidPath = findOnPath("setsid", Deno.env.get("PATH") ?? "/usr/bin:/bin") ?? null;
  }
  return setsidPath;
}

/** How a process ended. */
export interface ExitStatus {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** The signal that killed it, if any. */
  signal: string | null;
  /** True if it was stopped because its time ran out. */
  timedOut: boolean;
  /** True if it was stopped because the run was interrupted. */
  interrupted: boolean;
}

/** What to launch. */
export interface LaunchSpec {
  /** The shell command. */
  command: string;
  /** Working directory. */
  cwd: string;
  /** The whole environment of the process (nothing else is inherited). */
  env: Record<string, string>;
  /** Stop it after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Receives the output, chunk by chunk (stdout and stderr interleaved). If it
   * throws, it is not called again, the rest of the output is read and
   * dropped, and `done` rejects with what it threw once the process has ended.
   */
  onOutput?: (chunk: Uint8Array) => void;
  /**
   * Called with the process id once the process exists and before the
   * command starts: the command waits for it (see {@link START_GATE}), so
   * what this records (a claim's child pid) is on disk before the command can
   * run, and if this process dies first the command never starts. If it
   * throws, the command does not start either (exit code 125).
   */
  beforeStart?: (pid: number) => void;
}

/**
 * What a gated command runs first: it waits for `go` on its standard input
 * (written once `beforeStart` has returned) and gives up, without running
 * anything, when the input closes without it (this process died meanwhile);
 * then the command reads from /dev/null as an ungated one does.
 */
export const START_GATE =
  'IFS= read -r __flow_go || exit 125; [ "$__flow_go" = go ] || exit 125; unset __flow_go; exec </dev/null; ';

/**
 * A launched command.
 *
 * @example
 * ```ts
 * import { launch } from "./launch.ts";
 * const p = launch({ command: "echo hi", cwd: ".", env: { PATH: "/usr/bin:/bin" } });
 * console.log((await p.done).code); // 0
 * ```
 */
export interface Running {
  /** Process id of `bash` (the leader of its own process group when setsid is available). */
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly done: Promise<ExitStatus>;
  /**
   * Stops the process group: SIGTERM, then SIGKILL after `graceMs` (default
   * 5000; 0 or less: SIGKILL at once, without SIGTERM). Calling it again
   * while the group is stopping shortens the grace period to the new one if
   * that ends sooner (a second Ctrl-C: `stop("interrupt", 0)` kills at once,
   * also a command that is timing out); the first call's reason stays.
   */
  stop(reason: "timeout" | "interrupt", graceMs?: number): void;
}

/**
 * Starts `bash -c COMMAND` in its own process group.
 *
 * @example
 * ```ts
 * import { launch } from "./launch.ts";
 * const p = launch({ command: "sleep 10", cwd: ".", env: { PATH: "/usr/bin:/bin" }, timeoutMs: 100 });
 * console.log((await p.done).timedOut); // true
 * ```
 */
export function launch(spec: LaunchSpec): Running {
  const setsid = findSetsid();
  const { env, prelude } = splitLoaderVars(spec.env);
  const gated = spec.beforeStart !== undefined;
  const script = (gated ? START_GATE : "") + (prelude ? `${prelude} ` : "") + spec.command;
  const args = ["bash", "-c", script];
  const child = new Deno.Command(setsid ?? args[0], {
    args: setsid ? args : args.slice(1),
    cwd: spec.cwd,
    env,
    clearEnv: true,
    stdin: gated ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (gated) {
    const input = child.stdin.getWriter();
    let go = false;
    try {
      spec.beforeStart!(child.pid);
      go = true;
    } catch {
      // Not started: without "go" the gate exits with code 125 and the command never runs.
    }
    (go ? input.write(new TextEncoder().encode("go\n")) : Promise.resolve())
      .then(() => input.close())
      .catch(() => {});
  }
  let reason: "timeout" | "interrupt" | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const signalGroup = (sig: Deno.Signal) => {
    if (setsid) sendSignal(-child.pid, sig);
    else {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    }
  };
  // When the grace period ends (ms since the time origin): a later stop may shorten it (a second
  // Ctrl-C kills at once, also an operation already timing out), never lengthen it.
  let killAt = Infinity;
  let exited = false;
  const stop = (why: "timeout" | "interrupt", graceMs = 5000) => {
    const at = performance.now() + Math.max(0, graceMs);
    if (exited || at >= killAt) return; // gone (its group id may be reused), or sooner already
    killAt = at;
    clearTimeout(killTimer);
    if (graceMs <= 0) {
      reason ??= why;
      signalGroup("SIGKILL");
      return;
    }
    if (!reason) {
      // The first stop decides the reason the operation reports, and sends SIGTERM once.
      reason = why;
      signalGroup("SIGTERM");
    }
    killTimer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
  };
  const timer = spec.timeoutMs !== undefined
    ? setTimeout(() => stop("timeout"), spec.timeoutMs)
    : undefined;
  // What `onOutput` threw first: the output is still read to its end (a child blocked on a full
  // pipe would never exit), and `done` rejects with it once the process has ended.
  let outputError: { error: unknown } | undefined;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      if (outputError) continue;
      try {
        spec.onOutput?.(chunk);
      } catch (error) {
        outputError = { error };
      }
    }
  };
  const done = (async () => {
    const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
    pumps.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
    const status = await child.status;
    exited = true;
    clearTimeout(timer);
    clearTimeout(killTimer);
    // A stopped group goes entirely. After a normal exit, background children
    // that still hold the output pipes are killed too (they would otherwise
    // keep the operation open); children that let go of them are left alone.
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const drained = reason === undefined &&
      await Promise.race([
        pumps.then(() => true),
        new Promise<boolean>((r) => graceTimer = setTimeout(() => r(false), 50)),
      ]);
    clearTimeout(graceTimer);
    if (setsid && !drained) sendSignal(-child.pid, "SIGKILL");
    await pumps;
    if (outputError) throw outputError.error;
    return {
      code: status.code,
      signal: status.signal,
      timedOut: reason === "timeout",
      interrupted: reason === "interrupt",
    };
  })();
  return { pid: child.pid, done, stop };
}
