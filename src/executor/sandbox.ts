/**
 * Permission-scoped execution of TypeScript function operations.
 *
 * A sandboxed operation may read the project and write only its own job
 * directory (each member's job directory for an aggregate) plus the paths it
 * declares (`allowWrite`). It sees no environment variable except the
 * {@link SANDBOX_ENV_ALLOW_LIST} and those the caller passes, and it has no
 * network, subprocess, FFI or system access (except `os.hostname()`, which
 * the document lock uses). Anything else fails inside the operation with
 * Deno's `NotCapable` error, which {@link Sandbox.run} reports as the
 * operation's failure ({@link SandboxOperationError}).
 *
 * How the function is found: the sandbox imports the module that created the
 * FlowProject ({@link SandboxSpec.mainModule}, recorded as
 * `Operation.module`: `Deno.mainModule` at construction, or the `module`
 * option of `FlowProject`). That re-runs the top-level definitions;
 * `import.meta.main` is false there, so `project.main()` does not run. The
 * operation is then looked up by name among the FlowProjects created during
 * that import, and called with jobs re-opened inside the sandbox
 * (`Project.open(root, { search: false })`, `project.job(id)`). Whatever else
 * the module does at its top level runs in every sandbox, under the same
 * permissions.
 *
 * Mechanisms ({@link SandboxMechanism}), both driven by the same entry
 * module (`_sandbox_worker.ts`):
 *
 * - `"worker"`: a `Worker` with `deno.permissions`. Cheapest, but Deno
 *   accepts that option only when the process runs with
 *   `--unstable-worker-options`, and without the flag it *exits the process*
 *   (code 70) rather than throwing, so the flag cannot be probed by trying.
 * - `"process"`: a child `deno run --no-prompt --cached-only` with explicit
 *   `--allow-read=… --allow-write=… --allow-sys=hostname` and nothing else,
 *   a cleared environment, stderr inherited and stdout passed through
 *   (replies travel on stdout behind a random marker). Needs
 *   `--allow-run` for `Deno.execPath()` in this process.
 *
 * `openSandbox` picks, unless {@link SandboxSpec.mechanism} says otherwise
 * ({@link detectSandboxMechanism}): the environment variable `FLOW_SANDBOX`
 * (`worker` or `process`) when set; else `"worker"` when
 * `/proc/self/cmdline` shows `--unstable-worker-options` (readable only under
 * `-A`; set `FLOW_SANDBOX=worker` when the flag comes from `deno.json`
 * `"unstable"` or is compiled in); else `"process"` when this process may run
 * `deno`; else it fails with a {@link SandboxError} that says what to add.
 *
 * Permissions ({@link sandboxPermissions}):
 *
 * - read: the project root, the folder of the operation's module, the folder
 *   of this library (holding `mod.ts`), and {@link SandboxSpec.readable}.
 *   Local modules the operation's module imports must lie there (Deno checks
 *   read access for every local module a dynamic import loads); keep
 *   `project.ts` in the project, not in a folder such as `$HOME`, whose
 *   whole content would become readable. Deno's module cache (`DENO_DIR`) is
 *   not needed: `npm:` and cached remote modules load without read access.
 * - write: {@link SandboxSpec.writable} (see {@link writablePaths}).
 * - env: none of the real environment. `Deno.env` and `process.env` are
 *   replaced by a private view holding the allow-listed variables of this
 *   process and {@link SandboxSpec.env} (and {@link RunOptions.env}); writes
 *   change only the view.
 * - sys: `hostname`. import (remote modules): only the hosts of the
 *   operation's module and of this library when they are remote, and
 *   {@link SandboxSpec.allowImport} (a child also runs `--cached-only`, so
 *   nothing new is downloaded: a dynamic import cannot carry data out).
 *   net, run, ffi: none.
 * - `Deno.exit`/`process.exit` throw in the sandbox instead of exiting.
 *
 * Amortising: a sandbox runs any number of operations, one after the other
 * or at once; open one per unit (a group on one aggregate), whose writable
 * paths cover every operation of the unit, and close it when the unit ends.
 * Operations in one sandbox share its module instances and its environment
 * view. Output of the operations goes to this process's stdout and stderr,
 * as for in-process operations. Relative paths resolve against this
 * process's working directory, which sandboxes do not change: use
 * `job.fn(name)`.
 *
 * @example
 * ```ts
 * import { openSandbox } from "./sandbox.ts";
 * // const sandbox = await openSandbox({
 * //   mainModule: "file:///p/project.ts", projectRoot: "/p", writable: ["/p/workspace/0123…"],
 * // });
 * // try { await sandbox.run("prep", ["0123…"]); } finally { await sandbox.close(); }
 * ```
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "../_path.ts";
import { FlowError, OperationError } from "../errors.ts";
import type { Operation } from "../registry/operation.ts";
import type { Job } from "../workspace/job.ts";
import type {
  InitMessage,
  RemoteError,
  RunMessage,
  SandboxReply,
  SandboxRequest,
} from "./_sandbox_worker.ts";

const ENTRY = new URL("./_sandbox_worker.ts", import.meta.url);
/** The folder holding `mod.ts`: the library the operation's module imports. */
const LIBRARY = new URL("../../", import.meta.url);

