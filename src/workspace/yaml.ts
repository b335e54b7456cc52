/**
 * YAML read into the value model of `value.ts`: integers and floats kept
 * apart (`1` is an int, `1.0` a float), large integers exact, aliases
 * bounded (a YAML bomb is refused), errors with line and column.
 *
 * @module
 */

import { isMap, isScalar, isSeq, parseDocument } from "../deps.ts";
import { UsageError } from "../errors.ts";
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
  const doc = parseDocument(text, { intAsBigInt: true, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
    const message = first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new YamlError(`${source}: invalid YAML${where}: ${message}`);
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new YamlError(`${source}: ${(e as Error).message.split("\n")[0]}`);
  }
  return convert(js, source, "");
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
