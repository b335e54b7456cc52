import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { parseDocument } from "../../src/deps.ts";
import { duplicateKey, parseYaml, YamlError } from "../../src/workspace/yaml.ts";

Deno.test("parseYaml: a key given twice in a map is an error naming both places", () => {
  assertEquals(
    assertThrows(() => parseYaml("T: [1, 2]\nseed: 0\nT: 3\n", "grid.yaml"), YamlError).message,
    "grid.yaml: invalid YAML at line 3, column 1: key 'T' appears twice in the same map " +
      "(first at line 1, column 1)",
  );
  assertThrows(() => parseYaml("a: {x: 1, x: 2}", "g.yaml"), YamlError, "key 'x' appears twice");
  assertThrows(() => parseYaml("- {a: 1}\n- b: 1\n  b: 2\n", "g.yaml"), YamlError, "key 'b'");
});

Deno.test("duplicateKey compares scalar keys by value, as the yaml package does", () => {
  const dup = (text: string) => duplicateKey(parseDocument(text, { uniqueKeys: false }))?.message;
  assertEquals(dup("a: 1\nb: 2\n"), undefined);
  // The int 1 and the string "1" are different keys; two nulls are the same.
  assertEquals(dup("1: a\n'1': b\n"), undefined);
  assertEquals(dup("? ~\n: a\n? null\n: b\n"), "key 'null' appears twice in the same map");
  // The same key in different maps is fine; aliases are not followed.
  assertEquals(dup("a: {x: 1}\nb: {x: 1}\nc: &c {y: 1}\nd: *c\n"), undefined);
  assertEquals(dup("a:\n  - {x: 1, x: 2}\n"), "key 'x' appears twice in the same map");
});

Deno.test("parseYaml: duplicate keys are found in linear time (hang guard, not a benchmark)", () => {
  // The yaml package's own uniqueKeys check took ~15 s here for 40,000 keys (quadratic).
  const lines = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`);
  const start = performance.now();
  assertThrows(
    () => parseYaml([...lines, "k0: again"].join("\n"), "big.yaml"),
    YamlError,
    "key 'k0' appears twice",
  );
  const ms = performance.now() - start;
  assert(ms < 10_000, `took ${ms.toFixed(0)} ms`);
});