/**
 * Environment variables a sandbox inherits from this process (when set):
 * locale, time zone, colour switch, home folder, and the two that npm `yaml`
 * reads while parsing. Everything else it sees is passed explicitly.
 *
 * @example
 * ```ts
 * import { SANDBOX_ENV_ALLOW_LIST } from "./sandbox.ts";
 * console.log(SANDBOX_ENV_ALLOW_LIST.includes("PATH")); // false
 * ```
 */
export const SANDBOX_ENV_ALLOW_LIST: readonly string[] = [
  "HOME",
  "LANG",
  "LC_ALL",
  "TZ",
  "NO_COLOR",
  "LOG_TOKENS",
  "LOG_STREAM",
];

/**
 * How a sandbox is made: a restricted Worker, or a restricted child process.
 *
 * @example
 * ```ts
 * import type { SandboxMechanism } from "./sandbox.ts";
 * const m: SandboxMechanism = "worker";
 * ```
 */
export type SandboxMechanism = "worker" | "process";

/**
 * What a sandbox runs and what it may touch.
 *
 * @example
 * ```ts
 * import type { SandboxSpec } from "./sandbox.ts";
 * const spec: SandboxSpec = {
 *   mainModule: "file:///p/project.ts",
 *   projectRoot: "/p",
 *   writable: ["/p/workspace/0123456789abcdef0123456789abcdef"],
 *   env: { FLOW_JOB_ID: "0123456789abcdef0123456789abcdef" },
 * };
 * ```
 */
export interface SandboxSpec {
  /** URL of the module that creates the FlowProject (`Operation.module`). */
  mainModule: string;
  /** Absolute path of the project root (readable). */
  projectRoot: string;
  /** Absolute paths the operations may write (job directories and declared paths). */
  writable: readonly string[];
  /** Extra absolute paths the operations may read. */
  readable?: readonly string[];
  /** Extra hosts remote modules may be imported from (`deno.land`, `esm.sh:443`). */
  allowImport?: readonly string[];
  /** Variables the operations see, on top of the allow-listed ones. */
  env?: Record<string, string>;
  /** Force a mechanism; default: {@link detectSandboxMechanism}. */
  mechanism?: SandboxMechanism;
}

/**
 * The permissions a sandbox gets, as exact lists.
 *
 * @example
 * ```ts
 * import { sandboxPermissions } from "./sandbox.ts";
 * const p = sandboxPermissions({
 *   mainModule: "file:///p/project.ts", projectRoot: "/p", writable: [],
 * });
 * console.log(p.read.includes("/p"), p.net); // true false
 * ```
 */
export interface SandboxPermissions {
  /** Readable paths. */
  read: string[];
  /** Writable paths. */
  write: string[];
  /** Names of the variables in the environment view (the real environment is not readable). */
  env: string[];
  /** System information: `hostname` only. */
  sys: string[];
  /** Hosts remote modules may be imported from (none for local modules). */
  import: string[];
  /** Always false. */
  net: false;
  /** Always false. */
  run: false;
  /** Always false. */
  ffi: false;
}

/**
 * Options of one {@link Sandbox.run}.
 *
 * @example
 * ```ts
 * import type { RunOptions } from "./sandbox.ts";
 * const o: RunOptions = { env: { FLOW_OPERATION: "prep" } };
 * ```
 */
