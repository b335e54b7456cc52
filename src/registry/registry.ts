/**
 * The registry: every operation, group, label and project hook of a
 * workflow, whichever front end (flow.yaml or project.ts) defined it.
 *
 * @module
 */

import { single } from "./aggregate.ts";
import { type DirectiveSpec, mergeOperationDirectives } from "../directives/mod.ts";
import { closest } from "../suggest.ts";
import type { Job } from "../workspace/job.ts";
import type { Condition } from "./condition.ts";
import { DefinitionError } from "./error.ts";
import type { Group, GroupMember, RunOptions } from "./group.ts";
import { emptyHooks, type Hooks, type Operation } from "./operation.ts";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

interface GroupRecord {
  name: string;
  members: GroupMember[];
  runOptions: RunOptions;
  submitOptions: string;
}

/**
 * Holds a workflow's definitions and answers questions about them.
 *
 * @example
 * ```ts
 * import { Registry } from "./registry.ts";
 * import { single } from "./aggregate.ts";
 * import { emptyHooks } from "./operation.ts";
 * const r = new Registry();
 * r.addOperation({
 *   name: "op1", body: { kind: "function", fn: () => {} }, pre: [], post: [],
 *   directives: { ngpu: 1 }, aggregator: single, hooks: emptyHooks(), inJobDir: true,
 * });
 * r.addGroup("ex");
 * r.addToGroup("ex", "op1", { ngpu: 2 });
 * r.validate();
 * console.log(r.memberDirectives(r.group("ex"), "op1")); // { ngpu: 2 }
 * ```
 */
export class Registry {
  readonly #operations = new Map<string, Operation>();
  readonly #groups = new Map<string, GroupRecord>();
  readonly #labels = new Map<string, Condition>();
  /** Hooks that apply to every operation. */
  readonly hooks: Hooks = emptyHooks();

