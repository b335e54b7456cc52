/**
 * Operations: named units of work applied to a job or an aggregate of jobs,
 * gated by pre- and postconditions, with directives and hooks.
 *
 * @module
 */

import type { DirectiveSpec } from "../directives/mod.ts";
import type { Job } from "../workspace/job.ts";
import type { Aggregator } from "./aggregate.ts";
import type { Condition } from "./condition.ts";
import type { Template } from "./template.ts";

/** A TypeScript operation: receives the job (or the jobs of an aggregate). */
export type OperationFunction = (...jobs: Job[]) => void | Promise<void>;

/**
 * What an operation does: run a shell command (a template) or call a
 * TypeScript function.
 *
 * @example
 * ```ts
 * import type { OperationBody } from "./operation.ts";
 * const body: OperationBody = { kind: "function", fn: (job) => console.log(job.id) };
 * ```
 */
export type OperationBody =
  | { readonly kind: "command"; readonly template: Template }
  | { readonly kind: "function"; readonly fn: OperationFunction };

/** Where a hook runs: a shell command (YAML) or a TypeScript function. */
export type Hook =
  | { readonly kind: "command"; readonly template: Template }
  | {
    readonly kind: "function";
    readonly fn: (operation: string, jobs: readonly Job[], error?: string) => void | Promise<void>;
  };

/**
 * Hooks of an operation or of the whole project: called when an operation
 * starts, succeeds, fails (`onException`), and in every case at the end
 * (`onExit`).
 *
 * @example
 * ```ts
 * import { emptyHooks } from "./operation.ts";
 * const hooks = emptyHooks();
 * hooks.onSuccess.push({ kind: "function", fn: (op, jobs) => console.log(op, jobs.length) });
 * ```
 */
export interface Hooks {
  /** Before the operation starts. */
  onStart: Hook[];
  /** After it succeeded. */
  onSuccess: Hook[];
  /** After it failed (the error is passed). */
  onException: Hook[];
  /** After it ended, either way. */
  onExit: Hook[];
}

/** The names of the hook kinds, in the order they can fire. */
export const HOOK_NAMES = ["onStart", "onSuccess", "onException", "onExit"] as const;

/**
 * Hooks with nothing registered.
 *
 * @example
 * ```ts
 * import { emptyHooks } from "./operation.ts";
 * console.log(emptyHooks().onStart.length); // 0
 * ```
 */
export function emptyHooks(): Hooks {
  return { onStart: [], onSuccess: [], onException: [], onExit: [] };
}

/**
 * An operation as the registry holds it.
 *
 * @example
 * ```ts
 * import type { Operation } from "./operation.ts";
 * function describe(op: Operation) { return `${op.name}: ${op.pre.length} pre, ${op.post.length} post`; }
 * ```
 */
export interface Operation {
  /** Unique among operations and groups. */
  readonly name: string;
  /** What it does. */
  readonly body: OperationBody;
  /** All must hold for the operation to be eligible. */
  readonly pre: readonly Condition[];
  /** All hold once the operation is complete. */
  readonly post: readonly Condition[];
  /** The operation's own directives. */
  readonly directives: DirectiveSpec<Job>;
  /** How jobs are put together for it (default: each job alone). */
  readonly aggregator: Aggregator;
  /** Hooks of this operation. */
  readonly hooks: Hooks;
  /** Run command operations in the job directory (default true); else in the project root. */
  readonly inJobDir: boolean;
  /**
   * Function operations: run permission-scoped in a sandbox (default, and
   * when undefined) or, when false, in-process.
   */
  readonly sandbox?: boolean;
  /** Extra writable paths of a sandboxed operation: absolute or relative to the job directory. */
  readonly allowWrite?: readonly string[];
  /** URL of the module that defined the operation (a function operation's `project.ts`). */
  readonly module?: string;
}