export interface RunOptions {
  /**
   * Variables set in the sandbox's environment view before the call (they
   * stay set; with operations running at once, the last set wins).
   */
  env?: Record<string, string>;
}

/**
 * A running sandbox: runs operations of one module, under one permission set.
 *
 * @example
 * ```ts
 * import type { Sandbox } from "./sandbox.ts";
 * async function runAll(sandbox: Sandbox, ops: string[], ids: string[]) {
 *   try {
 *     for (const op of ops) await sandbox.run(op, ids);
 *   } finally {
 *     await sandbox.close();
 *   }
 * }
 * ```
 */
export interface Sandbox {
  /** The mechanism in use. */
  readonly mechanism: SandboxMechanism;
  /** What the operations may touch. */
  readonly permissions: SandboxPermissions;
  /**
   * Settles once the operation's module is imported (rejects with a
   * {@link SandboxError} when it cannot be). {@link Sandbox.run} waits for it.
   */
  readonly ready: Promise<void>;
  /**
   * Calls the operation `operation` with the jobs `jobIds` (in order).
   * Rejects with a {@link SandboxOperationError} when the operation throws
   * (a permission failure included), with a {@link SandboxError} when the
   * sandbox cannot run it (module not loadable, killed, closed, crashed).
   */
  run(operation: string, jobIds: readonly string[], options?: RunOptions): Promise<void>;
  /**
   * Ends the sandbox; operations still running are rejected ("sandbox
   * closed"). Settles once the Worker or process is gone (also after
   * {@link Sandbox.kill}: await it to reap a killed process).
   */
  close(): Promise<void>;
  /**
   * Stops the sandbox at once (a timeout, an interrupt): the Worker is
   * terminated or the process killed with SIGKILL; running operations are
   * rejected with a {@link SandboxError} whose message is `reason`.
   */
  kill(reason?: string): void;
}

/**
 * A sandbox could not be made or could not run an operation (not the
 * operation's own failure).
 *
 * @example
 * ```ts
 * import { SandboxError } from "./sandbox.ts";
 * console.log(new SandboxError("sandbox killed").exitCode); // 2
 * ```
 */
export class SandboxError extends FlowError {}

/**
 * A sandboxed operation threw: the message is the operation's error message
 * (for a permission failure, `NotCapable: …` and what the sandbox allows).
 *
 * @example
 * ```ts
 * import { SandboxOperationError } from "./sandbox.ts";
 * const e = new SandboxOperationError("prep", { name: "TypeError", message: "x is undefined" });
 * console.log(e.message, e.errorName, e.exitCode); // x is undefined TypeError 1
 * ```
 */
export class SandboxOperationError extends OperationError {
  /** The name of the error the operation threw (`NotCapable`, `TypeError`, …). */
  readonly errorName: string;
  /** Its stack, as printed inside the sandbox. */
  readonly remoteStack?: string;

  /** Wraps the error `error` thrown by the operation `operation`. */
  constructor(operation: string, error: RemoteError) {
    super(describe(operation, error));
    this.errorName = error.name;
    this.remoteStack = error.stack;
  }
}

function describe(operation: string, error: RemoteError): string {
  if (error.name !== "NotCapable") return error.message;
  const message = error.message.replace(/,? run again with the --allow-[a-z]+ flag\.?$/, "");
  const kind = /Requires (\w+) access/.exec(message)?.[1];
  const allowed = kind === "write"
    ? "may write only its job directory and the paths of its allowWrite option"
    : kind === "read"
    ? "may read only the project and its module's folder"
    : `has no ${kind ?? "such"} access (its option sandbox: false runs it in-process)`;
  return `NotCapable: ${message} (operation '${operation}' runs sandboxed: it ${allowed})`;
}

/**
 * The paths a sandboxed operation may write: each job directory, and each
 * `allowWrite` entry (absolute, or relative to each job directory).
 *
 * @example
 * ```ts
 * import { writablePaths } from "./sandbox.ts";
 * console.log(writablePaths(["/p/workspace/a", "/p/workspace/b"], ["out", "/scratch"]));
 * // ["/p/workspace/a", "/p/workspace/b", "/p/workspace/a/out", "/p/workspace/b/out", "/scratch"]
 * ```
 */