  #checkName(name: string, what: string): void {
    if (!NAME_RE.test(name)) {
      throw new DefinitionError(
        `${what} name '${name}' is not valid (letters, digits, '_', '.', '-'; starting with a letter or '_')`,
      );
    }
    if (this.#operations.has(name)) {
      throw new DefinitionError(`${what} '${name}' clashes with the operation of the same name`);
    }
    if (this.#groups.has(name)) {
      throw new DefinitionError(`${what} '${name}' clashes with the group of the same name`);
    }
  }

  /** Registers an operation (also the singleton group of its name). */
  addOperation(op: Operation): void {
    this.#checkName(op.name, "operation");
    this.#operations.set(op.name, op);
  }

  /** Registers an empty group. */
  addGroup(name: string, options: { runOptions?: RunOptions; submitOptions?: string } = {}): void {
    this.#checkName(name, "group");
    this.#groups.set(name, {
      name,
      members: [],
      runOptions: { ...options.runOptions },
      submitOptions: options.submitOptions ?? "",
    });
  }

  /** Adds an operation to a group, with the group's directives for it. */
  addToGroup(group: string, operation: string, directives: DirectiveSpec<Job> = {}): void {
    const g = this.#groups.get(group);
    if (!g) throw new DefinitionError(`unknown group '${group}'`);
    if (g.members.some((m) => m.operation === operation)) {
      throw new DefinitionError(`group '${group}' adds operation '${operation}' twice`);
    }
    g.members.push({ operation, directives });
  }

  /** Registers a label: a named predicate that `status` counts. */
  addLabel(name: string, condition: Condition): void {
    if (!NAME_RE.test(name)) throw new DefinitionError(`label name '${name}' is not valid`);
    if (this.#labels.has(name)) throw new DefinitionError(`label '${name}' is defined twice`);
    this.#labels.set(name, condition);
  }

  /** The operations, in registration order. */
  get operations(): readonly Operation[] {
    return [...this.#operations.values()];
  }

  /** The labels, in registration order. */
  get labels(): readonly [string, Condition][] {
    return [...this.#labels.entries()];
  }

  /**
   * True if evaluating eligibility and labels may read state points: some
   * condition is not one of the built-ins on files, documents and `after`
   * (see `Condition.ignoresStatePoint`), or some operation aggregates jobs
   * other than one by one. When false, commands such as `flow status` list
   * jobs without reading their state points.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * console.log(new Registry().readsStatePoints()); // false
   * ```
   */
  readsStatePoints(): boolean {
    const free = (cs: readonly Condition[]) => cs.every((c) => c.ignoresStatePoint === true);
    for (const op of this.#operations.values()) {
      if (op.aggregator !== single || !free(op.pre) || !free(op.post)) return true;
    }
    return !free([...this.#labels.values()]);
  }

  /**
   * True if some operation's pre- or postcondition is answered by the
   * condition cache (`Condition.cacheable`: files and documents). When false,
   * reading the cache's stamps ahead of evaluating eligibility is wasted work.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * console.log(new Registry().usesConditionCache()); // false
   * ```
   */
  usesConditionCache(): boolean {
    for (const op of this.#operations.values()) {
      if (op.pre.some((c) => c.cacheable === true) || op.post.some((c) => c.cacheable === true)) {
        return true;
      }
    }
    return false;
  }

  /** The operation called `name`. */
  operation(name: string): Operation {
    const op = this.#operations.get(name);
    if (!op) {
      throw new DefinitionError(this.#unknown(name, [...this.#operations.keys()], "operation"));
    }
    return op;
  }

  /** The group called `name`: a defined group, or an operation's singleton group. */
  group(name: string): Group {
    const g = this.#groups.get(name);
    if (g) return { ...g, members: [...g.members], singleton: false };
    const op = this.#operations.get(name);
    if (op) {
      return {
        name,
        members: [{ operation: name, directives: {} }],
        runOptions: {},
        submitOptions: "",
        singleton: true,
      };
    }
    throw new DefinitionError(this.#unknown(name, this.names, "operation or group"));
  }

  /** Every group: the singleton group of each operation, then the defined groups. */
  get groups(): readonly Group[] {
    return this.names.map((n) => this.group(n));
  }

  /** The names of all operations, then of all defined groups. */
  get names(): string[] {
    return [...this.#operations.keys(), ...this.#groups.keys()];
  }

  #unknown(name: string, candidates: string[], what: string): string {
    const hint = closest(name, candidates);
    return `unknown ${what} '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}`;
  }

  /**
   * The directives of an operation inside a group: the group's directives for
   * it merged over the operation's own, key by key.
   */
  memberDirectives(group: Group, operation: string): DirectiveSpec<Job> {
    const own = this.operation(operation).directives;
    const member = group.members.find((m) => m.operation === operation);
    return member ? mergeOperationDirectives(own, member.directives) : own;
  }

  /**
   * Checks the whole definition: groups name known operations and are not
   * empty, a group's operations aggregate jobs the same way, every `after`
   * names a known operation, and preconditions have no cycle through `after`.
   *
   * @throws {DefinitionError} naming the first problem.
   */
  validate(): void {
    for (const g of this.#groups.values()) {
      if (g.members.length === 0) throw new DefinitionError(`group '${g.name}' has no operations`);
      for (const m of g.members) {
        const nested = this.#groups.get(m.operation);
        if (!this.#operations.has(m.operation) && nested) {
          throw new DefinitionError(
            `group '${g.name}' adds unknown operation '${m.operation}': '${m.operation}' is a ` +
              `group, and groups do not nest (add its operations instead: ${
                nested.members.map((n) => n.operation).join(", ")
              })`,
          );
        }
        if (!this.#operations.has(m.operation)) {
          throw new DefinitionError(
            `group '${g.name}' adds ${
              this.#unknown(m.operation, [...this.#operations.keys()], "operation")
            }`,
          );
        }
      }
      const first = this.operation(g.members[0].operation).aggregator;
      for (const m of g.members.slice(1)) {
        const other = this.operation(m.operation).aggregator;
        if (other.description !== first.description) {
          throw new DefinitionError(
            `group '${g.name}' mixes aggregators: '${
              g.members[0].operation
            }' uses ${first.description}, ` +
              `'${m.operation}' uses ${other.description}`,
          );
        }
      }
    }
    const check = (c: Condition, where: string) => {
      for (const a of c.after) {
        const target = this.#operations.get(a);
        if (!target) {
          throw new DefinitionError(
            `${where}: after ${this.#unknown(a, [...this.#operations.keys()], "operation")}`,
          );
        }
        if (target.post.length === 0) {
          throw new DefinitionError(
            `${where}: after '${a}', but operation '${a}' has no postconditions, so it never completes`,
          );
        }
      }
    };
    for (const op of this.#operations.values()) {
      op.pre.forEach((c) => check(c, `operation '${op.name}' precondition`));
      op.post.forEach((c) => check(c, `operation '${op.name}' postcondition`));
    }
    for (const [name, c] of this.#labels) check(c, `label '${name}'`);
    this.#checkCycles("pre");
    // Evaluating after(a) evaluates a's postconditions: a cycle among them never ends.
    this.#checkCycles("post");
  }

  #checkCycles(side: "pre" | "post"): void {
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const visit = (name: string) => {
      if (state.get(name) === "done") return;
      if (state.get(name) === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(name)), name];
        const what = side === "pre" ? "'after' conditions" : "'after' postconditions";
        throw new DefinitionError(`${what} form a cycle: ${cycle.join(" → ")}`);
      }
      state.set(name, "visiting");
      stack.push(name);
      for (const c of this.operation(name)[side]) for (const a of c.after) visit(a);
      stack.pop();
      state.set(name, "done");
    };
    for (const name of this.#operations.keys()) visit(name);
  }

  /**
   * The names of operations and groups matched by `-o` patterns (regular
   * expressions matching whole names), in the order the patterns match them.
   *
   * @throws {DefinitionError} for an invalid pattern or one that matches nothing.
   */
  matchNames(patterns: readonly string[]): string[] {
    const chosen: string[] = [];
    for (const p of patterns) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${p})$`);
      } catch (e) {
        throw new DefinitionError(
          `-o '${p}' is not a valid regular expression: ${(e as Error).message}`,
        );
      }
      const hits = this.names.filter((n) => re.test(n));
      if (hits.length === 0) {
        throw new DefinitionError(this.#unknown(p, this.names, "operation or group"));
      }
      for (const h of hits) if (!chosen.includes(h)) chosen.push(h);
    }
    return chosen;
  }

  /**
   * The groups selected by `-o` patterns (regular expressions matching whole
   * names of operations and groups); without patterns, every operation's
   * singleton group.
   *
   * @throws {DefinitionError} for a pattern that matches nothing, or a
   *   selection of groups that share an operation.
   */
  select(patterns?: readonly string[]): Group[] {
    if (!patterns || patterns.length === 0) return this.operations.map((op) => this.group(op.name));
    const chosen = this.matchNames(patterns);
    const groups = chosen.map((n) => this.group(n));
    const owner = new Map<string, string>();
    for (const g of groups) {
      for (const m of g.members) {
        const prev = owner.get(m.operation);
        if (prev !== undefined) {
          throw new DefinitionError(
            `the selection contains groups '${prev}' and '${g.name}', which share operation '${m.operation}'; select one of them`,
          );
        }
        owner.set(m.operation, g.name);
      }
    }
    return groups;
  }
}
