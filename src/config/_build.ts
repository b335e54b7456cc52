// Private helper of the flow.yaml reader: the plain tree of a flow.yaml
// (_tree.ts) to a validated Registry, every problem a ConfigError at its node.
// Used on a fresh parse and on a parse cache hit alike.

import { checkDirectiveNames, type DirectiveSpec, validateDirectives } from "../directives/mod.ts";
import { UsageError } from "../errors.ts";
import {
  type Aggregator,
  type AggregatorOptions,
  groupBy,
  groupsOf,
  single,
} from "../registry/aggregate.ts";
import { DefinitionError } from "../registry/error.ts";
import { emptyHooks, HOOK_NAMES, type Hooks } from "../registry/operation.ts";
import { Registry } from "../registry/registry.ts";
import { Template } from "../registry/template.ts";
import { closest } from "../suggest.ts";
import type { Job } from "../workspace/job.ts";
import { compileFilter, QueryError } from "../workspace/query.ts";
import { isJsonObject, PyFloat } from "../workspace/value.ts";
import { ConditionReader } from "./_conditions.ts";
import { ConfigError } from "./_error.ts";
import { type Entry, type Node, Reader } from "./_reader.ts";
import type { TreeNode } from "./_tree.ts";

// `clusters` holds cluster profiles, read by `flow submit` and `flow clusters` (src/scheduler/clusters.ts).
const TOP_KEYS = ["operations", "labels", "groups", "hooks", "clusters"];
const OPERATION_KEYS = ["command", "pre", "post", "directives", "aggregate", "hooks", "cwd"];
const AGGREGATE_KEYS = ["groupsOf", "groupBy", "sortBy", "descending", "select"];
const GROUP_KEYS = ["operations", "parallel", "submitOptions"];
const MEMBER_KEYS = ["directives"];
const CWD_VALUES = ["job", "project"];

/**
 * Builds the validated registry of the flow.yaml `path` whose document is
 * `root` (null: empty).
 *
 * @throws {ConfigError} for anything the schema does not allow, aliases
 *   that expand too far, and every problem `registry.validate()` finds
 */
export function buildRegistry(root: TreeNode | null, path: string): Registry {
  try {
    const reader = new Reader(path, root);
    return new Builder(reader).build(root);
  } catch (e) {
    // The parser refuses deep nesting itself; this guards the walk over what it accepted.
    if (e instanceof RangeError) {
      throw new ConfigError(path, undefined, "the file is nested too deeply", { cause: e });
    }
    throw e;
  }
}

/** Turns the parsed document into a registry, node by node. */
class Builder {
  readonly #r: Reader;
  readonly #conditions: ConditionReader;
  readonly #registry = new Registry();
  /** `operation\0NAME`, `group\0NAME`, `label\0NAME` → the key node that defines it. */
  readonly #names = new Map<string, Node>();
  /** `GROUP\0OPERATION` → the node that adds the operation to the group. */
  readonly #members = new Map<string, Node>();

  constructor(reader: Reader) {
    this.#r = reader;
    this.#conditions = new ConditionReader(reader);
  }

