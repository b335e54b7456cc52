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
 * This module loads the YAML parser; `parse_cache.ts` reads an unchanged
 * flow.yaml without it.
 *
 * @module
 */

import type { Registry } from "../registry/registry.ts";
import { buildRegistry } from "./_build.ts";
import { parseTree } from "./_parse.ts";
import { checkFlowYamlText, readFlowYamlText } from "./text.ts";

export { ConfigError, type SourcePosition } from "./_error.ts";
export { checkFlowYamlText, MAX_FLOW_YAML_BYTES } from "./text.ts";

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
  return buildRegistry(parseTree(text, path), path);
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
  // readFlowYamlText has checked the text already.
  return buildRegistry(parseTree(readFlowYamlText(path), path), path);
}
