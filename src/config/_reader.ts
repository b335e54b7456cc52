// Private helper of flow_yaml.ts: reading a parsed YAML document (the
// plain tree of _tree.ts) node by node, with positions for messages, aliases
// resolved (and bounded), and values converted to the value model of
// src/workspace/value.ts. It does not load the YAML parser.

import { closest } from "../suggest.ts";
import { type JsonObject, type JsonValue, PyFloat, pyFloatRepr } from "../workspace/value.ts";
import { ConfigError, type SourcePosition } from "./_error.ts";
import type { TreeAlias, TreeMap, TreeNode, TreeScalar, TreeSeq } from "./_tree.ts";

/** A node of the document (see _tree.ts). */
export type Node = TreeNode;

/** Most nodes that aliases may add to a document (a larger expansion is an alias bomb). */
export const MAX_ALIAS_EXPANSION = 10_000;

/** One key of a YAML map: the key as a string, its node, and the value node (null if empty). */
export interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node | null;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function isAlias(n: Node | null | undefined): n is TreeAlias {
  return n?.kind === "alias";
}
function isMap(n: Node | null | undefined): n is TreeMap {
  return n?.kind === "map";
}
function isSeq(n: Node | null | undefined): n is TreeSeq {
  return n?.kind === "seq";
}
function isScalar(n: Node | null | undefined): n is TreeScalar {
  return n?.kind === "scalar";
}

/** Reads nodes of one parsed document of one file. */
export class Reader {
  readonly file: string;

  /** A reader of the document `root` of `file`; fails on aliases that expand too far. */
  constructor(file: string, root: Node | null) {
    this.file = file;
    this.#boundAliases(root);
  }

  /** Where a node starts in the file. */
  position(node: Node | null | undefined): SourcePosition | undefined {
    return node?.at;
  }

  /** Throws a {@link ConfigError} at `node` (or at no position when it has none). */
  fail(node: Node | null | undefined, detail: string, cause?: unknown): never {
    throw new ConfigError(
      this.file,
      this.position(node),
      detail,
      cause === undefined ? undefined : { cause },
    );
  }

  // Aliases: each alias names its node (_parse.ts resolved them); here the
  // nodes that aliases add are counted.

  #boundAliases(root: Node | null): void {
    const sizes = new Map<Node, number>();
    const visiting = new Set<Node>();
    const size = (n: Node | null): number => {
      if (n === null) return 1;
      if (isAlias(n)) return size(this.#target(n));
      const known = sizes.get(n);
      if (known !== undefined) return known;
      if (visiting.has(n)) return Infinity;
      visiting.add(n);
      let s = 1;
      if (isMap(n)) { for (const p of n.items) s += size(p[0]) + size(p[1]); }
      else if (isSeq(n)) { for (const x of n.items) s += size(x); }
      visiting.delete(n);
      sizes.set(n, s);
      return s;
    };
    let added = 0;
    const walk = (n: Node | null) => {
      if (n === null) return;
      if (isAlias(n)) {
        const s = size(n);
        if (s === Infinity) {
          this.fail(n, `alias '*${n.source}' refers to a node that contains it`);
        }
        added += s;
        if (added > MAX_ALIAS_EXPANSION) {
          this.fail(
            n,
            `aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes (an alias bomb?); ` +
              `write the values out instead`,
          );
        }
      } else if (isMap(n)) {
        for (const p of n.items) {
          walk(p[0]);
          walk(p[1]);
        }
      } else if (isSeq(n)) { for (const x of n.items) walk(x); }
    };
    walk(root);
  }