export function writablePaths(
  jobDirs: readonly string[],
  allowWrite: readonly string[] = [],
): string[] {
  const out = new Set(jobDirs.map((d) => resolve(d)));
  for (const p of allowWrite) {
    if (isAbsolute(p)) out.add(resolve(p));
    else for (const d of jobDirs) out.add(resolve(d, p));
  }
  return [...out];
}

/**
 * True if the operation runs in a sandbox: a function operation whose
 * `sandbox` option is not false.
 *
 * @example
 * ```ts
 * import { isSandboxed } from "./sandbox.ts";
 * import type { Operation } from "../registry/operation.ts";
 * const local = (op: Operation) => !isSandboxed(op);
 * ```
 */
export function isSandboxed(op: Operation): boolean {
  return op.body.kind === "function" && op.sandbox !== false;
}

/**
 * The sandbox spec for the operations `operations` (one unit: a group on one
 * aggregate) on `jobs`: their module, the jobs' directories and every
 * operation's `allowWrite` paths.
 *
 * @throws {SandboxError} when the operations have no recorded module, or
 *   come from different modules.
 *
 * @example
 * ```ts
 * import { sandboxSpecFor } from "./sandbox.ts";
 * import type { Operation } from "../registry/operation.ts";
 * import type { Job } from "../workspace/job.ts";
 * function spec(ops: Operation[], jobs: Job[]) {
 *   return sandboxSpecFor(ops, { projectRoot: "/p", jobs, env: { FLOW_JOB_ID: jobs[0].id } });
 * }
 * ```
 */
export function sandboxSpecFor(
  operations: readonly Operation[],
  unit: { projectRoot: string; jobs: readonly Job[]; env?: Record<string, string> },
): SandboxSpec {
  const modules = new Set(operations.map((op) => op.module ?? ""));
  const [mainModule] = modules;
  if (modules.size !== 1 || !mainModule) {
    const names = operations.map((op) => `'${op.name}'`).join(", ");
    throw new SandboxError(
      modules.size > 1
        ? `operations ${names} come from different modules; give each unit one sandbox per module`
        : `operation ${names} has no recorded module to sandbox (pass 'module: import.meta.url' ` +
          `to new FlowProject(), or set the option sandbox: false)`,
    );
  }
  const jobDirs = unit.jobs.map((j) => j.path);
  return {
    mainModule,
    projectRoot: unit.projectRoot,
    writable: writablePaths(jobDirs, operations.flatMap((op) => op.allowWrite ?? [])),
    env: unit.env,
  };
}

function fileFolder(url: URL | string): string | undefined {
  const u = new URL(url);
  if (u.protocol !== "file:") return undefined;
  const path = decodeURIComponent(u.pathname);
  return path.endsWith("/") ? path.replace(/\/+$/, "") || "/" : dirname(path);
}

function remoteHost(url: URL | string): string | undefined {
  const u = new URL(url);
  return u.protocol === "http:" || u.protocol === "https:" ? u.host : undefined;
}

/** Whether this process holds a permission (asked without prompting). */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

function envFlag(name: string): string | undefined {
  return granted({ name: "env", variable: name }) ? Deno.env.get(name) : undefined;
}

function envView(spec: SandboxSpec): Record<string, string> {
  const view: Record<string, string> = {};
  for (const name of SANDBOX_ENV_ALLOW_LIST) {
    const value = envFlag(name); // a variable this process may not read is not passed on
    if (value !== undefined) view[name] = value;
  }
  return { ...view, ...spec.env };
}

/**
 * The exact permissions a sandbox for `spec` gets (see the module
 * documentation).
 *
 * @example
 * ```ts
 * import { sandboxPermissions } from "./sandbox.ts";
 * const p = sandboxPermissions({
 *   mainModule: "file:///p/project.ts", projectRoot: "/p", writable: ["/p/workspace/a"],
 * });
 * console.log(p.write, p.sys); // ["/p/workspace/a"] ["hostname"]
 * ```
 */
