/**
 * The state point cache `.signac/statepoint_cache.json.gz`: a gzipped JSON
 * object mapping job id to state point, in signac's own format, so that
 * signac and flow share it.
 *
 * A job id determines its state point, so an entry can only be wrong if a
 * state point file was edited by hand; `flow check` reads every file and
 * reports such jobs.
 *
 * @module
 */

// node:zlib is loaded on first use: most projects have no signac cache.
import { nodeZlib } from "../_node.ts";
import { writeFileAtomicSync } from "./_atomic.ts";
import { dumps, parse } from "./json.ts";
import { isJsonObject, type JsonObject } from "./value.ts";

/** Path of the cache, relative to the project root. */
export const CACHE_FILE = ".signac/statepoint_cache.json.gz";

/**
 * Reads the cache; an absent or unreadable cache is an empty one (it is only
 * a cache).
 *
 * @example
 * ```ts
 * import { readStatePointCache } from "./cache.ts";
 * const cache = readStatePointCache(Deno.makeTempDirSync());
 * console.log(cache.size); // 0
 * ```
 */
export function readStatePointCache(root: string): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(`${root}/${CACHE_FILE}`);
  } catch {
    return out;
  }
  try {
    const value = parse(new TextDecoder().decode(nodeZlib().gunzipSync(bytes)), CACHE_FILE);
    if (!isJsonObject(value)) return out;
    for (const id of Object.keys(value)) {
      const sp = value[id];
      if (isJsonObject(sp)) out.set(id, sp);
    }
  } catch {
    out.clear();
  }
  return out;
}

/**
 * Writes the cache atomically (signac's format: gzipped `json.dumps`).
 *
 * @example
 * ```ts
 * import { readStatePointCache, writeStatePointCache } from "./cache.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${root}/.signac`);
 * writeStatePointCache(root, new Map([["99914b932bd37a50b983c5e7c90ae93b", {}]]));
 * console.log(readStatePointCache(root).size); // 1
 * ```
 */
export function writeStatePointCache(root: string, cache: Map<string, JsonObject>): void {
  const obj: JsonObject = {};
  for (const [id, sp] of cache) obj[id] = sp;
  writeFileAtomicSync(
    `${root}/${CACHE_FILE}`,
    nodeZlib().gzipSync(new TextEncoder().encode(dumps(obj)), { level: 1 }),
  );
}
