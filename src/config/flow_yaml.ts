/**
 * flow.yaml: a workflow written in YAML, read into a {@link Registry} and
 * checked completely before anything runs. Every problem is a
 * {@link ConfigError} whose one-line message starts with `PATH:LINE:COL: `.
 *
 * ```yaml
 * operations:                  # name -> operation, registered in file order
 *   prepare:
 *     command: echo {job.sp.T} > input.txt   # a command template (required)
 *     post: [{isfile: input.txt}]
 *   simulate:
 *     command: ./simulate {job.path}
 *     pre: [{after: prepare}]                # a condition, or a list of them
 *     post: [{isfile: out.dat}, {doc: {state: done}}]
 *     directives: {np: 4, ngpu: 1, walltime: "01:00:00", memory: 4G}
 *     hooks: {onSuccess: 'echo done {job.id}', onException: [echo failed]}
 *     cwd: job                               # (the default) or project
 *   summarize:
 *     command: ./summarize {jobs.paths}
 *     pre: [{after: simulate}]
 *     aggregate: {groupsOf: 2, sortBy: T, descending: true, select: {T: {$gt: 1}}}
 *     cwd: project
 * labels:                      # name -> condition
 *   simulated: {isfile: out.dat}
 * groups:                      # name -> FlowGroup
 *   pipeline:
 *     operations: {prepare: {}, simulate: {directives: {np: 8}}}   # or [prepare, simulate]
 *     parallel: false
 *     submitOptions: --partition=short
 * hooks: {onStart: echo start}  # project-level hooks
 * ```
 *
 * A condition is a map with one key: `isfile: NAME`, `after: NAME | [NAME, ...]`,
 * `doc: KEY` (the document value is truthy), `doc: {KEY: VALUE, ...}` (equal,
 * each key), `not: CONDITION`, `never: true`, `sh: COMMAND` (exit status 0).
 * Inside `{...}` and `[...]`, quote a command that has placeholders (a plain
 * `{` there starts a map). Every map refuses unknown keys (suggesting the
 * closest); an optional key given as null (`pre:`) counts as not given. YAML integers and floats stay
 * apart (`doc: {n: 1}` is not `doc: {n: 1.0}` when written back), as in
 * `workspace/yaml.ts`.
 *
 * @module
 */

import { LineCounter, type Node, parseDocument } from "../deps.ts";
import { checkDirectiveNames, type DirectiveSpec, validateDirectives } from "../directives/mod.ts";
import { FlowError, UsageError } from "../errors.ts";
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
import { duplicateKey } from "../workspace/yaml.ts";
import { ConditionReader } from "./_conditions.ts";
import { ConfigError, type SourcePosition } from "./_error.ts";
import { type Entry, Reader } from "./_reader.ts";

export { ConfigError, type SourcePosition } from "./_error.ts";

// `clusters` holds cluster profiles, read by `flow submit` and `flow clusters` (src/scheduler/clusters.ts).
const TOP_KEYS = ["operations", "labels", "groups", "hooks", "clusters"];
const OPERATION_KEYS = ["command", "pre", "post", "directives", "aggregate", "hooks", "cwd"];
const AGGREGATE_KEYS = ["groupsOf", "groupBy", "sortBy", "descending", "select"];
const GROUP_KEYS = ["operations", "parallel", "submitOptions"];
const MEMBER_KEYS = ["directives"];
const CWD_VALUES = ["job", "project"];

/**
 * Largest flow.yaml accepted, in bytes (1 MiB). Real workflow files are a few
 * kilobytes; the YAML parser takes about 1.3 s per MiB of operations and up
 * to 4 s per MiB of a pathological flow sequence on a small VM, so a larger
 * file is refused before it is parsed rather than hang the command.
 */
export const MAX_FLOW_YAML_BYTES = 1024 * 1024;

