// Private helper of the flow.yaml reader: a parsed YAML document as plain
// data (maps, lists, scalars and aliases, each with where it starts), the form
// the reader (_reader.ts) works on. _parse.ts makes it from the YAML parser's
// document; the parse cache (parse_cache.ts) keeps it, encoded by
// encodeTree, so that a command whose flow.yaml has not changed reads the
// workflow without loading the YAML parser.

import type { SourcePosition } from "./_error.ts";

/** A scalar's value: YAML integers are bigints, floats numbers; undefined: any other (tagged) value. */
export type TreeValue = string | boolean | null | bigint | number | undefined;

/** A map: its pairs in file order (a key or value the parser left out is null). */
export interface TreeMap {
  readonly kind: "map";
  readonly at?: SourcePosition;
  readonly items: [TreeNode | null, TreeNode | null][];
}

/** A list. */
export interface TreeSeq {
  readonly kind: "seq";
  readonly at?: SourcePosition;
  readonly items: (TreeNode | null)[];
}

/** A scalar, with its tag when the value is none of TreeValue's kinds. */
export interface TreeScalar {
  readonly kind: "scalar";
  readonly at?: SourcePosition;
  readonly value: TreeValue;
  readonly tag?: string;
}

/** An alias `*source`: the node anchored `&source` latest before it (undefined: none). */
export interface TreeAlias {
  readonly kind: "alias";
  readonly at?: SourcePosition;
  readonly source: string;
  target: TreeNode | undefined;
}

/** One node of a document. */
export type TreeNode = TreeMap | TreeSeq | TreeScalar | TreeAlias;

/** Thrown by decodeTree for anything but what encodeTree writes. */
export class TreeFormatError extends Error {
  override name = "TreeFormatError";
}

type Encoded = (string | number | null)[];

/**
 * The tree as JSON-ready data: a list of nodes, each referring to others by
 * index, so that an anchored node shared by aliases is written once.
 * Scalars keep their kind (integer, float, string, ...) exactly.
 */
export function encodeTree(root: TreeNode | null): { root: number; nodes: Encoded[] } {
  const index = new Map<TreeNode, number>();
  const nodes: Encoded[] = [];
  const ref = (n: TreeNode | null): number => {
    if (n === null) return -1;
    const known = index.get(n);
    if (known !== undefined) return known;
    const i = nodes.length;
    index.set(n, i);
    const row: Encoded = [n.kind, n.at?.line ?? 0, n.at?.column ?? 0];
    nodes.push(row);
    if (n.kind === "map") {
      for (const [k, v] of n.items) row.push(ref(k), ref(v));
    } else if (n.kind === "seq") {
      for (const x of n.items) row.push(ref(x));
    } else if (n.kind === "alias") {
      row.push(n.source, n.target === undefined ? -1 : ref(n.target));
    } else {
      row.push(...encodeValue(n.value), n.tag ?? null);
    }
    return i;
  };
  return { root: ref(root), nodes };
}

function encodeValue(v: TreeValue): [string, string | number | null] {
  switch (typeof v) {
    case "string":
      return ["s", v];
    case "boolean":
      return ["b", v ? 1 : 0];
    case "bigint":
      return ["i", v.toString()];
    case "number":
      // NaN, the infinities and -0 have no JSON number.
      return ["f", Number.isFinite(v) && !Object.is(v, -0) ? v : String(v === 0 ? "-0" : v)];
    case "undefined":
      return ["o", null];
    default:
      return ["n", null];
  }
}

function decodeValue(kind: unknown, x: unknown): TreeValue {
  if (kind === "s" && typeof x === "string") return x;
  if (kind === "b" && (x === 0 || x === 1)) return x === 1;
  if (kind === "i" && typeof x === "string" && /^-?\d+$/.test(x)) return BigInt(x);
  if (kind === "f" && typeof x === "number") return x;
  if (kind === "f" && typeof x === "string" && ["NaN", "Infinity", "-Infinity", "-0"].includes(x)) {
    return x === "-0" ? -0 : Number(x);
  }
  if (kind === "o" && x === null) return undefined;
  if (kind === "n" && x === null) return null;
  throw new TreeFormatError(`bad scalar ${String(kind)}`);
}

/**
 * The tree that {@link encodeTree} encoded. Checks everything it reads.
 *
 * @throws {TreeFormatError} for anything else
 */
export function decodeTree(data: unknown): TreeNode | null {
  const { root, nodes } = (data ?? {}) as { root?: unknown; nodes?: unknown };
  if (!Array.isArray(nodes) || !Number.isInteger(root)) throw new TreeFormatError("no nodes");
  const rows = nodes as unknown[][];
  const made: TreeNode[] = rows.map((row) => {
    if (!Array.isArray(row) || row.length < 3) throw new TreeFormatError("bad node");
    const [kind, line, column] = row;
    if (!Number.isInteger(line) || !Number.isInteger(column)) throw new TreeFormatError("bad at");
    // A node without a position has no `at` at all, as the parser's tree.
    const at = line === 0 ? {} : { at: { line: line as number, column: column as number } };
    switch (kind) {
      case "map":
        if (row.length % 2 !== 1) throw new TreeFormatError("bad map");
        return { kind, ...at, items: [] };
      case "seq":
        return { kind, ...at, items: [] };
      case "alias":
        if (row.length !== 5 || typeof row[3] !== "string") throw new TreeFormatError("bad alias");
        return { kind, ...at, source: row[3], target: undefined };
      case "scalar": {
        if (row.length !== 6 || (row[5] !== null && typeof row[5] !== "string")) {
          throw new TreeFormatError("bad scalar");
        }
        const value = decodeValue(row[3], row[4]);
        return row[5] === null ? { kind, ...at, value } : { kind, ...at, value, tag: row[5] };
      }
      default:
        throw new TreeFormatError("bad kind");
    }
  });
  const node = (i: unknown): TreeNode | null => {
    if (i === -1) return null;
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= made.length) {
      throw new TreeFormatError("bad reference");
    }
    return made[i as number];
  };
  made.forEach((n, i) => {
    const row = rows[i];
    if (n.kind === "map") {
      for (let j = 3; j < row.length; j += 2) n.items.push([node(row[j]), node(row[j + 1])]);
    } else if (n.kind === "seq") {
      for (let j = 3; j < row.length; j++) n.items.push(node(row[j]));
    } else if (n.kind === "alias") {
      n.target = node(row[4]) ?? undefined;
    }
  });
  return node(root);
}
