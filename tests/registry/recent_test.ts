import { assertEquals } from "../_assert.ts";
import { RecentMap } from "../../src/registry/_recent.ts";

Deno.test("RecentMap: keeps the entries of the last `limit` keys set", () => {
  const cases: { limit: number; ops: [string, string?][]; kept: string[] }[] = [
    { limit: 2, ops: [["a"], ["b"], ["c"]], kept: ["b", "c"] },
    // Setting a kept key again changes its value, not its place.
    { limit: 2, ops: [["a"], ["b"], ["a"], ["c"]], kept: ["b", "c"] },
    { limit: 3, ops: [["a"], ["b"], ["c"], ["d"], ["e"]], kept: ["c", "d", "e"] },
    // A deleted key is gone at once; set again, it is new.
    { limit: 2, ops: [["a"], ["a", "delete"], ["b"]], kept: ["b"] },
    { limit: 1, ops: [["a"], ["b"]], kept: ["b"] },
    { limit: Infinity, ops: [["a"], ["b"], ["c"], ["d"]], kept: ["a", "b", "c", "d"] },
  ];
  for (const { limit, ops, kept } of cases) {
    const m = new RecentMap<string>(limit);
    for (const [key, op] of ops) {
      if (op === "delete") m.delete(key);
      else m.set(key, key.toUpperCase());
    }
    const what = `${limit}: ${ops.map(([k, op]) => op ? `${op} ${k}` : k).join(", ")}`;
    assertEquals(["a", "b", "c", "d", "e"].filter((k) => m.get(k) !== undefined), kept, what);
    assertEquals(m.size, kept.length, what);
    for (const k of kept) assertEquals(m.get(k), k.toUpperCase(), what);
  }
});

Deno.test("RecentMap: 100,000 keys through a window of 64 keep the last 64", () => {
  const m = new RecentMap<number>(64);
  for (let i = 0; i < 100_000; i++) m.set(`job${i}`, i);
  assertEquals(m.size, 64);
  assertEquals(m.get("job99935"), undefined);
  assertEquals(m.get("job99936"), 99936);
  assertEquals(m.get("job99999"), 99999);
});