function tooLarge(path: string, bytes: number): ConfigError {
  return new ConfigError(
    path,
    undefined,
    `the file is larger than ${MAX_FLOW_YAML_BYTES / 1024 / 1024} MiB (${bytes} bytes); ` +
      `a workflow file must be at most ${MAX_FLOW_YAML_BYTES} bytes`,
  );
}

/**
 * Characters YAML 1.2 does not allow in a file (outside its printable set): C0 and C1
 * controls other than tab, line feed, carriage return and NEL, DEL, lone surrogates,
 * U+FFFE and U+FFFF.
 */
const NOT_PRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The 1-based line and column of a character offset of `text`. */
function position(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const start = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - start + 1 };
}

/** UTF-8 length of `text`, computed only when the UTF-16 length leaves a doubt. */
function utf8Length(text: string): number {
  if (text.length > MAX_FLOW_YAML_BYTES || text.length * 3 <= MAX_FLOW_YAML_BYTES) {
    return text.length;
  }
  return new TextEncoder().encode(text).length;
}

/**
 * The checks made before a flow.yaml is parsed, for every reader of the file
 * (the workflow loader, the `clusters:` reader): at most
 * {@link MAX_FLOW_YAML_BYTES}, and only characters YAML allows.
 *
 * @throws {ConfigError} naming the file (and the line of a bad character)
 * @example
 * ```ts
 * import { checkFlowYamlText } from "./flow_yaml.ts";
 * checkFlowYamlText("operations: {}\n", "flow.yaml"); // fine
 * try {
 *   checkFlowYamlText("a: \u0007\n", "flow.yaml");
 * } catch (e) {
 *   console.log((e as Error).message); // flow.yaml:1:4: invalid YAML: control character U+0007 ...
 * }
 * ```
 */
export function checkFlowYamlText(text: string, path: string): void {
  const size = utf8Length(text);
  if (size > MAX_FLOW_YAML_BYTES) throw tooLarge(path, size);
  const control = NOT_PRINTABLE.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new ConfigError(
      path,
      position(text, control.index),
      `invalid YAML: control character U+${code} (YAML allows only tab, line feed and ` +
        `carriage return; write other characters as escapes in a double-quoted string)`,
    );
  }
}

/**
 * Builds a {@link Registry} from the text of a flow.yaml file and validates
 * it (`registry.validate()`), so that a workflow that loads can run.
 *
 * @param text the YAML text
 * @param path the file name, for messages
 * @throws {ConfigError} for malformed YAML (duplicate keys included), a file
 *   over `MAX_FLOW_YAML_BYTES`, an alias bomb, anything the schema does not allow,
 *   and every problem `registry.validate()` finds; the message starts with
 *   `path:line:column: ` (or `path: ` when no node shows the problem).
 * @example
 * ```ts
 * import { parseFlowYaml } from "./flow_yaml.ts";
 * const registry = parseFlowYaml(
 *   [
 *     "operations:",
 *     "  hello:",
 *     "    command: echo hello > hello.txt",
 *     "    post: [{isfile: hello.txt}]",
 *     "    directives: {np: 2}",
 *   ].join("\n"),
 *   "flow.yaml",
 * );
 * const op = registry.operation("hello");
 * console.log(op.post[0].description, op.directives); // isfile(hello.txt) { np: 2 }
 * ```
 */
