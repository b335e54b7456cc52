/**
 * The TypeScript front end: a `FlowProject` defines operations, groups,
 * labels and hooks in code, and `project.main()` gives it the same command
 * line as the `flow` binary (`deno run ... project.ts run -o ex`).
 *
 * @module
 */

import { checkDirectiveNames, type DirectiveSpec, validateDirectives } from "../directives/mod.ts";
import { type Aggregator, single } from "../registry/aggregate.ts";
import { type Condition, type ConditionFunction, toCondition } from "../registry/condition.ts";
import type { RunOptions } from "../registry/group.ts";
import {
  emptyHooks,
  type Hook,
  type Hooks,
  type OperationFunction,
} from "../registry/operation.ts";
import { DefinitionError } from "../registry/error.ts";
import { Registry } from "../registry/registry.ts";
import { Template } from "../registry/template.ts";
import type { Job } from "../workspace/job.ts";
import { FlowError, oneLine, UsageError } from "../errors.ts";

/**
 * The command line's module, imported by a computed URL: Deno builds the module graph of every
 * Worker again, following each `import("...")` written as a literal, so a literal here made each
 * sandbox read and hash the ~80 modules of the command line it never runs (~10 ms per Worker).
 */
const MAIN_MODULE = new URL("./main.ts", import.meta.url).href;

/** A hook function: receives the operation's name, its jobs and, on failure, the error message. */
export type HookFunction = (
  operation: string,
  jobs: readonly Job[],
  error?: string,
) => void | Promise<void>;

/** Hooks of one operation. */
export type HookOptions = Partial<
  Record<"onStart" | "onSuccess" | "onException" | "onExit", HookFunction | HookFunction[]>
>;

/**
 * Options of an operation.
 *
 * @example
 * ```ts
 * import type { OperationOptions } from "./flow_project.ts";
 * const o: OperationOptions = { post: [(job) => job.isFileSync("out.dat")], directives: { np: 4 } };
 * ```
 */
export interface OperationOptions {
  /** Preconditions: conditions or functions of the job; all must hold. */
  pre?: (Condition | ConditionFunction)[];
  /** Postconditions: all hold once the operation is complete. */
  post?: (Condition | ConditionFunction)[];
  /** Directives; any value may be a function of the job. */
  directives?: DirectiveSpec<Job>;
  /** Aggregation (default: each job alone). */
  aggregate?: Aggregator;
  /** Hooks of this operation. */
  hooks?: HookOptions;
  /** Where a command operation runs: the job directory (default) or the project root. */
  cwd?: "job" | "project";
  /**
   * Run a function operation permission-scoped (default true): it may read the
   * project and write only its own job directory (each member's for an
   * aggregate) and `allowWrite`. `false` runs it in-process with every
   * permission of the flow process; keep that for small trusted operations.
   */
  sandbox?: boolean;
  /**
   * Extra paths a sandboxed function operation may write: absolute, or
   * relative to the job directory (to each member's for an aggregate).
   */
  allowWrite?: string[];
}

/** A registered operation, to pass to `group.add`. */
export interface OperationHandle {
  /** The operation's name. */
  readonly name: string;
}

/** Checks what a user passed as conditions (plain JavaScript callers get no type check). */
function conditionsOf(
  list: readonly (Condition | ConditionFunction)[] | undefined,
  where: string,
): Condition[] {
  return (list ?? []).map((c, i) => {
    if (typeof c === "function") return toCondition(c);
    const v = c as unknown as Record<string, unknown> | null;
    if (v && typeof v.evaluate === "function" && typeof v.key === "string") return c;
    if (v && typeof v.name === "string") {
      throw new DefinitionError(
        `${where}[${i}] is the operation '${v.name}', not a condition; ` +
          `to wait for it write after("${v.name}")`,
      );
    }
    throw new DefinitionError(
      `${where}[${i}] is not a condition (isFile(...), after(...), docTrue(...), ` +
        `or a function of the job)`,
    );
  });
}

/**
 * A group being defined: add operations with the directives they get in it.
 *
 * @example
 * ```ts
 * import { FlowProject } from "./flow_project.ts";
 * const project = new FlowProject();
 * const op1 = project.operation("op1", () => {}, { directives: { ngpu: 1 } });
 * project.makeGroup("ex").add(op1, { directives: { ngpu: 2 } });
 * ```
 */
