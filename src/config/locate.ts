/**
 * Where a value of flow.yaml is written: the line and column of the node at a
 * dotted path (`clusters.mine.partitions.cpu`, `[i]` for list items), for
 * messages about values that another part checks (cluster profiles) after
 * the file has loaded.
 *
 * @module
 */

import { parseTree } from "./_parse.ts";
import { type Node, Reader } from "./_reader.ts";
import type { SourcePosition } from "./_error.ts";

/**
 * The position of the value at `path` in the YAML `text` (of `file`), or of
 * the key `key` in the map there; undefined when the text does not parse or
 * holds no such value. Keys may hold dots (`my.cluster`): at each map, the
 * longest key that the path continues with is taken. Aliases and merge keys
 * are followed, so a value written once under an anchor is found where it
 * is written.
 *
 * @example
 * ```ts
 * import { locateValue } from "./locate.ts";
 * const text = "clusters:\n  lab:\n    scheduler: slrum\n";
 * console.log(locateValue(text, "flow.yaml", "clusters.lab.scheduler")); // { line: 3, column: 16 }
 * ```
 */
export function locateValue(
  text: string,
  file: string,
  path: string,
  key?: string,
): SourcePosition | undefined {
  let reader: Reader;
  let node: Node | null;
  try {
    node = parseTree(text, file);
    reader = new Reader(file, node);
  } catch {
    return undefined;
  }
  let rest = path;
  try {
    while (rest !== "") {
      const index = /^\[(\d+)\]\.?/.exec(rest);
      if (index) {
        const n = reader.deref(node);
        if (n === null || n.kind !== "seq") return undefined;
        node = n.items[Number(index[1])] ?? null;
        rest = rest.slice(index[0].length);
        continue;
      }
      const entries = reader.map(node, "a map");
      const next = entries
        .filter((e) =>
          rest === e.key || rest.startsWith(`${e.key}.`) || rest.startsWith(`${e.key}[`)
        )
        .sort((a, b) => b.key.length - a.key.length)[0];
      if (next === undefined) return undefined;
      rest = rest.slice(next.key.length).replace(/^\./, "");
      node = next.value ?? next.keyNode;
    }
    if (key !== undefined) {
      const entry = reader.map(node, "a map").find((e) => e.key === key);
      if (entry) return reader.position(entry.keyNode);
    }
  } catch {
    return undefined;
  }
  return reader.position(node);
}
