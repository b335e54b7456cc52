/**
 * FlowGroups: named bundles of operations that run or are submitted like one
 * operation, each operation with directives that may differ per group.
 *
 * @module
 */

import type { DirectiveSpec } from "../directives/mod.ts";
import type { Job } from "../workspace/job.ts";

/**
 * An operation inside a group, with the group's directives for it (merged
 * over the operation's own, key by key).
 *
 * @example
 * ```ts
 * import type { GroupMember } from "./group.ts";
 * const m: GroupMember = { operation: "op1", directives: { ngpu: 2 } };
 * ```
 */
export interface GroupMember {
  /** The operation's name. */
  readonly operation: string;
  /** The group's directives for it. */
  readonly directives: DirectiveSpec<Job>;
}

/** How a group runs: its `runOptions`. */
export interface RunOptions {
  /** Run the group's operations at the same time rather than one after the other. */
  parallel?: boolean;
}

/**
 * A group as the registry holds it. Every operation is also the singleton
 * group of its own name.
 *
 * @example
 * ```ts
 * import type { Group } from "./group.ts";
 * function names(g: Group) { return g.members.map((m) => m.operation); }
 * ```
 */
export interface Group {
  /** Unique among operations and groups. */
  readonly name: string;
  /** Its operations, in registration order. */
  readonly members: readonly GroupMember[];
  /** Run options (serial by default). */
  readonly runOptions: RunOptions;
  /** Extra options for cluster submission (used by `flow submit`). */
  readonly submitOptions: string;
  /** True for the singleton group of an operation. */
  readonly singleton: boolean;
}
