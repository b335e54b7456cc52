// The plain document tree of flow.yaml (src/config/_tree.ts): what the parse cache keeps.
import { assert, assertEquals } from "../_assert.ts";
import {
  decodeTree,
  encodeTree,
  TreeFormatError,
  type TreeNode,
  type TreeValue,
} from "../../src/config/_tree.ts";
import { parseTree } from "../../src/config/_parse.ts";

/** Encodes, writes as JSON text, reads back and decodes: what the cache does. */
function roundTrip(root: TreeNode | null): TreeNode | null {
  return decodeTree(JSON.parse(JSON.stringify(encodeTree(root))));
}

const at = { line: 3, column: 7 };

Deno.test("every scalar kind comes back as it was, integers and floats apart", () => {
  const values: [string, TreeValue][] = [
    ["a string", "T: {job.sp.T}"],
    ["the empty string", ""],
    ["true", true],
    ["false", false],
    ["null", null],
    ["an integer", 42n],
    ["an integer beyond 2^53", 12345678901234567890123n],
    ["a negative integer", -7n],
    ["a float", 1.5],
    ["an integral float", 1],
    ["minus zero", -0],
    ["NaN", NaN],
    ["infinity", Infinity],
    ["minus infinity", -Infinity],
    ["another value (tagged)", undefined],
  ];
  for (const [what, value] of values) {
    const node: TreeNode = value === undefined
      ? { kind: "scalar", at, value, tag: "tag:yaml.org,2002:binary" }
      : { kind: "scalar", at, value };
    const back = roundTrip(node);
    assertEquals(back, node, what);
    if (typeof value === "number") {
      assert(Object.is((back as { value: unknown }).value, value), what);
    }
  }
});

Deno.test("maps, lists, empty entries and positions come back; a node without one has none", () => {
  const tree: TreeNode = {
    kind: "map",
    at: { line: 1, column: 1 },
    items: [
      [{ kind: "scalar", at: { line: 1, column: 1 }, value: "operations" }, {
        kind: "seq",
        at: { line: 2, column: 3 },
        items: [null, { kind: "scalar", value: "x" }],
      }],
      [{ kind: "scalar", at: { line: 4, column: 1 }, value: "empty" }, null],
      [null, { kind: "map", at: { line: 5, column: 2 }, items: [] }],
    ],
  };
  assertEquals(roundTrip(tree), tree);
  assertEquals(roundTrip(null), null);
});

Deno.test("aliases keep their target, shared and written once; unknown and cyclic ones stay so", () => {
  const anchored: TreeNode = {
    kind: "map",
    at: { line: 1, column: 6 },
    items: [[{ kind: "scalar", value: "np" }, { kind: "scalar", value: 4n }]],
  };
  const tree: TreeNode = {
    kind: "seq",
    items: [
      anchored,
      { kind: "alias", at: { line: 2, column: 3 }, source: "d", target: anchored },
      { kind: "alias", at: { line: 3, column: 3 }, source: "d", target: anchored },
      { kind: "alias", at: { line: 4, column: 3 }, source: "nope", target: undefined },
    ],
  };
  const encoded = encodeTree(tree);
  assertEquals(encoded.nodes.filter((n) => n[0] === "map").length, 1);
  const back = roundTrip(tree) as Extract<TreeNode, { kind: "seq" }>;
  assertEquals(back, tree);
  const [a, b, c, d] = back.items as TreeNode[];
  assert(b.kind === "alias" && c.kind === "alias" && d.kind === "alias");
  assert(b.target === a && c.target === a, "both aliases point to the one decoded node");
  assertEquals(d.target, undefined);

  // An alias inside the node it names (the reader reports it; the tree must hold it).
  const cyclic: TreeNode = { kind: "seq", items: [] };
  cyclic.items.push({ kind: "alias", source: "c", target: cyclic });
  const back2 = roundTrip(cyclic) as Extract<TreeNode, { kind: "seq" }>;
  const alias = back2.items[0] as Extract<TreeNode, { kind: "alias" }>;
  assert(alias.target === back2);
});

Deno.test("parsed YAML: what the parser gives, as a tree that survives the round trip", () => {
  const text = [
    "base: &d {np: 2, walltime: 1.0}",
    "big: 123456789012345678901",
    "odd: [.nan, -.inf, -0.0, ~, yes, 'no']",
    "uses: *d",
    "missing: *x",
    "",
  ].join("\n");
  const tree = parseTree(text, "flow.yaml");
  assert(tree?.kind === "map");
  const entry = (k: string) =>
    tree.items.find(([key]) => key?.kind === "scalar" && key.value === k)!;
  assertEquals(entry("big")[1], {
    kind: "scalar",
    at: { line: 2, column: 6 },
    value: 123456789012345678901n,
  });
  const odd = entry("odd")[1];
  assert(odd?.kind === "seq");
  const values = odd.items.map((n) => n?.kind === "scalar" ? n.value : "?");
  assertEquals(values, [NaN, -Infinity, -0, null, "yes", "no"]);
  const uses = entry("uses")[1];
  assert(uses?.kind === "alias" && uses.target === entry("base")[1]);
  const missing = entry("missing")[1];
  assert(missing?.kind === "alias" && missing.target === undefined);
  assertEquals(missing.at, { line: 5, column: 10 });
  assertEquals(roundTrip(tree), tree);
});

Deno.test("decodeTree refuses anything encodeTree does not write", () => {
  const good = encodeTree({ kind: "scalar", value: 1n });
  const bad: [string, unknown][] = [
    ["nothing", undefined],
    ["no nodes", { root: 0 }],
    ["a root that is not a number", { root: "0", nodes: good.nodes }],
    ["a root out of range", { root: 5, nodes: good.nodes }],
    ["a node that is not a list", { root: 0, nodes: [{}] }],
    ["an unknown kind", { root: 0, nodes: [["thing", 0, 0]] }],
    ["a position that is not a number", { root: 0, nodes: [["seq", "1", 0]] }],
    ["a scalar kind that does not exist", { root: 0, nodes: [["scalar", 0, 0, "x", 1, null]] }],
    ["an integer that is not one", { root: 0, nodes: [["scalar", 0, 0, "i", "1.5", null]] }],
    ["a float given as any string", { root: 0, nodes: [["scalar", 0, 0, "f", "1e3", null]] }],
    ["a boolean given as 2", { root: 0, nodes: [["scalar", 0, 0, "b", 2, null]] }],
    ["a tag that is not a string", { root: 0, nodes: [["scalar", 0, 0, "s", "a", 5]] }],
    ["a short scalar", { root: 0, nodes: [["scalar", 0, 0, "s"]] }],
    ["a map with a key and no value", { root: 0, nodes: [["map", 0, 0, -1]] }],
    ["a reference out of range", { root: 0, nodes: [["seq", 0, 0, 3]] }],
    ["a reference that is not an integer", { root: 0, nodes: [["seq", 0, 0, 0.5]] }],
    ["an alias without a name", { root: 0, nodes: [["alias", 0, 0, 1, -1]] }],
  ];
  for (const [what, data] of bad) {
    let caught: unknown;
    try {
      decodeTree(data);
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof TreeFormatError, `${what}: ${caught}`);
  }
  assertEquals(decodeTree(JSON.parse(JSON.stringify(good))), { kind: "scalar", value: 1n });
});
