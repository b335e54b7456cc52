/**
 * YAML read into the value model of `value.ts`: integers and floats kept
 * apart (`1` is an int, `1.0` a float), large integers exact, aliases
 * bounded (a YAML bomb is refused), errors with line and column.
 *
 * @module
 */

import { type Document, isMap, isScalar, isSeq, type Node, parseDocument } from "../deps.ts";
import { oneLine, UsageError } from "../errors.ts";
import type { JsonObject, JsonValue } from "./value.ts";
import { PyFloat } from "./value.ts";

/**
 * A YAML text is malformed or holds something that is not a JSON value.
 *
 * @example
 * ```ts
 * import { parseYaml, YamlError } from "./yaml.ts";
 * try { parseYaml("a: [1,", "grid.yaml"); } catch (e) { console.log(e instanceof YamlError); }
 * ```
 */
export class YamlError extends UsageError {}

/** Largest YAML text accepted (bytes). */
export const MAX_YAML_BYTES = 8 * 1024 * 1024;

/**
 * Parses YAML (JSON is YAML too) into a JSON value.
 *
 * @param text the YAML text
 * @param source the file name, for messages
 * @example
 * ```ts
 * import { parseYaml } from "./yaml.ts";
 * const v = parseYaml("T: [1.0, 2.5]\nseed: 3\n", "grid.yaml");
 * ```
 */
export function parseYaml(text: string, source: string): JsonValue {
  if (text.length > MAX_YAML_BYTES) {
    throw new YamlError(`${source}: larger than ${MAX_YAML_BYTES / 1024 / 1024} MiB`);
  }
  // The parser's own uniqueKeys check takes time quadratic in the keys of a map (minutes for
  // an 8 MiB map); duplicateKey does the same check in linear time.
  // `merge`: YAML 1.1's merge key (`<<: *defaults`), which most YAML readers (PyYAML) follow.
  const doc = parseDocument(text, {
    intAsBigInt: true,
    prettyErrors: true,
    uniqueKeys: false,
    merge: true,
  });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
    const message = first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new YamlError(`${source}: invalid YAML${where}: ${message}`);
  }
  const duplicate = duplicateKey(doc, text);
  if (duplicate) {
    const at = lineAndColumn(text, duplicate.node.range?.[0] ?? 0);
    throw new YamlError(
      `${source}: invalid YAML at line ${at.line}, column ${at.column}: ${duplicate.message}`,
    );
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new YamlError(`${source}: ${(e as Error).message.split("\n")[0]}`);
  }
  return convert(js, source, "");
}

/**
 * A key given twice in one map of a parsed document: the second key's node,
 * the first's, and a message (`key 'a' appears twice in the same map (first
 * at line 2, column 3)` when the text is known, else without the position).
 */
export interface DuplicateKey {
  /** The second occurrence of the key. */
  readonly node: Node;
  /** The first occurrence. */
  readonly first: Node;
  /** What is wrong, for an error message. */
  readonly message: string;
}

/**
 * The first key given twice in a map of `doc` (document order), or
 * `undefined`. Keys are equal as the `yaml` package's `uniqueKeys` option
 * compares them (scalars by value, so `1` and `"1"` differ), in time linear
 * in the size of the document; aliases are not followed.
 *
 * @param doc the parsed document
 * @param text its text, to name the first key's line and column in the message
 *
 * @example
 * ```ts
 * import { duplicateKey } from "./yaml.ts";
 * import { parseDocument } from "../deps.ts";
 * const doc = parseDocument("a: 1\nb: 2\na: 3\n", { uniqueKeys: false });
 * console.log(duplicateKey(doc)?.message); // key 'a' appears twice in the same map
 * ```
 */
export function duplicateKey(doc: Document, text?: string): DuplicateKey | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isSeq(n)) {
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
    } else if (isMap(n)) {
      const seen = new Map<unknown, Node>();
      for (const pair of n.items) {
        const key = pair.key;
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        const first = seen.get(key.value);
        if (first === undefined) {
          seen.set(key.value, key);
          continue;
        }
        const where = text === undefined ? undefined : lineAndColumn(text, first.range?.[0] ?? 0);
        return {
          node: key,
          first,
          message: `key '${oneLine(String(key.value))}' appears twice in the same map` +
            (where ? ` (first at line ${where.line}, column ${where.column})` : ""),
        };
      }
      for (let i = n.items.length - 1; i >= 0; i--) {
        stack.push(n.items[i].value);
        stack.push(n.items[i].key);
      }
    }
  }
  return undefined;
}

/** The 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function convert(v: unknown, source: string, path: string): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  // With intAsBigInt, YAML integers arrive as bigint and floats as number.
  if (typeof v === "bigint") return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
  if (typeof v === "number") return Number.isInteger(v) || Object.is(v, -0) ? new PyFloat(v) : v;
  if (Array.isArray(v)) return v.map((x, i) => convert(x, source, `${path}[${i}]`));
  if (v instanceof Map) {
    const out: JsonObject = {};
    for (const [k, x] of v) out[String(k)] = convert(x, source, path ? `${path}.${k}` : String(k));
    return out;
  }
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      Object.defineProperty(out, k, {
        value: convert(x, source, path ? `${path}.${k}` : k),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  throw new YamlError(`${source}: ${path || "the document"} holds a value JSON cannot represent`);
}

// Re-exported so that other parts can walk YAML nodes for positions.
export { isMap, isScalar, isSeq };
