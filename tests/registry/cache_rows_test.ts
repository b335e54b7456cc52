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

Deno.test("CacheRows: stamps compared as numbers where they lie (dirTimesAre, docTimesAre, noDoc)", () => {
  const line = (dir: string, doc: string) => `id ${dir} ${doc} 1\n`;
  const rowsOf = (dir: string, doc = "0") => CacheRows.parse(line(dir, doc), 0)!;
  // [recorded directory stamp, m, c, equal]
  const table: [string, number, number, boolean][] = [
    ["1796299861568:1796299861000", 1796299861568, 1796299861000, true],
    ["1796299861568:1796299861000", 1796299861569, 1796299861000, false],
    ["1796299861568:1796299861000", 1796299861568, 1796299862000, false],
    ["1796299861568:1796299861000", 179629986156, 1796299861000, false],
    ["0:0", 0, 0, true],
    ["-5:10", -5, 10, true],
    ["-5:10", 5, 10, false],
    ["-0:0", 0, 0, false], // never written by `${m}`
    ["05:5", 5, 5, false], // nor a leading zero
    ["5:", 5, 0, false],
    [":5", 0, 5, false],
    ["5", 5, 5, false],
    ["5:5:5", 5, 5, false],
    ["5a:5", 5, 5, false],
    ["5/:5", 49, 5, false], // "/" is no digit, even where 5 * 10 - 1 would match
    ["+5:5", 5, 5, false],
  ];
  for (const [stamp, m, c, equal] of table) {
    const rows = rowsOf(stamp);
    assertEquals(rows.dirTimesAre(0, m, c), equal, `${stamp} against ${m}:${c}`);
    // The same answer as comparing the text: what the stamps are written as.
    assertEquals(rows.dirIs(0, `${m}:${c}`), equal, stamp);
  }
  // Past 15 digits (year 33,658 in ms) a number might not be read back exactly: never equal, so
  // the job is evaluated again (the safe side), where the text would match.
  assert(!rowsOf("1234567890123456:1").dirTimesAre(0, 1234567890123456, 1));
  assert(rowsOf("123456789012345:1").dirTimesAre(0, 123456789012345, 1));
  assert(rowsOf("1:1").noDoc(0));
  const withDoc = rowsOf("1:1", "20:30");
  assert(!withDoc.noDoc(0));
  assert(withDoc.docTimesAre(0, 20, 30));
  assert(!withDoc.docTimesAre(0, 20, 31));
  assert(!rowsOf("1:1", "00").noDoc(0), "00 is not 0");
  // Any two times of a file system: equal as numbers exactly when equal as written.
  fc.assert(
    fc.property(
      fc.integer({ min: -1e12, max: 4e12 }),
      fc.integer({ min: 0, max: 4e12 }),
      fc.integer({ min: -1e12, max: 4e12 }),
      fc.integer({ min: 0, max: 4e12 }),
      (m, c, m2, c2) => {
        const rows = rowsOf(`${m}:${c}`);
        return rows.dirTimesAre(0, m, c) && rows.dirTimesAre(0, m2, c2) === (m === m2 && c === c2);
      },
    ),
    { seed: SEED },
  );
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