export function sandboxPermissions(spec: SandboxSpec): SandboxPermissions {
  if (!isAbsolute(spec.projectRoot)) {
    throw new SandboxError(`the project root must be absolute: ${spec.projectRoot}`);
  }
  const read = new Set<string>([resolve(spec.projectRoot)]);
  for (const url of [spec.mainModule, LIBRARY]) {
    const folder = fileFolder(url);
    if (folder) read.add(folder);
  }
  for (const p of spec.readable ?? []) read.add(resolve(p));
  const write = [...new Set(spec.writable.map((p) => resolve(p)))];
  const hosts = new Set<string>();
  for (const url of [spec.mainModule, LIBRARY]) {
    const host = remoteHost(url);
    if (host) hosts.add(host);
  }
  for (const host of spec.allowImport ?? []) hosts.add(host);
  return {
    read: [...read],
    write,
    env: Object.keys(envView(spec)).sort(),
    sys: ["hostname"],
    import: [...hosts],
    net: false,
    run: false,
    ffi: false,
  };
}

function workerOptionsFlagged(): boolean {
  const cmdline = "/proc/self/cmdline";
  if (!granted({ name: "read", path: cmdline })) return false; // it needs -A
  try {
    const args = Deno.readTextFileSync(cmdline).split("\0");
    const end = args.findIndex((a) => a.endsWith(".ts") || a.endsWith(".js") || a === "--");
    return args.slice(0, end < 0 ? undefined : end).some((a) =>
      a === "--unstable-worker-options" || a === "--unstable"
    );
  } catch {
    return false; // not Linux
  }
}

function mayRunDeno(): boolean {
  if (Deno.mainModule?.includes("/deno-compile-")) return false; // a compiled binary
  // Deno.execPath() needs read permission
  return granted({ name: "read" }) && granted({ name: "run", command: Deno.execPath() });
}

/**
 * The mechanism `openSandbox` uses when the spec does not name one (see the
 * module documentation for the order of the checks).
 *
 * @throws {SandboxError} when neither mechanism is available.
 *
 * @example
 * ```ts
 * import { detectSandboxMechanism } from "./sandbox.ts";
 * try {
 *   console.log(detectSandboxMechanism()); // "worker" or "process"
 * } catch (e) {
 *   console.error((e as Error).message);
 * }
 * ```
 */
export function detectSandboxMechanism(): SandboxMechanism {
  const forced = envFlag("FLOW_SANDBOX");
  if (forced === "worker" || forced === "process") return forced;
  if (forced) {
    throw new SandboxError(`FLOW_SANDBOX is '${forced}'; expected 'worker' or 'process'`);
  }
  if (workerOptionsFlagged()) return "worker";
  if (mayRunDeno()) return "process";
  throw new SandboxError(
    "TypeScript operations run sandboxed, which needs Deno's --unstable-worker-options flag " +
      "(then also set FLOW_SANDBOX=worker unless running with -A) or permission to run " +
      "deno (--allow-run=deno); or set the operation's option sandbox: false to run it in-process",
  );
}

/**
 * Starts a sandbox for `spec`. It resolves once the sandbox is started; its
 * module is imported in the background ({@link Sandbox.ready}), so a slow or
 * failing import shows in the first {@link Sandbox.run} and can be killed.
 *
 * @throws {SandboxError} when no mechanism is available or it cannot start.
 *
 * @example
 * ```ts
 * import { openSandbox } from "./sandbox.ts";
 * async function runUnit(mainModule: string, root: string, jobDir: string, id: string) {
 *   const sandbox = await openSandbox({ mainModule, projectRoot: root, writable: [jobDir] });
 *   try {
 *     await sandbox.run("prep", [id], { env: { FLOW_OPERATION: "prep" } });
 *     await sandbox.run("compute", [id], { env: { FLOW_OPERATION: "compute" } });
 *   } finally {
 *     await sandbox.close();
 *   }
 * }
 * ```
 */
export function openSandbox(spec: SandboxSpec): Promise<Sandbox> {
  return Promise.resolve().then(() => {
    const permissions = sandboxPermissions(spec);
    const mechanism = spec.mechanism ?? detectSandboxMechanism();
    const init: InitMessage = {
      type: "init",
      mainModule: spec.mainModule,
      projectRoot: resolve(spec.projectRoot),
      env: envView(spec),
    };
    const transport = mechanism === "worker"
      ? workerTransport(permissions)
      : processTransport(permissions, init);
    return new SandboxImpl(mechanism, permissions, transport, init);
  });
}

/** How messages reach a sandbox and how it is stopped. */
interface Transport {
  send(msg: SandboxRequest): void;
  /** Receives replies and the sandbox's own end (crash, exit). */
  listen(onReply: (reply: SandboxReply) => void, onEnd: (why: string) => void): void;
  /** Asks the sandbox to end (it finishes nothing). */
  close(): void;
  /** Stops it at once. */
  kill(): void;
  /** Settles when the Worker or process is gone and its output is drained. */
  readonly gone: Promise<void>;
}

