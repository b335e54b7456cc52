/**
 * The entry module of a sandbox (see `./sandbox.ts`): it runs either as a
 * Worker with restricted permissions or as a child `deno run` process with
 * restricted `--allow-*` flags, and speaks the same protocol in both.
 *
 * - The parent first sends an {@link InitMessage}. The sandbox replaces
 *   `Deno.env` and `process.env` by a private view holding only the variables
 *   it was given, makes `Deno.exit`/`process.exit` throw, then imports the
 *   operation's module (`import.meta.main` is false there, so its
 *   `project.main()` does not run) and answers `ready` or `initFailed`.
 * - Each {@link RunMessage} names an operation and job ids: the sandbox opens
 *   the project (`Project.open(root, { search: false })`), the jobs
 *   (`project.job(id)`), finds the operation among the FlowProjects created
 *   while importing the module, calls its function and answers `done`, with
 *   the error's name, message and stack when it threw.
 * - Worker: messages are structured-cloned through `postMessage`. Child
 *   process: requests are JSON lines on stdin; replies are JSON lines on
 *   stdout, each preceded by a random marker sent in the init message, so
 *   that the operation's own output on stdout passes through untouched.
 *   End of stdin ends the process.
 *
 * @module
 */

import { type FlowProject, registryOf } from "../cli/flow_project.ts";
import { Project } from "../workspace/project.ts";

/**
 * First request: what to import and the environment the operations see.
 *
 * @example
 * ```ts
 * import type { InitMessage } from "./_sandbox_worker.ts";
 * const m: InitMessage = {
 *   type: "init", mainModule: "file:///p/project.ts", projectRoot: "/p", env: { HOME: "/home/u" },
 * };
 * ```
 */
export interface InitMessage {
  /** Discriminant. */
  type: "init";
  /** URL of the module that defines the FlowProject. */
  mainModule: string;
  /** Absolute path of the project root. */
  projectRoot: string;
  /** The whole environment the operations see (`Deno.env`, `process.env`). */
  env: Record<string, string>;
  /** Child process only: the marker preceding each reply on stdout. */
  marker?: string;
}

/**
 * Runs one operation on one job or the jobs of one aggregate.
 *
 * @example
 * ```ts
 * import type { RunMessage } from "./_sandbox_worker.ts";
 * const m: RunMessage = { type: "run", id: 1, operation: "prep", jobIds: ["0123abcd"] };
 * ```
 */
export interface RunMessage {
  /** Discriminant. */
  type: "run";
  /** Request number, echoed in the reply. */
  id: number;
  /** The operation's name. */
  operation: string;
  /** Ids of the job or of the aggregate's jobs, in order. */
  jobIds: string[];
  /** Variables set in the environment view before the call (e.g. FLOW_OPERATION). */
  env?: Record<string, string>;
}

/**
 * A request to the sandbox.
 *
 * @example
 * ```ts
 * import type { SandboxRequest } from "./_sandbox_worker.ts";
 * const close: SandboxRequest = { type: "close" };
 * ```
 */
export type SandboxRequest = InitMessage | RunMessage | { type: "close" };

/**
 * An error as it crosses the sandbox boundary.
 *
 * @example
 * ```ts
 * import type { RemoteError } from "./_sandbox_worker.ts";
 * const e: RemoteError = { name: "NotCapable", message: 'Requires write access to "/x"' };
 * ```
 */
export interface RemoteError {
  /** `error.name`, e.g. "NotCapable", "TypeError". */
  name: string;
  /** `error.message`. */
  message: string;
  /** `error.stack`, when there is one. */
  stack?: string;
}

/**
 * A reply from the sandbox.
 *
 * @example
 * ```ts
 * import type { SandboxReply } from "./_sandbox_worker.ts";
 * const ok: SandboxReply = { type: "done", id: 1 };
 * ```
 */
export type SandboxReply =
  | { type: "ready" }
  | { type: "initFailed"; error: RemoteError }
  | { type: "done"; id: number; error?: RemoteError };

// Same keys as in src/cli/flow_project.ts (Symbol.for: shared by every copy of that module).
const INSTANCES = Symbol.for("flow.FlowProject.instances");
const LOADING = Symbol.for("flow.sandbox.loadingModule");

/**
 * Serialises anything thrown.
 *
 * @example
 * ```ts
 * import { toRemoteError } from "./_sandbox_worker.ts";
 * console.log(toRemoteError(new TypeError("bad")).name); // TypeError
 * ```
 */
export function toRemoteError(e: unknown): RemoteError {
  if (e instanceof Error) {
    return { name: e.name || "Error", message: e.message, stack: e.stack };
  }
  return { name: "Error", message: String(e) };
}

type Env = Map<string, string>;

