/**
 * The parse cache of flow.yaml: the parsed document of the last flow.yaml
 * that built without error, kept in `.flow/flow-yaml.cache` with the exact
 * text it came from, so that a command on an unchanged workflow builds its
 * registry without loading the YAML parser (about 40 ms of every command's
 * start-up on a small VM: loading the parser and running it cold).
 *
 * The cache holds the document, not the registry: every command still builds
 * and validates the registry from it with the same code as after a fresh
 * parse, so a hit and a miss cannot disagree. It is used only when the text
 * and the file name match exactly; a cache that is missing, unreadable,
 * malformed or from another version is ignored and replaced; a workflow
 * whose cached document does not build is parsed again, so its errors come
 * from the parser's positions. Writing it is best effort (a read-only
 * project works without).
 *
 * @module
 */

import type { Registry } from "../registry/registry.ts";
import type { JsonValue } from "../workspace/value.ts";
import { writeFileAtomicSync } from "../workspace/_atomic.ts";
import { buildRegistry } from "./_build.ts";
import { Reader } from "./_reader.ts";
import { decodeTree, encodeTree, type TreeNode } from "./_tree.ts";
import { readFlowYamlText } from "./text.ts";

/** Where a project keeps the cache, relative to its root. */
export const FLOW_YAML_CACHE_FILE = ".flow/flow-yaml.cache";
/**
 * The first line of the cache: the tree's format and the YAML parser that made it (as imported in
 * `src/deps.ts`; a test keeps them equal), so that a new parser never reuses an old one's trees.
 */
const MAGIC = "flow-yaml-tree 1 yaml@2.8.4";

/**
 * Reads the flow.yaml at `path` and builds its validated registry, from the
 * document kept in `cacheFile` when the text is unchanged, else by parsing
 * it (and then keeping its document in `cacheFile`). Without `cacheFile`
 * it parses, as `loadFlowYaml` does.
 *
 * @throws {UsageError} when the file cannot be read; {@link ConfigError}
 *   when its content is wrong, exactly as `loadFlowYaml`
 * @example
 * ```ts
 * import { loadFlowYamlCached } from "./parse_cache.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/flow.yaml`, "operations:\n  a: {command: echo a}\n");
 * const cache = `${dir}/flow-yaml.cache`;
 * await loadFlowYamlCached(`${dir}/flow.yaml`, cache); // parses, then keeps the document
 * const registry = await loadFlowYamlCached(`${dir}/flow.yaml`, cache); // from the cache
 * console.log(registry.operations.map((op) => op.name)); // [ "a" ]
 * ```
 */
export async function loadFlowYamlCached(path: string, cacheFile?: string): Promise<Registry> {
  const text = readFlowYamlText(path);
  if (cacheFile !== undefined) {
    const root = readCache(cacheFile, path, text);
    if (root !== undefined) {
      try {
        return buildRegistry(root, path);
      } catch {
        // Parse again below: the error then comes from the file itself.
      }
    }
  }
  // The parser is loaded only here, when it is needed.
  const { parseTree } = await import("./_parse.ts");
  const root = parseTree(text, path);
  const registry = buildRegistry(root, path);
  if (cacheFile !== undefined) writeCache(cacheFile, path, text, root);
  return registry;
}

/**
 * The value of the top-level key `key` of the flow.yaml `path` whose text is
 * `text`, read from the parse cache: `{ value }` (value undefined when the
 * file has no such key), or undefined when the cache does not hold exactly
 * this text (then parse the file). Values follow the value model of
 * `workspace/yaml.ts`'s parseYaml (integers as numbers, integral floats as
 * PyFloat). `flow submit` and `flow clusters` read `clusters:` this way.
 *
 * @example
 * ```ts
 * import { cachedFlowYamlValue, loadFlowYamlCached } from "./parse_cache.ts";
 * const dir = Deno.makeTempDirSync();
 * const text = "operations:\n  a: {command: echo a}\nclusters: {lab: {scheduler: pbs}}\n";
 * Deno.writeTextFileSync(`${dir}/flow.yaml`, text);
 * const cache = `${dir}/flow-yaml.cache`;
 * console.log(cachedFlowYamlValue(`${dir}/flow.yaml`, text, cache, "clusters")); // undefined
 * await loadFlowYamlCached(`${dir}/flow.yaml`, cache);
 * console.log(cachedFlowYamlValue(`${dir}/flow.yaml`, text, cache, "clusters")?.value);
 * // { lab: { scheduler: "pbs" } }
 * ```
 */
export function cachedFlowYamlValue(
  path: string,
  text: string,
  cacheFile: string,
  key: string,
): { value: JsonValue | undefined } | undefined {
  const root = readCache(cacheFile, path, text);
  if (root === undefined) return undefined;
  try {
    const reader = new Reader(path, root);
    const top = reader.deref(root);
    if (top?.kind !== "map") return { value: undefined };
    const entry = reader.map(top, "the file").find((e) => e.key === key);
    return { value: entry === undefined ? undefined : reader.json(entry.value) };
  } catch {
    return undefined; // the file itself will tell what is wrong
  }
}

/** The cached document of `text` at `path`; undefined when there is none for exactly that. */
function readCache(cacheFile: string, path: string, text: string): TreeNode | null | undefined {
  try {
    const data = Deno.readTextFileSync(cacheFile);
    const nl = data.indexOf("\n");
    if (nl < 0 || data.slice(0, nl) !== MAGIC) return undefined;
    const kept = JSON.parse(data.slice(nl + 1)) as { path?: unknown; text?: unknown };
    if (kept?.path !== path || kept.text !== text) return undefined;
    return decodeTree(kept);
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, path: string, text: string, root: TreeNode | null): void {
  try {
    const { root: r, nodes } = encodeTree(root);
    const json = JSON.stringify({ path, text, root: r, nodes });
    const dir = cacheFile.slice(0, cacheFile.lastIndexOf("/"));
    if (dir) Deno.mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(cacheFile, `${MAGIC}\n${json}\n`);
  } catch {
    // best effort: a read-only project, a full disk
  }
}