class SandboxImpl implements Sandbox {
  readonly mechanism: SandboxMechanism;
  readonly permissions: SandboxPermissions;
  readonly ready: Promise<void>;
  readonly #transport: Transport;
  readonly #pending = new Map<
    number,
    { operation: string; resolve: () => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  #ended?: string;
  #readyDone!: (error?: SandboxError) => void;

  constructor(
    mechanism: SandboxMechanism,
    permissions: SandboxPermissions,
    transport: Transport,
    init: InitMessage,
  ) {
    this.mechanism = mechanism;
    this.permissions = permissions;
    this.#transport = transport;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyDone = (error) => error ? reject(error) : resolve();
    });
    this.ready.catch(() => {}); // reported through run()
    transport.listen((reply) => this.#onReply(reply, init), (why) => this.#end(why));
    transport.send(init);
  }

  #onReply(reply: SandboxReply, init: InitMessage): void {
    if (reply.type === "ready") this.#readyDone();
    else if (reply.type === "initFailed") {
      const { name, message } = reply.error;
      this.#readyDone(
        new SandboxError(
          `cannot load ${init.mainModule} in the sandbox: ` +
            (name === "NotCapable" ? `NotCapable: ${message}` : message),
        ),
      );
    } else {
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (reply.error) p.reject(new SandboxOperationError(p.operation, reply.error));
      else p.resolve();
    }
  }

  #end(why: string): void {
    if (this.#ended !== undefined) return;
    this.#ended = why;
    this.#readyDone(new SandboxError(why));
    for (const p of this.#pending.values()) p.reject(new SandboxError(why));
    this.#pending.clear();
  }

  async run(operation: string, jobIds: readonly string[], options: RunOptions = {}): Promise<void> {
    if (this.#ended !== undefined) throw new SandboxError(this.#ended);
    if (jobIds.length === 0) throw new SandboxError(`no jobs to run '${operation}' on`);
    await this.ready;
    if (this.#ended !== undefined) throw new SandboxError(this.#ended);
    const id = this.#nextId++;
    const msg: RunMessage = { type: "run", id, operation, jobIds: [...jobIds] };
    if (options.env) msg.env = options.env;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { operation, resolve, reject });
      try {
        this.#transport.send(msg);
      } catch (e) {
        this.#pending.delete(id);
        reject(new SandboxError(`cannot reach the sandbox: ${(e as Error).message}`));
      }
    });
  }

  async close(): Promise<void> {
    if (this.#ended === undefined) {
      this.#end("sandbox closed");
      this.#transport.close();
    }
    await this.#transport.gone;
  }

  kill(reason = "sandbox killed"): void {
    if (this.#ended !== undefined) return;
    this.#end(reason);
    this.#transport.kill();
  }
}

interface DenoWorkerOptions extends WorkerOptions {
  deno?: { permissions?: Record<string, boolean | string[] | "inherit"> };
}

function workerTransport(p: SandboxPermissions): Transport {
  let worker: Worker;
  try {
    const options: DenoWorkerOptions = {
      type: "module",
      name: "flow-sandbox",
      deno: {
        permissions: {
          read: p.read,
          write: p.write.length > 0 ? p.write : false,
          env: false,
          sys: p.sys,
          import: p.import.length > 0 ? p.import : false,
          net: false,
          run: false,
          ffi: false,
        },
      },
    };
    worker = new Worker(ENTRY, options);
  } catch (e) {
    throw new SandboxError(
      `cannot start a sandbox worker: ${(e as Error).message} (a worker's permissions cannot ` +
        `exceed this process's: it needs read access to ${p.read.join(", ")} and write access ` +
        `to ${p.write.join(", ")})`,
    );
  }
  let onEnd: (why: string) => void = () => {};
  return {
    send: (msg) => worker.postMessage(msg),
    listen(onReply, end) {
      onEnd = end;
      worker.onmessage = (e: MessageEvent<SandboxReply>) => onReply(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        worker.terminate();
        end(`the sandbox crashed: ${e.message}`);
      };
      worker.onmessageerror = () => {
        worker.terminate();
        end("the sandbox sent a message that cannot be read");
      };
    },
    close: () => {
      worker.terminate();
      onEnd("sandbox closed");
    },
    kill: () => worker.terminate(),
    gone: Promise.resolve(),
  };
}