/** Replaces `Deno.env` and `process.env` by views of `view`, and disarms exit. */
function installShims(view: Env): void {
  const denoEnv = {
    get: (key: string) => view.get(key),
    set: (key: string, value: string) => void view.set(key, String(value)),
    delete: (key: string) => void view.delete(key),
    has: (key: string) => view.has(key),
    toObject: () => Object.fromEntries(view),
  };
  Object.defineProperty(Deno, "env", { value: denoEnv, configurable: true, writable: true });
  const processEnv = new Proxy({} as Record<string, string>, {
    get: (_, key) => typeof key === "string" ? view.get(key) : undefined,
    set: (_, key, value) => {
      if (typeof key === "string") view.set(key, String(value));
      return true;
    },
    has: (_, key) => typeof key === "string" && view.has(key),
    deleteProperty: (_, key) => typeof key === "string" ? (view.delete(key), true) : true,
    ownKeys: () => [...view.keys()],
    getOwnPropertyDescriptor: (_, key) =>
      typeof key === "string" && view.has(key)
        ? { value: view.get(key), enumerable: true, configurable: true, writable: true }
        : undefined,
  });
  const noExit = (code?: number): never => {
    throw new Error(`exit(${code ?? ""}) is not allowed in a sandboxed operation`);
  };
  Object.defineProperty(Deno, "exit", { value: noExit, configurable: true, writable: true });
  // Node's `process` is set up on first access (15-30 ms: most operations never touch it), so it
  // is patched then. Its env and exit also go through Deno.env and Deno.exit, replaced above, for
  // the copy npm packages receive without reading the global.
  const patch = (proc: { env: unknown; exit: unknown } | undefined) => {
    if (proc) {
      proc.env = processEnv;
      proc.exit = noExit;
    }
    return proc;
  };
  const global = globalThis as { process?: { env: unknown; exit: unknown } };
  const desc = Object.getOwnPropertyDescriptor(globalThis, "process");
  if (desc?.get && desc.configurable) {
    const original = desc.get;
    Object.defineProperty(globalThis, "process", {
      configurable: true,
      enumerable: desc.enumerable,
      get() {
        const proc = patch(original.call(globalThis));
        Object.defineProperty(globalThis, "process", {
          configurable: true,
          enumerable: desc.enumerable,
          writable: true,
          value: proc,
        });
        return proc;
      },
      set: desc.set,
    });
  } else {
    patch(global.process);
  }
}

function findOperation(mainModule: string, name: string): (...jobs: unknown[]) => unknown {
  const table = (globalThis as unknown as Record<symbol, Map<string, FlowProject[]> | undefined>)[
    INSTANCES
  ];
  const own = table?.get(mainModule) ?? [];
  const candidates = own.length > 0 ? own : [...(table?.values() ?? [])].flat();
  for (const project of candidates) {
    const op = registryOf(project).operations.find((o) => o.name === name);
    if (op?.body.kind === "function") return op.body.fn as (...jobs: unknown[]) => unknown;
  }
  throw new Error(
    `no function operation '${name}' is defined when ${mainModule} is imported (the sandbox ` +
      `imports that module: create the FlowProject and its operations at its top level)`,
  );
}

/** The sandbox's state and request handling, independent of the transport. */
class Host {
  readonly #send: (reply: SandboxReply) => void;
  readonly #view: Env = new Map();
  #init?: InitMessage;
  #ready?: Promise<Project>;
  readonly #inFlight = new Set<number>();

  constructor(send: (reply: SandboxReply) => void) {
    this.#send = send;
    installShims(this.#view);
    globalThis.addEventListener("unhandledrejection", (e) => {
      e.preventDefault();
      this.#failAll(e.reason);
    });
    globalThis.addEventListener("error", (e) => {
      e.preventDefault();
      this.#failAll(e.error ?? e.message);
    });
  }

  /** Fails every running operation: an error escaped them (a timer, a forgotten promise). */
  #failAll(reason: unknown): void {
    const error = toRemoteError(reason);
    for (const id of this.#inFlight) this.#send({ type: "done", id, error });
    this.#inFlight.clear();
  }

  handle(msg: SandboxRequest): void {
    if (msg.type === "init") this.#start(msg);
    else if (msg.type === "run") void this.#run(msg);
  }

  #start(init: InitMessage): void {
    this.#init = init;
    for (const [k, v] of Object.entries(init.env)) this.#view.set(k, v);
    const g = globalThis as unknown as Record<symbol, unknown>;
    g[LOADING] = init.mainModule;
    this.#ready = import(init.mainModule).finally(() => {
      delete g[LOADING];
    }).then(() => Project.open(init.projectRoot, { search: false }));
    this.#ready.then(
      () => this.#send({ type: "ready" }),
      (e) => this.#send({ type: "initFailed", error: toRemoteError(e) }),
    );
  }

  async #run(msg: RunMessage): Promise<void> {
    this.#inFlight.add(msg.id);
    let error: RemoteError | undefined;
    try {
      if (!this.#ready || !this.#init) throw new Error("the sandbox was not initialised");
      const project = await this.#ready;
      for (const [k, v] of Object.entries(msg.env ?? {})) this.#view.set(k, v);
      const fn = findOperation(this.#init.mainModule, msg.operation);
      const jobs = await Promise.all(msg.jobIds.map((id) => project.job(id)));
      await fn(...jobs);
    } catch (e) {
      error = toRemoteError(e);
    }
    if (!this.#inFlight.delete(msg.id)) return; // already failed by #failAll
    this.#send(error ? { type: "done", id: msg.id, error } : { type: "done", id: msg.id });
  }
}

function runAsWorker(): void {
  const scope = globalThis as unknown as {
    postMessage(m: unknown): void;
    onmessage: ((e: MessageEvent<SandboxRequest>) => void) | null;
  };
  const host = new Host((reply) => scope.postMessage(reply));
  scope.onmessage = (e) => host.handle(e.data);
}

async function runAsProcess(): Promise<void> {
  const exit = Deno.exit;
  const encoder = new TextEncoder();
  let marker = "";
  const write = (bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.length) done += Deno.stdout.writeSync(bytes.subarray(done));
  };
  const host = new Host((reply) => write(encoder.encode(`${marker}${JSON.stringify(reply)}\n`)));
  let pending = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === "") continue;
      const msg = JSON.parse(line) as SandboxRequest;
      if (msg.type === "close") exit(0);
      if (msg.type === "init") marker = msg.marker ?? "";
      host.handle(msg);
    }
  }
  exit(0); // the parent is gone or closed the sandbox
}

if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  runAsWorker();
} else if (import.meta.main) {
  await runAsProcess();
}