export interface GroupHandle {
  /** The group's name. */
  readonly name: string;
  /** Adds an operation; the group's directives for it are merged over its own, key by key. */
  add(
    operation: OperationHandle | string,
    options?: { directives?: DirectiveSpec<Job> },
  ): GroupHandle;
}

/** Where the instances of {@link FlowProject} are recorded, shared by every copy of this module. */
const INSTANCES = Symbol.for("flow.FlowProject.instances");
/** Set by the sandbox while it imports a project module (see `src/executor/_sandbox_worker.ts`). */
const LOADING = Symbol.for("flow.sandbox.loadingModule");

type InstanceTable = Map<string, FlowProject[]>;

function instanceTable(): InstanceTable {
  const g = globalThis as unknown as Record<symbol, InstanceTable | undefined>;
  return g[INSTANCES] ??= new Map();
}

/** The module of a new FlowProject: the one the sandbox is importing, else the main module. */
function definingModule(): string {
  const loading = (globalThis as unknown as Record<symbol, unknown>)[LOADING];
  if (typeof loading === "string") return loading;
  try {
    return Deno.mainModule ?? "";
  } catch {
    return "";
  }
}

/**
 * The FlowProjects created so far in this isolate (by any copy of this
 * module), by the module they belong to (see {@link FlowProject.module});
 * every one when `module` is not given. The sandbox uses it to find an
 * operation's function after importing the operation's module.
 *
 * @example
 * ```ts
 * import { FlowProject, flowProjects } from "./flow_project.ts";
 * const project = new FlowProject({ module: "file:///tmp/project.ts" });
 * console.log(flowProjects("file:///tmp/project.ts").includes(project)); // true
 * ```
 */
export function flowProjects(module?: string): readonly FlowProject[] {
  const table = instanceTable();
  if (module !== undefined) return [...(table.get(module) ?? [])];
  return [...table.values()].flat();
}

function hookList(v: HookFunction | HookFunction[] | undefined): Hook[] {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.map((fn) => ({ kind: "function", fn }));
}

function checkDirectives(spec: DirectiveSpec<Job>, context: string): void {
  checkDirectiveNames(spec as Record<string, unknown>, context);
  const constants = Object.fromEntries(
    Object.entries(spec).filter(([, v]) => typeof v !== "function"),
  );
  validateDirectives(constants, context);
}

let registryAccess: (project: FlowProject) => Registry;

/**
 * The definitions of a FlowProject, as the engine sees them (internal: not
 * exported from mod.ts).
 *
 * @example
 * ```ts
 * import { FlowProject, registryOf } from "./flow_project.ts";
 * const project = new FlowProject();
 * project.operation("op1", () => {});
 * console.log(registryOf(project).operations.length); // 1
 * ```
 */
export function registryOf(project: FlowProject): Registry {
  return registryAccess(project);
}

/**
 * A workflow defined in TypeScript.
 *
 * @example
 * ```ts
 * import { after, FlowProject, isFile } from "../../mod.ts";
 *
 * const project = new FlowProject();
 * const prep = project.operation("prep", async (job) => {
 *   await Deno.writeTextFile(job.fn("a.txt"), String(job.sp.T));
 * }, { post: [isFile("a.txt")] });
 * project.command("compute", "cat a.txt > b.txt", { pre: [after("prep")], post: [isFile("b.txt")] });
 * if (import.meta.main) await project.main();
 * ```
 */
export class FlowProject {
  static {
    // The engine reads definitions through registryOf(); they are not part of the public API.
    registryAccess = (p) => p.#registry;
  }
  readonly #registry: Registry = new Registry();
  /**
   * URL of the module that defines this workflow: the sandbox imports it to
   * find the functions of sandboxed operations. Default: the main module
   * (`Deno.mainModule`), right when `project.ts` is the program run.
   */
  readonly module: string;
  readonly #root?: string;

  /**
   * A new workflow. `root` is the project folder; by default the project is
   * found by searching upward from the current directory (or `--project`).
   * `module` is the URL of the defining module (pass `import.meta.url` when
   * the workflow is defined in a module other than the main module).
   */
  constructor(options: { root?: string; module?: string } = {}) {
    this.#root = options.root;
    this.module = options.module ?? definingModule();
    const table = instanceTable();
    const list = table.get(this.module);
    if (list) list.push(this);
    else table.set(this.module, [this]);
  }

