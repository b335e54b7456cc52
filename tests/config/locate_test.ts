import { assertEquals } from "../_assert.ts";
import { locateValue } from "../../src/config/locate.ts";

const TEXT = [
  "x-part: &part {cpusPerNode: 64, maxNodes: 2}", // 1
  "clusters:", // 2
  "  my.lab:", // 3
  "    scheduler: slrum", // 4
  "    env: [A=1, 'B 2']", // 5
  "  other:", // 6
  "    partitions:", // 7
  "      cpu: {<<: *part, default: true}", // 8
  "      gpu: {cpusPerNod: 4}", // 9
].join("\n") + "\n";

Deno.test("locateValue: dotted paths, names with dots, list items, keys, merged values", () => {
  const at = (path: string, key?: string) => locateValue(TEXT, "flow.yaml", path, key);
  assertEquals(at("clusters.my.lab.scheduler"), { line: 4, column: 16 });
  assertEquals(at("clusters.my.lab"), { line: 4, column: 5 });
  assertEquals(at("clusters.my.lab.env[1]"), { line: 5, column: 16 });
  // An unknown key: the key itself.
  assertEquals(at("clusters.other.partitions.gpu", "cpusPerNod"), { line: 9, column: 13 });
  // A value merged from an anchor: where it is written.
  assertEquals(at("clusters.other.partitions.cpu.cpusPerNode"), { line: 1, column: 29 });
  // Nothing there, or text that does not parse: no position.
  assertEquals(at("clusters.nope.scheduler"), undefined);
  assertEquals(at("clusters.my.lab.env[7]"), undefined);
  assertEquals(locateValue("a: [", "flow.yaml", "a"), undefined);
});
