// src/registry/_cache_rows.ts: the sorted lines of a condition cache file, read in place.
import { assert, assertEquals } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import { CacheRows } from "../../src/registry/_cache_rows.ts";

const TEXT = "header\n" +
  "a 1:1 0 10\n" +
  "ab 2:2 3:3 -1\n" +
  "abc 10:20 0 \n" +
  "b 4:4 5:5 0-1\n";

Deno.test("CacheRows: fields of each line, read in place", () => {
  const rows = CacheRows.parse(TEXT, TEXT.indexOf("\n") + 1)!;
  assertEquals(rows.size, 4);
  assertEquals([0, 1, 2, 3].map((r) => rows.id(r)), ["a", "ab", "abc", "b"]);
  assertEquals(rows.entry(1), { dir: "2:2", doc: "3:3", codes: "-1" });
  assertEquals(rows.entry(2), { dir: "10:20", doc: "0", codes: "" });
  assertEquals(rows.doc(0), "0");
  assert(rows.dirIs(2, "10:20"));
  for (const wrong of ["10:2", "10:200", "1:1", ""]) assert(!rows.dirIs(2, wrong), wrong);
  assertEquals([rows.code(3, 0), rows.code(3, 1), rows.code(3, 2)], [48, 45, 49]);
  assert(Number.isNaN(rows.code(3, 3)), "past the codes");
  assert(Number.isNaN(rows.code(2, 0)), "no codes");
  assertEquals(rows.lines(1, 3), "ab 2:2 3:3 -1\nabc 10:20 0 \n");
  assertEquals(CacheRows.parse("", 0)!.size, 0);
});

Deno.test("CacheRows.of: the same rows in another copy of the text, from the line starts", () => {
  const rows = CacheRows.parse(TEXT, TEXT.indexOf("\n") + 1)!;
  // A copy made apart from the original (as a Worker reads the file again).
  const copy = [...TEXT].join("");
  const again = CacheRows.of(copy, structuredClone(rows.lineStarts()));
  assertEquals(again.size, rows.size);
  for (let r = 0; r < rows.size; r++) {
    assertEquals(again.id(r), rows.id(r));
    assertEquals(again.entry(r), rows.entry(r));
  }
  assertEquals(again.find("abc"), 2);
});

Deno.test("CacheRows.find: in order, again, backwards, by search, and ids that are prefixes", () => {
  const rows = CacheRows.parse(TEXT, TEXT.indexOf("\n") + 1)!;
  const cases: [string, number][] = [
    ["a", 0],
    ["a", 0],
    ["ab", 1],
    ["abc", 2],
    ["b", 3],
    ["ab", 1],
    ["a", 0],
    ["b", 3],
    ["", -1],
    ["aa", -1],
    ["abcd", -1],
    ["c", -1],
    ["A", -1],
    ["abc", 2],
  ];
  for (const [id, row] of cases) assertEquals(rows.find(id), row, JSON.stringify(id));
  assertEquals(rows.compare(1, "ab"), 0);
  assert(rows.compare(1, "abc") < 0 && rows.compare(1, "a") > 0 && rows.compare(1, "b") < 0);
});

Deno.test("CacheRows.parse: refuses malformed, unsorted or repeated lines", () => {
  const bad = [
    "a 1:1 0\n", // three fields
    "a 1:1 0 1", // no newline at the end
    " 1:1 0 1\n", // empty id
    "a 1:1\n0 1\n", // fields across lines
    "b 1:1 0 1\na 1:1 0 1\n", // not sorted
    "a 1:1 0 1\na 2:2 0 1\n", // the same id twice
    "ab 1:1 0 1\na 1:1 0 1\n", // a prefix after the longer id
  ];
  for (const text of bad) assertEquals(CacheRows.parse(text, 0), undefined, JSON.stringify(text));
  assert(CacheRows.parse("a 1:1 0 1\nab 1:1 0 1\nb 1:1 0 1\n", 0));
});

Deno.test("CacheRows: any sorted set of ids is found, in any order, as < orders strings", () => {
  const id = fc.string({ unit: fc.constantFrom("0", "1", "a", "f", "é", "~"), minLength: 1 });
  fc.assert(
    fc.property(fc.uniqueArray(id, { maxLength: 40 }), fc.array(id), (ids, probes) => {
      const sorted = [...ids].sort();
      const rows = CacheRows.parse(sorted.map((i) => `${i} 1:1 0 1\n`).join(""), 0)!;
      assertEquals(rows.size, sorted.length);
      for (const p of [...probes, ...[...ids].reverse(), ...sorted]) {
        assertEquals(rows.find(p), sorted.indexOf(p), JSON.stringify(p));
      }
      // The file's order check agrees with sort(): a shuffled list parses only if already sorted.
      const shuffled = [...ids].reverse();
      const sortedAlready = shuffled.every((x, i) => i === 0 || shuffled[i - 1] < x);
      const parsed = CacheRows.parse(shuffled.map((i) => `${i} 1:1 0 1\n`).join(""), 0);
      assertEquals(parsed !== undefined, sortedAlready);
    }),
    { seed: SEED, numRuns: 500 },
  );
});
