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
import { Registry } from "../registry/registry.ts";
import { Template } from "../registry/template.ts";
import type { Job } from "../workspace/job.ts";
import { FlowError } from "../errors.ts";
import { main } from "./main.ts";

/** A hook function: receives the operation's name, its jobs and, on failure, the error message. */
export type HookFunction = (
  operation: string,
  jobs: readonly Job[],
  error?: string,
) => void | Promise<void>;

/** Hooks of one operation. */
export type HookOptions = Partial<Record<keyof Hooks, HookFunction | HookFunction[]>>;

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
}

/** A registered operation, to pass to `group.add`. */
export interface OperationHandle {
  /** The operation's name. */
  readonly name: string;
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
  /** The definitions, as the engine sees them. */
  readonly registry: Registry = new Registry();
  readonly #root?: string;

  /**
   * A new workflow. `root` is the project folder; by default the project is
   * found by searching upward from the current directory (or `--project`).
   */
  constructor(options: { root?: string } = {}) {
    this.#root = options.root;
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
    this.registry.addOperation({
      name,
      body,
      pre: (options.pre ?? []).map(toCondition),
      post: (options.post ?? []).map(toCondition),
      directives: options.directives ?? {},
      aggregator: options.aggregate ?? single,
      hooks,
      inJobDir: options.cwd !== "project",
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
    this.registry.addGroup(name, options);
    const handle: GroupHandle = {
      name,
      add: (operation, addOptions = {}) => {
        const opName = typeof operation === "string" ? operation : operation.name;
        if (addOptions.directives) {
          checkDirectives(addOptions.directives, `operation '${opName}' in group '${name}'`);
        }
        this.registry.addToGroup(name, opName, addOptions.directives ?? {});
        return handle;
      },
    };
    return handle;
  }

  /** Defines a label: a named predicate of the job that `status` counts. */
  label(name: string, condition: Condition | ConditionFunction): void {
    this.registry.addLabel(name, toCondition(condition));
  }

  /** Adds project-wide hooks (they run for every operation, before the operation's own). */
  addHooks(hooks: HookOptions): void {
    for (const k of Object.keys(this.registry.hooks) as (keyof Hooks)[]) {
      this.registry.hooks[k].push(...hookList(hooks[k]));
    }
  }

  /** Runs the command line over this workflow and returns the exit code (for tests). */
  run(args: string[]): Promise<number> {
    return main(args, { registry: this.registry, source: "project.ts", root: this.#root });
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
