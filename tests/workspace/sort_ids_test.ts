import { assertEquals } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import { idKey, sortIds, sortIdsByKeys } from "../../src/workspace/_sort_ids.ts";

const ID = (head: string) => head + "0".repeat(32 - head.length);

Deno.test("sortIds: the order of ids.sort(), in place", () => {
  const cases: [string, string[]][] = [
    ["empty", []],
    ["one", [ID("a")]],
    ["job ids", [ID("f"), ID("0"), ID("9"), ID("a")]],
    // The key is the first 8 digits: ids that share them are put in order whole.
    ["same first 8 digits", [ID("12345678f"), ID("123456780"), ID("12345678a"), ID("0")]],
    ["two runs of shared keys", [
      ID("bbbbbbbb2"),
      ID("aaaaaaaa2"),
      ID("bbbbbbbb1"),
      ID("aaaaaaaa1"),
    ]],
    ["duplicates", [ID("c"), ID("c"), ID("b")]],
    ["the largest key", [ID("ffffffff"), ID("fffffffe"), ID("00000000")]],
    // Not all ids: the plain sort.
    ["upper case", [ID("B"), ID("a"), ID("A")]],
    ["short", ["abc", ID("a"), "0"]],
    ["not hex", [ID("g"), ID("a"), ID("-")]],
  ];
  for (const [what, ids] of cases) {
    const copy = [...ids];
    const out = sortIds(copy);
    assertEquals(out, [...ids].sort(), what);
    assertEquals(out === copy, true, `${what}: in place`);
  }
});

Deno.test("sortIds: any list of hexadecimal names, many sharing their first digits", () => {
  const digit = fc.constantFrom(..."0123456789abcdef");
  // Few distinct heads, so that keys collide often; tails of any length from 0.
  const id = fc.tuple(
    fc.constantFrom("00000000", "0000000f", "deadbeef", "ffffffff"),
    fc.string({ unit: digit, maxLength: 24 }),
  )
    .map(([head, tail]) => head + tail);
  fc.assert(
    fc.property(fc.array(id, { maxLength: 60 }), (ids) => {
      assertEquals(sortIds([...ids]), [...ids].sort());
    }),
    { seed: SEED },
  );
});

Deno.test("sortIds: 100,000 random job ids, as a large workspace lists them", () => {
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
  const ids = Array.from({ length: 100_000 }, () => {
    let s = "";
    for (let k = 0; k < 32; k++) s += "0123456789abcdef"[next() % 16];
    return s;
  });
  assertEquals(sortIds([...ids]), [...ids].sort());
});

Deno.test("idKey: the first 8 hexadecimal digits from a position, or -1", () => {
  const cases: [string, number, number][] = [
    ["00000000", 0, 0],
    ["0000001f", 0, 31],
    ["ffffffff", 0, 2 ** 32 - 1],
    ["x0000001f", 1, 31],
    ["0000001f/", 0, 31], // what follows the 8 digits does not count
    ["0000001F", 0, -1], // upper case orders differently
    ["0000001", 0, -1], // too short
    ["x000000", 1, -1], // too short from there
    ["0000g000", 0, -1],
    ["0000 000", 0, -1],
  ];
  for (const [text, at, key] of cases) assertEquals(idKey(text, at), key, `${text} at ${at}`);
});

Deno.test("sortIdsByKeys: the order of ids.sort(), with the keys found beside the ids (a longer buffer of keys too)", () => {
  const digit = fc.constantFrom(..."0123456789abcdef");
  const id = fc.tuple(
    fc.constantFrom("00000000", "0000000f", "deadbeef", "ffffffff"),
    fc.string({ unit: digit, minLength: 24, maxLength: 24 }),
  ).map(([head, tail]) => head + tail);
  fc.assert(
    fc.property(fc.array(id, { maxLength: 60 }), fc.nat(5), (ids, extra) => {
      const keys = new Float64Array(ids.length + extra);
      ids.forEach((x, i) => keys[i] = idKey(x, 0));
      const copy = [...ids];
      const out = sortIdsByKeys(copy, keys);
      assertEquals(out, [...ids].sort());
      assertEquals(out === copy, true, "in place");
    }),
    { seed: SEED },
  );
});