  #add(
    name: string,
    body: { kind: "command"; template: Template } | { kind: "function"; fn: OperationFunction },
    options: OperationOptions,
  ): OperationHandle {
    const context = `operation '${name}'`;
    if (options.directives) checkDirectives(options.directives, context);
    const hooks = emptyHooks();
    for (const k of Object.keys(hooks) as (keyof Hooks)[]) hooks[k] = hookList(options.hooks?.[k]);
    this.#registry.addOperation({
      name,
      body,
      pre: conditionsOf(options.pre, `${context} pre`),
      post: conditionsOf(options.post, `${context} post`),
      directives: options.directives ?? {},
      aggregator: options.aggregate ?? single,
      hooks,
      inJobDir: options.cwd !== "project",
      sandbox: options.sandbox,
      allowWrite: options.allowWrite ? [...options.allowWrite] : undefined,
      module: this.module || undefined,
    });
    return { name };
  }

  /** Defines an operation that calls a TypeScript function with the job (or the jobs of an aggregate). */
  operation(name: string, fn: OperationFunction, options: OperationOptions = {}): OperationHandle {
    return this.#add(name, { kind: "function", fn }, options);
  }

  /**
   * Defines an operation that runs a shell command; placeholders such as
   * `{job.sp.T}` are substituted shell-quoted.
   */
  command(name: string, command: string, options: OperationOptions = {}): OperationHandle {
    return this.#add(name, {
      kind: "command",
      template: new Template(command, `operation '${name}'`),
    }, options);
  }

  /** Defines a group; add operations to it with `add`. */
  makeGroup(
    name: string,
    options: { runOptions?: RunOptions; submitOptions?: string } = {},
  ): GroupHandle {
    this.#registry.addGroup(name, options);
    const handle: GroupHandle = {
      name,
      add: (operation, addOptions = {}) => {
        const opName = typeof operation === "string" ? operation : operation.name;
        if (addOptions.directives) {
          checkDirectives(addOptions.directives, `operation '${opName}' in group '${name}'`);
        }
        this.#registry.addToGroup(name, opName, addOptions.directives ?? {});
        return handle;
      },
    };
    return handle;
  }

  /** Defines a label: a named predicate of the job that `status` counts. */
  label(name: string, condition: Condition | ConditionFunction): void {
    this.#registry.addLabel(name, toCondition(condition));
  }

  /** Adds project-wide hooks (they run for every operation, before the operation's own). */
  addHooks(hooks: HookOptions): void {
    for (const k of Object.keys(this.#registry.hooks) as (keyof Hooks)[]) {
      this.#registry.hooks[k].push(...hookList(hooks[k]));
    }
  }

  /** Runs the command line over this workflow and returns the exit code (for tests). */
  async run(args: string[]): Promise<number> {
    // Loaded on demand: a sandbox that imports project.ts to call one operation never loads the CLI.
    let cli: typeof import("./main.ts");
    try {
      cli = await import(MAIN_MODULE);
    } catch (e) {
      // Not in the module graph Deno checked at start: read permission (local) or the network
      // (remote, the first time) are needed now.
      const why = oneLine(e instanceof Error ? e.message : String(e));
      throw new UsageError(
        `cannot load flow's command line (${MAIN_MODULE}): ${why}; run 'deno run -A ` +
          `--unstable-worker-options project.ts <command>', or allow reading flow's own folder`,
      );
    }
    const { main } = cli;
    // Batch jobs start this same module again, with the flags its sandboxes need.
    const selfCommand = [
      Deno.execPath(),
      "run",
      "-q",
      "-A",
      "--unstable-worker-options",
      this.module,
    ];
    return main(args, {
      registry: this.#registry,
      source: "project.ts",
      root: this.#root,
      selfCommand,
    });
  }

  /** Runs the command line over this workflow with the process's arguments, then exits. */
  async main(args: string[] = Deno.args): Promise<never> {
    let code: number;
    try {
      code = await this.run(args);
    } catch (e) {
      if (!(e instanceof FlowError)) throw e;
      console.error(`project.ts: error: ${e.message}`);
      code = e.exitCode;
    }
    Deno.exit(code);
  }
}