  build(root: Node | null): Registry {
    const r: Reader = this.#r;
    if (!r.isNull(root)) {
      const top = r.map(root, "a flow.yaml file", `a map (with ${TOP_KEYS.join(", ")})`);
      // Keys starting with "x-" hold anchors for aliases and merges (`x-mpi: &mpi {np: 4}`), as
      // in Docker Compose files; flow reads nothing else of them.
      r.checkKeys(top.filter((e) => !e.key.startsWith("x-")), TOP_KEYS, "at the top level");
      const section = (key: string, expected: string): Entry[] => {
        const e = given(r, top, key);
        return e ? r.map(e.value, `'${key}'`, expected) : [];
      };
      for (const e of section("operations", "a map of operation names to operations")) {
        this.#operation(e);
      }
      for (const e of section("groups", "a map of group names to groups")) this.#group(e);
      for (const e of section("labels", "a map of label names to conditions")) this.#label(e);
      const hooks = given(r, top, "hooks");
      if (hooks) {
        const parsed = this.#hooks(hooks.value, "the project", "the top-level 'hooks'");
        for (const k of HOOK_NAMES) this.#registry.hooks[k].push(...parsed[k]);
      }
    }
    try {
      this.#registry.validate();
    } catch (e) {
      if (e instanceof DefinitionError) r.fail(this.#locate(e.message), e.message, e);
      throw e;
    }
    return this.#registry;
  }

  /** Runs `fn`; a definition or directive error becomes a ConfigError at `node`. */
  #at<T>(node: Node | null | undefined, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof UsageError && !(e instanceof ConfigError)) {
        this.#r.fail(node, e.message, e);
      }
      throw e;
    }
  }

  #operation(e: Entry): void {
    const r: Reader = this.#r;
    const name = e.key;
    const ctx = `operation '${name}'`;
    const missing = `${ctx} has no 'command' (the shell command to run)`;
    if (r.isNull(e.value)) r.fail(e.keyNode, missing);
    const keys = r.map(e.value, ctx, `a map (with ${OPERATION_KEYS.join(", ")})`);
    r.checkKeys(keys, OPERATION_KEYS, `in ${ctx}`);
    const commandEntry = keys.find((k) => k.key === "command");
    if (!commandEntry) r.fail(e.keyNode, missing);
    const command = r.string(commandEntry.value, `'command' of ${ctx}`, "a shell command");
    const template = this.#at(commandEntry.value, () => new Template(command, ctx));
    const get = (key: string) => given(r, keys, key);
    const pre = this.#conditions.list(
      get("pre")?.value ?? null,
      `'pre' of ${ctx}`,
      `a precondition of ${ctx}`,
      `${ctx} precondition`,
    );
    const post = this.#conditions.list(
      get("post")?.value ?? null,
      `'post' of ${ctx}`,
      `a postcondition of ${ctx}`,
      `${ctx} postcondition`,
    );
    const directives = this.#directives(get("directives")?.value ?? null, ctx);
    const aggregate = get("aggregate");
    const aggregator = aggregate ? this.#aggregator(aggregate.value, ctx) : undefined;
    const hooks = this.#hooks(get("hooks")?.value ?? null, ctx, `'hooks' of ${ctx}`);
    const cwd = get("cwd");
    const inJobDir = cwd ? this.#cwd(cwd.value, ctx) === "job" : true;
    this.#at(e.keyNode, () =>
      this.#registry.addOperation({
        name,
        body: { kind: "command", template },
        pre,
        post,
        directives,
        aggregator: aggregator ?? single,
        hooks,
        inJobDir,
      }));
    this.#names.set(`operation\0${name}`, e.keyNode);
  }

  #cwd(node: Node | null, ctx: string): string {
    const r: Reader = this.#r;
    const what = `'cwd' of ${ctx}`;
    const expected = `${CWD_VALUES.join(" or ")} (where the command runs)`;
    const v = r.string(node, what, expected);
    if (!CWD_VALUES.includes(v)) {
      const hint = closest(v, CWD_VALUES);
      r.fail(
        node,
        `${what} must be ${expected}, got ${r.describe(node)}` +
          (hint ? ` (did you mean '${hint}'?)` : ""),
      );
    }
    return v;
  }

  /**
   * A directive map, checked now with the directive validator's own
   * messages (each key at its node), and kept as written (integers as
   * numbers, floats as plain numbers) for the registry.
   */
  #directives(node: Node | null, ctx: string): DirectiveSpec<Job> {
    const r: Reader = this.#r;
    if (r.isNull(node)) return {};
    const entries = r.map(node, `'directives' of ${ctx}`, "a map of directive names to values");
    const spec: Record<string, unknown> = {};
    for (const d of entries) {
      const json = r.json(d.value);
      const value = json instanceof PyFloat ? json.value : json;
      const one = { [d.key]: value };
      this.#at(d.keyNode, () => checkDirectiveNames(one, ctx));
      this.#at(d.value ?? d.keyNode, () => validateDirectives(one, ctx));
      Object.defineProperty(spec, d.key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    this.#at(node, () => validateDirectives(spec, ctx));
    return spec as DirectiveSpec<Job>;
  }

  #aggregator(node: Node | null, ctx: string): Aggregator {
    const r: Reader = this.#r;
    const what = `'aggregate' of ${ctx}`;
    const entries = r.map(node, what, "a map with 'groupsOf: N' or 'groupBy: KEY'");
    r.checkKeys(entries, AGGREGATE_KEYS, `in ${what}`);
    const get = (key: string) => given(r, entries, key);
    const kinds = entries.filter((e) =>
      (e.key === "groupsOf" || e.key === "groupBy") && !r.isNull(e.value)
    );
    if (kinds.length === 0) r.fail(node, `${what} needs 'groupsOf: N' or 'groupBy: KEY'`);
    if (kinds.length > 1) {
      r.fail(kinds[1].keyNode, `${what} has both 'groupsOf' and 'groupBy'; give one of them`);
    }
    const options: AggregatorOptions = {};
    const sortBy = get("sortBy");
    if (sortBy) options.sortBy = r.string(sortBy.value, `'sortBy' in ${what}`, "a state point key");
    const descending = get("descending");
    if (descending) {
      options.sortDescending = r.boolean(descending.value, `'descending' in ${what}`);
      if (!sortBy) r.fail(descending.keyNode, `'descending' in ${what} needs 'sortBy'`);
    }
    const select = get("select");
    if (select) {
      const filter = r.json(select.value);
      if (!isJsonObject(filter)) {
        r.fail(
          select.value,
          `'select' in ${what} must be a filter (a map such as {T: {$gt: 1}}), ` +
            `got ${r.describe(select.value)}`,
        );
      }
      try {
        compileFilter(filter);
      } catch (e) {
        if (e instanceof QueryError) r.fail(select.value, `'select' in ${what}: ${e.message}`, e);
        throw e;
      }
      options.select = filter;
    }
    const kind = kinds[0];
    if (kind.key === "groupsOf") {
      return groupsOf(r.integer(kind.value, `'groupsOf' in ${what}`, 1), options);
    }
    return groupBy(r.string(kind.value, `'groupBy' in ${what}`, "a state point key"), options);
  }

  #hooks(node: Node | null, ctx: string, what: string): Hooks {
    const r: Reader = this.#r;
    const hooks = emptyHooks();
    if (r.isNull(node)) return hooks;
    const entries = r.map(node, what, `a map with keys ${HOOK_NAMES.join(", ")}`);
    r.checkKeys(entries, HOOK_NAMES, `in ${what}`);
    for (const e of entries) {
      if (r.isNull(e.value)) continue;
      const hookWhat = `hook '${e.key}' of ${ctx}`;
      const nodes = r.isSeq(e.value) ? r.seq(e.value, hookWhat) : [e.value];
      for (const n of nodes) {
        const command = r.string(n, hookWhat, "a shell command or a list of them");
        const template = this.#at(n, () => new Template(command, hookWhat));
        hooks[e.key as keyof Hooks].push({ kind: "command", template });
      }
    }
    return hooks;
  }

  #group(e: Entry): void {
    const r: Reader = this.#r;
    const name = e.key;
    const ctx = `group '${name}'`;
    const missing = `${ctx} has no 'operations' (a list of operation names, or a map of ` +
      `operation names to {directives: ...})`;
    if (r.isNull(e.value)) r.fail(e.keyNode, missing);
    const keys = r.map(e.value, ctx, `a map (with ${GROUP_KEYS.join(", ")})`);
    r.checkKeys(keys, GROUP_KEYS, `in ${ctx}`);
    const get = (key: string) => given(r, keys, key);
    const parallel = get("parallel");
    const submit = get("submitOptions");
    const options = {
      runOptions: {
        parallel: parallel ? r.boolean(parallel.value, `'parallel' of ${ctx}`) : false,
      },
      submitOptions: submit
        ? r.string(submit.value, `'submitOptions' of ${ctx}`, "a string", true)
        : "",
    };
    this.#at(e.keyNode, () => this.#registry.addGroup(name, options));
    this.#names.set(`group\0${name}`, e.keyNode);
    const ops = get("operations");
    if (!ops) r.fail(e.keyNode, missing);
    const what = `'operations' of ${ctx}`;
    const expected = "a list of operation names, or a map of operation names to {directives: ...}";
    if (r.isSeq(ops.value)) {
      for (const n of r.seq(ops.value, what)) {
        this.#member(name, r.string(n, `each item of ${what}`, "an operation name"), n, {});
      }
      return;
    }
    for (const m of r.map(ops.value, what, expected)) {
      const mctx = `operation '${m.key}' in ${ctx}`;
      let directives: DirectiveSpec<Job> = {};
      if (!r.isNull(m.value)) {
        const mkeys = r.map(m.value, mctx, "null, {} or {directives: {...}}");
        r.checkKeys(mkeys, MEMBER_KEYS, `in ${mctx}`);
        directives = this.#directives(given(r, mkeys, "directives")?.value ?? null, mctx);
      }
      this.#member(name, m.key, m.keyNode, directives);
    }
  }

  #member(group: string, operation: string, node: Node, directives: DirectiveSpec<Job>): void {
    this.#at(node, () => this.#registry.addToGroup(group, operation, directives));
    this.#members.set(`${group}\0${operation}`, node);
  }

  #label(e: Entry): void {
    const name = e.key;
    const condition = this.#conditions.one(e.value, `label '${name}'`, `label '${name}'`);
    this.#at(e.keyNode, () => this.#registry.addLabel(name, condition));
    this.#names.set(`label\0${name}`, e.keyNode);
  }

  /** The node a registry.validate() message is about, when one shows it. */
  #locate(message: string): Node | undefined {
    const sites = this.#conditions.afterSites;
    let m = /^group '([^']+)' adds unknown operation '([^']+)'/.exec(message);
    if (m) return this.#members.get(`${m[1]}\0${m[2]}`);
    m =
      /^(operation '[^']+' (?:pre|post)condition|label '[^']+'): after (?:unknown operation )?'([^']+)'/
        .exec(message);
    if (m) {
      const [, owner, target] = m;
      const site = sites.find((s) => s.owner === owner && s.target === target);
      if (site) return site.node;
    }
    m = /form a cycle: (.+)$/.exec(message);
    if (m) {
      const [from, to] = m[1].split(" → ");
      const site = sites.find((s) =>
        s.owner === `operation '${from}' precondition` && s.target === to
      );
      if (site) return site.node;
    }
    m = /^(operation|group|label) '([^']+)'/.exec(message);
    return m ? this.#names.get(`${m[1]}\0${m[2]}`) : undefined;
  }
}

/** The entry for `key`, unless it is absent or null (an optional key given as null is not given). */
function given(r: Reader, entries: readonly Entry[], key: string): Entry | undefined {
  const e = entries.find((x) => x.key === key);
  return e && !r.isNull(e.value) ? e : undefined;
}