export function parseFlowYaml(text: string, path: string): Registry {
  checkFlowYamlText(text, path);
  const lines = new LineCounter();
  // uniqueKeys: the parser's own check is quadratic in the keys of a map (minutes for a
  // map of 300,000 keys); duplicateKey below does it in linear time.
  const doc = parseDocument(text, {
    lineCounter: lines,
    intAsBigInt: true,
    uniqueKeys: false,
    prettyErrors: true,
  });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    if (first.code === "RESOURCE_EXHAUSTION") {
      // The parser ran out of stack: lists or maps nested hundreds of levels deep.
      throw new ConfigError(
        path,
        pos ? { line: pos.line, column: pos.col } : undefined,
        "invalid YAML: lists or maps are nested too deeply",
        { cause: first },
      );
    }
    const message = first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    // The usual cause: a command with {placeholders} written unquoted inside {...} or [...].
    const hint = /Unexpected flow-(map|seq)-start/.test(message)
      ? " (a command with {placeholders} inside {...} or [...] must be quoted)"
      : "";
    throw new ConfigError(
      path,
      pos ? { line: pos.line, column: pos.col } : undefined,
      `invalid YAML: ${message}${hint}`,
      { cause: first },
    );
  }
  // An unknown tag (`!!python/object`, `!foo`) is only a warning for the parser, which then
  // keeps the plain value: refuse it rather than read something else than was meant.
  const tag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (tag) {
    const pos = tag.linePos?.[0];
    const message = tag.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(
      path,
      pos ? { line: pos.line, column: pos.col } : undefined,
      `invalid YAML: ${message} (flow.yaml takes plain YAML values, without tags)`,
      { cause: tag },
    );
  }
  const duplicate = duplicateKey(doc, text);
  if (duplicate) {
    const at = lines.linePos(duplicate.node.range?.[0] ?? 0);
    throw new ConfigError(
      path,
      { line: at.line, column: at.col },
      `invalid YAML: ${duplicate.message}`,
    );
  }
  try {
    const reader = new Reader(path, doc, lines);
    return new Builder(reader).build(Reader.root(doc));
  } catch (e) {
    // The parser refuses deep nesting itself; this guards the walk over what it accepted.
    if (e instanceof RangeError) {
      throw new ConfigError(path, undefined, "the file is nested too deeply", { cause: e });
    }
    throw e;
  }
}

/**
 * Reads a flow.yaml file and builds its validated {@link Registry} (see
 * {@link parseFlowYaml}). The file must be UTF-8 and at most
 * `MAX_FLOW_YAML_BYTES` long; it is never read further than that.
 *
 * @param path the file
 * @throws {UsageError} naming the file when it is missing or cannot be read;
 *   {@link ConfigError} (a UsageError too) when its content is wrong.
 * @example
 * ```ts
 * import { loadFlowYaml } from "./flow_yaml.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/flow.yaml`, "operations:\n  a: {command: echo a}\n");
 * console.log(loadFlowYaml(`${dir}/flow.yaml`).operations.map((op) => op.name)); // [ "a" ]
 * ```
 */
export function loadFlowYaml(path: string): Registry {
  let bytes: Uint8Array;
  let size: number;
  try {
    ({ bytes, size } = readCapped(path, MAX_FLOW_YAML_BYTES + 1));
  } catch (e) {
    if (e instanceof FlowError) throw e;
    const reason = e instanceof Deno.errors.NotFound
      ? "no such file"
      : (e as Error).message.replace(/ \(os error \d+\).*$/s, "");
    throw new UsageError(`${path}: cannot read the workflow file: ${reason}`, { cause: e });
  }
  if (bytes.length > MAX_FLOW_YAML_BYTES) throw tooLarge(path, Math.max(size, bytes.length));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (e) {
    throw new ConfigError(path, undefined, "the file is not valid UTF-8 text", { cause: e });
  }
  return parseFlowYaml(text, path);
}

/**
 * The first `cap` bytes of a file (fewer if it is shorter), never reading past
 * them, and the file's size as `stat` gives it (for messages).
 */
function readCapped(path: string, cap: number): { bytes: Uint8Array; size: number } {
  const file = Deno.openSync(path, { read: true });
  try {
    const info = file.statSync();
    if (info.isDirectory) {
      throw new UsageError(`${path}: cannot read the workflow file: it is a folder`);
    }
    const buf = new Uint8Array(cap);
    let n = 0;
    while (n < cap) {
      const got = file.readSync(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    return { bytes: buf.subarray(0, n), size: info.size };
  } finally {
    file.close();
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
      r.checkKeys(top, TOP_KEYS, "at the top level");
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
