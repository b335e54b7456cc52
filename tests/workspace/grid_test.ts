import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { expandGrid } from "../../src/workspace/grid.ts";
import { readGridFile } from "../../src/workspace/grid_file.ts";
import { parseYaml, YamlError } from "../../src/workspace/yaml.ts";
import { UsageError } from "../../src/errors.ts";
import { PyFloat } from "../../src/workspace/value.ts";
import { calcId } from "../../src/workspace/statepoint.ts";

Deno.test("expandGrid: cartesian product, first key slowest, scalars constant", () => {
  assertEquals(expandGrid({ a: [1, 2], b: ["x", "y"], c: true }), [
    { a: 1, b: "x", c: true },
    { a: 1, b: "y", c: true },
    { a: 2, b: "x", c: true },
    { a: 2, b: "y", c: true },
  ]);
  assertThrows(() => expandGrid({ a: [] }), UsageError, "empty list");
});

Deno.test("YAML keeps ints and floats apart, so ids match signac", () => {
  const v = parseYaml(
    "a: 1\nb: 1.0\nc: 1e3\nd: 18446744073709551616\ne: .inf\n",
    "t.yaml",
  ) as Record<
    string,
    unknown
  >;
  assertEquals(v.a, 1);
  assert(v.b instanceof PyFloat && v.c instanceof PyFloat);
  assertEquals(v.d, 2n ** 64n);
  assertEquals(v.e, Infinity);
  assertEquals(calcId(parseYaml("a: 1.0", "t") as never), "4b8937963abc9e9148b4524d4f837b4b");
});

Deno.test("YAML errors name file, line and column; alias bombs are refused", () => {
  assertThrows(
    () => parseYaml("a: [1,\nb: 2", "grid.yaml"),
    YamlError,
    "grid.yaml: invalid YAML at line",
  );
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 0; i < 8; i++) {
    const prev = String.fromCharCode(97 + i);
    const next = String.fromCharCode(98 + i);
    bomb.push(`${next}: &${next} [${Array(10).fill("*" + prev).join(", ")}]`);
  }
  assertThrows(() => parseYaml(bomb.join("\n"), "bomb.yaml"), YamlError, "bomb.yaml");
});

Deno.test("readGridFile reads YAML and JSON grids", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/g.yaml`, "T: [1.0, 2.0]\nseed: [0, 1, 2]\n");
    Deno.writeTextFileSync(`${dir}/g.json`, '{"T": [1.0], "p": ["a", "b"]}');
    Deno.writeTextFileSync(`${dir}/bad.yaml`, "- 1\n- 2\n");
    assertEquals(readGridFile(`${dir}/g.yaml`).length, 6);
    const j = readGridFile(`${dir}/g.json`);
    assert(j[0].T instanceof PyFloat);
    assertThrows(() => readGridFile(`${dir}/bad.yaml`), UsageError, "a grid must be a map");
    assertThrows(() => readGridFile(`${dir}/none.yaml`), UsageError, "cannot read grid file");
  });
});
