// Private helper of condition_cache.ts and its worker: reading the cache file.

import { CacheRows } from "./_cache_rows.ts";

/** Path of the condition cache, relative to the project root. */
export const CONDITION_CACHE_FILE = ".flow/conditions.cache";

/** First line of the file: the format. */
export const MAGIC = "flow-condition-cache 3";

/** What a cache file holds. */
export interface CacheFile {
  /** The condition keys, one per column of codes. */
  keys: string[];
  /** The lines, none when the file is missing or malformed. */
  rows?: CacheRows;
  /**
   * Which file version was read (inode, size, modification time, the same
   * before and after reading): the file is only ever replaced, by rename, so
   * two reads with one identity read the same text. Undefined when unsure.
   */
  identity?: string;
}

/**
 * The keys and rows of the cache file at `path`; none when it is missing
 * or malformed. With `parsed`, what another thread found parsing the file
 * (which version, where its lines start): if this read finds that very
 * version, the lines are taken from there instead of being scanned again.
 *
 * @example
 * ```ts
 * import { readCacheFile } from "./_cache_file.ts";
 * console.log(readCacheFile("/nonexistent").keys); // []
 * ```
 */
export function readCacheFile(
  path: string,
  parsed?: { identity: string; starts: Int32Array },
): CacheFile {
  const read = readCacheText(path);
  if (read === undefined) return { keys: [] };
  const { text, identity } = read;
  const first = text.indexOf("\n");
  const second = text.indexOf("\n", first + 1);
  if (
    first < 0 || second < 0 || text.slice(0, first) !== MAGIC ||
    text.charCodeAt(text.length - 1) !== 10
  ) {
    return { keys: [] };
  }
  let keys: unknown;
  try {
    keys = JSON.parse(text.slice(first + 1, second));
  } catch {
    return { keys: [] };
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) return { keys: [] };
  const rows = parsed && identity === parsed.identity
    ? CacheRows.of(text, parsed.starts)
    : CacheRows.parse(text, second + 1);
  return rows ? { keys: keys as string[], rows, identity } : { keys: [] };
}

/**
 * The text of the file at `path` and which version of it was read (see
 * {@link CacheFile.identity}); undefined when it cannot be read.
 *
 * @example
 * ```ts
 * import { readCacheText } from "./_cache_file.ts";
 * console.log(readCacheText("/nonexistent")); // undefined
 * ```
 */
export function readCacheText(path: string): { text: string; identity?: string } | undefined {
  try {
    const before = identityOf(path);
    const text = Deno.readTextFileSync(path);
    const identity = identityOf(path);
    return { text, identity: identity === before ? identity : undefined };
  } catch {
    return undefined;
  }
}

function identityOf(path: string): string | undefined {
  const info = Deno.statSync(path);
  const mtime = info.mtime?.getTime();
  return info.ino === null || mtime === undefined ? undefined : `${info.ino}:${info.size}:${mtime}`;
}