function processEnv(init: InitMessage): Record<string, string> {
  const env: Record<string, string> = { ...init.env, DENO_NO_UPDATE_CHECK: "1" };
  // What the deno binary itself needs to find its cache (the sandbox cannot read these).
  for (const name of ["DENO_DIR", "HOME", "XDG_CACHE_HOME"]) {
    const value = envFlag(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function processTransport(p: SandboxPermissions, init: InitMessage): Transport {
  for (const path of [...p.read, ...p.write]) {
    if (path.includes(",")) {
      throw new SandboxError(`cannot sandbox with a path holding a comma: ${path}`);
    }
  }
  const args = ["run", "--quiet", "--no-prompt", "--cached-only", `--allow-read=${p.read}`];
  if (p.write.length > 0) args.push(`--allow-write=${p.write}`);
  args.push(`--allow-sys=${p.sys}`);
  if (p.import.length > 0) args.push(`--allow-import=${p.import}`);
  args.push(ENTRY.href);
  // module resolution (deno.json, lock file) as in this process
  const cwd = granted({ name: "read" }) ? Deno.cwd() : init.projectRoot;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(Deno.execPath(), {
      args,
      cwd,
      clearEnv: true,
      env: processEnv(init),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch (e) {
    throw new SandboxError(`cannot start a sandbox process: ${(e as Error).message}`);
  }
  const marker = `\x1eflow-sandbox-${crypto.randomUUID()}\x1f`;
  init.marker = marker;
  const encoder = new TextEncoder();
  const stdin = child.stdin.getWriter();
  let writing = Promise.resolve();
  let closing = false;
  let ended: (why: string) => void = () => {};
  let replies: (reply: SandboxReply) => void = () => {};
  const drained = readReplies(child.stdout, encoder.encode(marker), (r) => replies(r))
    .catch(() => {});
  const gone = Promise.all([drained, child.status]).then(async ([, status]) => {
    await writing;
    await stdin.close().catch(() => {});
    ended(
      closing
        ? "sandbox closed"
        : `the sandbox process ended (${
          status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
        })`,
    );
  });
  return {
    send(msg) {
      const bytes = encoder.encode(JSON.stringify(msg) + "\n");
      writing = writing.then(() => stdin.write(bytes)).catch(() => {});
    },
    listen(onReply, onEnd) {
      replies = onReply;
      ended = onEnd;
    },
    close() {
      closing = true;
      writing = writing.then(() => stdin.close()).catch(() => {});
    },
    kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    },
    gone,
  };
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Splits the child's stdout into the operations' output (copied to ours) and replies. */
async function readReplies(
  stream: ReadableStream<Uint8Array>,
  marker: Uint8Array,
  onReply: (reply: SandboxReply) => void,
): Promise<void> {
  let buf = new Uint8Array(0);
  const out = (bytes: Uint8Array) => {
    try {
      let done = 0;
      while (done < bytes.length) done += Deno.stdout.writeSync(bytes.subarray(done));
    } catch {
      // our stdout is gone: drop the operation's output, keep reading replies
    }
  };
  for await (const chunk of stream) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    while (true) {
      const at = indexOf(buf, marker);
      if (at < 0) {
        // keep what may be the start of a marker
        const first = buf.indexOf(marker[0], Math.max(0, buf.length - marker.length + 1));
        const keep = first < 0 ? buf.length : first;
        if (keep > 0) out(buf.subarray(0, keep));
        buf = buf.slice(keep);
        break;
      }
      if (at > 0) out(buf.subarray(0, at));
      const nl = buf.indexOf(10, at + marker.length);
      if (nl < 0) {
        buf = buf.slice(at);
        break;
      }
      const text = new TextDecoder().decode(buf.subarray(at + marker.length, nl));
      buf = buf.slice(nl + 1);
      let reply: SandboxReply;
      try {
        reply = JSON.parse(text) as SandboxReply;
      } catch {
        continue; // not ours after all: the marker is random, so this does not happen
      }
      onReply(reply);
    }
  }
  if (buf.length > 0) out(buf);
}