  #target(alias: TreeAlias): Node {
    const t = alias.target;
    if (t === undefined) {
      this.fail(
        alias,
        `unknown alias '*${alias.source}' (an anchor '&${alias.source}' must come before it)`,
      );
    }
    return t;
  }

  /** The node an alias stands for (any other node as it is). */
  deref(node: Node | null | undefined): Node | null {
    let n = node ?? null;
    while (n !== null && isAlias(n)) n = this.#target(n);
    return n;
  }

  /** True if the node is missing or the null scalar (`key:`, `~`, `null`). */
  isNull(node: Node | null | undefined): boolean {
    const n = this.deref(node);
    return n === null || (isScalar(n) && n.value === null);
  }

  /** Names a node's value and type for messages: `42`, `the string "x"`, `a list`. */
  describe(node: Node | null | undefined): string {
    const n = this.deref(node);
    if (n === null) return "nothing";
    if (isMap(n)) return n.items.length === 0 ? "an empty map" : "a map";
    if (isSeq(n)) return n.items.length === 0 ? "an empty list" : "a list";
    const v = (n as TreeScalar).value;
    if (v === null) return "null";
    if (typeof v === "string") {
      const shown = v.length > 40 ? v.slice(0, 37) + "..." : v;
      return `the string ${JSON.stringify(shown)}`;
    }
    if (typeof v === "bigint" || typeof v === "boolean") return String(v);
    if (typeof v === "number") return Number.isInteger(v) ? pyFloatRepr(v) : String(v);
    return `a value tagged ${(n as TreeScalar).tag ?? "?"}`;
  }

  /**
   * The entries of a map node, keys as strings; anything else fails with
   * `what must be ...`. A merge key (`<<: *defaults`, or `<<: [*a, *b]`)
   * adds the entries of the maps it names that the map does not set itself
   * (YAML 1.1's merge, as PyYAML and most YAML readers do it: the map's own
   * keys first, then the merged maps in their order).
   */
  map(node: Node | null | undefined, what: string, expected = "a map"): Entry[] {
    const n = this.deref(node);
    if (n === null || !isMap(n)) {
      this.fail(node, `${what} must be ${expected}, got ${this.describe(node)}`);
    }
    const own: Entry[] = [];
    const merges: Entry[] = [];
    for (const p of (n as TreeMap).items) {
      const keyNode = p[0];
      const k = this.deref(keyNode);
      if (k === null || !isScalar(k) || typeof k.value !== "string") {
        this.fail(
          keyNode ?? node,
          `keys in ${what} must be strings, got ${this.describe(keyNode)}`,
        );
      }
      const entry = { key: k.value as string, keyNode: keyNode as Node, value: p[1] };
      // (No key of flow.yaml is the string "<<": quoted or not, it is the merge key.)
      if (entry.key === "<<") merges.push(entry);
      else own.push(entry);
    }
    if (merges.length === 0) return own;
    const seen = new Set(own.map((e) => e.key));
    for (const m of merges) {
      const value = this.deref(m.value);
      const sources = value !== null && isSeq(value) ? value.items : [m.value];
      for (const source of sources) {
        if (!isMap(this.deref(source))) {
          this.fail(
            source ?? m.keyNode,
            `'<<' in ${what} merges maps (an alias of a map, or a list of them), ` +
              `got ${this.describe(source)}`,
          );
        }
        for (const e of this.map(source, `a map merged into ${what}`)) {
          if (seen.has(e.key)) continue;
          seen.add(e.key);
          own.push(e);
        }
      }
    }
    return own;
  }

  /** The items of a sequence node. */
  seq(node: Node | null | undefined, what: string, expected = "a list"): Node[] {
    const n = this.deref(node);
    if (n === null || !isSeq(n)) {
      this.fail(node, `${what} must be ${expected}, got ${this.describe(node)}`);
    }
    return (n as TreeSeq).items.map((x) => x as Node);
  }

  /** True if the node is a sequence (after aliases). */
  isSeq(node: Node | null | undefined): boolean {
    return isSeq(this.deref(node));
  }

  /** True if the node is a map (after aliases). */
  isMap(node: Node | null | undefined): boolean {
    return isMap(this.deref(node));
  }

  /** A string scalar without NUL characters, not empty unless `allowEmpty`. */
  string(
    node: Node | null | undefined,
    what: string,
    expected = "a string",
    allowEmpty = false,
  ): string {
    const n = this.deref(node);
    if (n === null || !isScalar(n) || typeof n.value !== "string") {
      this.fail(node, `${what} must be ${expected}, got ${this.describe(node)}`);
    }
    const v = (n as TreeScalar).value as string;
    if (v === "" && !allowEmpty) {
      this.fail(node, `${what} must be ${expected}, got the empty string`);
    }
    // A "\0" escape: no command line, file name or argument can hold it.
    if (v.includes("\0")) this.fail(node, `${what} must not contain a NUL character ("\\0")`);
    return v;
  }

  /** A string, or a non-empty list of strings. */
  strings(node: Node | null | undefined, what: string, expected: string): string[] {
    if (this.isSeq(node)) {
      const items = this.seq(node, what, expected);
      if (items.length === 0) this.fail(node, `${what} must be ${expected}, got an empty list`);
      return items.map((x) => this.string(x, `each item of ${what}`, expected.replace(/,.*/, "")));
    }
    return [this.string(node, what, expected)];
  }

  /** A boolean scalar. */
  boolean(node: Node | null | undefined, what: string): boolean {
    const n = this.deref(node);
    if (n === null || !isScalar(n) || typeof n.value !== "boolean") {
      this.fail(node, `${what} must be true or false, got ${this.describe(node)}`);
    }
    return (n as TreeScalar).value as boolean;
  }

  /** A whole number ≥ `min` (a YAML integer, not a float). */
  integer(node: Node | null | undefined, what: string, min: number): number {
    const n = this.deref(node);
    const v = n !== null && isScalar(n) ? n.value : undefined;
    if (typeof v !== "bigint" || v < BigInt(min) || v > MAX_SAFE) {
      this.fail(node, `${what} must be an integer ≥ ${min}, got ${this.describe(node)}`);
    }
    return Number(v);
  }

  /**
   * A node as a JSON value: YAML integers as integers (bigint beyond 2^53),
   * floats as floats (integral ones as {@link PyFloat}), as workspace/yaml.ts
   * reads them.
   */
  json(node: Node | null | undefined): JsonValue {
    const n = this.deref(node);
    if (n === null) return null;
    if (isMap(n)) {
      const out: JsonObject = {};
      const merges: (Node | null)[] = [];
      for (const p of n.items) {
        const keyNode = p[0];
        const k = this.deref(keyNode);
        const kv = k !== null && isScalar(k) ? k.value : undefined;
        if (kv === "<<") {
          merges.push(p[1]); // merged below, as map() does
          continue;
        }
        if (
          typeof kv !== "string" && typeof kv !== "bigint" && typeof kv !== "number" &&
          typeof kv !== "boolean"
        ) {
          this.fail(keyNode ?? n, `map keys must be strings, got ${this.describe(keyNode)}`);
        }
        Object.defineProperty(out, String(kv), {
          value: this.json(p[1]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      for (const m of merges) {
        const value = this.deref(m);
        for (const source of value !== null && isSeq(value) ? value.items : [m]) {
          const merged = this.deref(source);
          if (merged === null || !isMap(merged)) {
            this.fail(
              source ?? n,
              `'<<' merges maps (an alias of a map, or a list of them), got ${
                this.describe(source)
              }`,
            );
          }
          for (const [key, v] of Object.entries(this.json(merged) as JsonObject)) {
            if (Object.hasOwn(out, key)) continue;
            Object.defineProperty(out, key, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
        }
      }
      return out;
    }
    if (isSeq(n)) return n.items.map((x) => this.json(x));
    const v = (n as TreeScalar).value;
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "bigint") return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
    if (typeof v === "number") {
      return Number.isInteger(v) || Object.is(v, -0) ? new PyFloat(v) : v;
    }
    this.fail(n, `${this.describe(n)} is not a JSON value (string, number, boolean or null)`);
  }

  /**
   * Fails at the first key of `entries` that is not `allowed`, suggesting the
   * closest allowed key, else listing them: `unknown key 'comand' in
   * operation 'prep' (did you mean 'command'?)`.
   */
  checkKeys(entries: readonly Entry[], allowed: readonly string[], where: string): void {
    for (const e of entries) {
      if (allowed.includes(e.key)) continue;
      const hint = closest(e.key, allowed);
      this.fail(
        e.keyNode,
        `unknown key '${e.key}' ${where} ` +
          (hint ? `(did you mean '${hint}'?)` : `(expected ${allowed.join(", ")})`),
      );
    }
  }
}
