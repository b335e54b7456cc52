// src/_sorted_lines.ts: lines sorted by the key that starts each line, read in place. The finding
// of lines (next to the last one, backwards, by search) is tested through CacheRows in
// tests/registry/cache_rows_test.ts; these cases are about keys ending at the separator or at the
// end of a line, as in the workspace index.
import { assert, assertEquals } from "./_assert.ts";
import { fc, SEED } from "./_fast_check.ts";
import { SortedLines } from "../src/_sorted_lines.ts";

const TAB = 9;

function lines(text: string, from = 0, to = text.length): SortedLines | undefined {
  const starts = SortedLines.scan(text, from, to, TAB);
  return starts && new SortedLines(text, starts, TAB);
}

Deno.test("SortedLines: keys end at the separator or the end of the line", () => {
  const text = "a\nab\tx\nabc\nb\ty\tz\n";
  const l = lines(text)!;
  assertEquals(l.size, 4);
  assertEquals([0, 1, 2, 3].map((r) => l.key(r)), ["a", "ab", "abc", "b"]);
  const cases: [string, number][] = [
    ["ab", 1],
    ["a", 0],
    ["abc", 2],
    ["b", 3],
    ["abcd", -1],
    ["b\ty", -1],
    ["", -1],
    ["c", -1],
  ];
  for (const [key, row] of cases) assertEquals(l.find(key), row, JSON.stringify(key));
  assertEquals(l.lines(1, 3), "ab\tx\nabc\n");
  assertEquals(lines("")!.size, 0);
});

Deno.test("SortedLines.scan: a range of the text; refuses unsorted, repeated, empty keys, no newline", () => {
  const text = "header\nb\t1\nc\n!tail\n";
  const l = lines(text, 7, 13)!;
  assertEquals([l.size, l.key(0), l.key(1)], [2, "b", "c"]);
  const bad = [
    "b\na\n", // not sorted
    "a\ta\na\n", // the same key twice, once with the separator
    "a\na\tx\n", // ...the other way round
    "ab\na\tx\n", // a prefix after the longer key
    "\tx\n", // empty key
    "\n", // empty line
    "a\nb", // no newline at the end
  ];
  for (const t of bad) assertEquals(lines(t), undefined, JSON.stringify(t));
  assertEquals(lines("a\nb\n", 0, 3), undefined, "a line that runs past the range");
  let seen = 0;
  const valid = (start: number, end: number) => (seen++, end - start !== 2);
  assertEquals(SortedLines.scan("a\nbb\n", 0, 5, TAB, valid), undefined, "refused by `valid`");
  assertEquals(seen, 2);
});

Deno.test("SortedLines: any sorted keys, with or without a rest, are found as < orders strings", () => {
  const key = fc.string({ unit: fc.constantFrom("0", "a", "f", "é", "~", " "), minLength: 1 });
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(key, fc.boolean()), { maxLength: 30, selector: ([k]) => k }),
      fc.array(key),
      (entries, probes) => {
        const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : 1));
        const keys = sorted.map(([k]) => k);
        const text = sorted.map(([k, rest]) => (rest ? `${k}\t{"x": 1}\n` : `${k}\n`)).join("");
        const l = lines(text)!;
        assert(l, text);
        for (const p of [...probes, ...[...keys].reverse(), ...keys]) {
          assertEquals(l.find(p), keys.indexOf(p), JSON.stringify(p));
        }
        assertEquals(keys.map((_, r) => l.key(r)), keys);
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});
