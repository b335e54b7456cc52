/**
 * Property-based tests of job ids: `calcId` (statepoint.ts), Python-exact
 * `dumps`/`parse` (json.ts) and the value model (value.ts), on random state
 * points with nested objects and lists, hostile strings, ints beyond 2^53 and
 * floats of every kind. Seeds are fixed (`SEED`), so failures reproduce.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import { calcId, validateStatePoint } from "../../src/workspace/statepoint.ts";
import { dumps, JsonSyntaxError, parse } from "../../src/workspace/json.ts";
import {
  float,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  PyFloat,
} from "../../src/workspace/value.ts";
import {
  jsonArbitraries,
  jsonValue,
  objectFrom,
  objectKey,
  pyInt,
  scalar,
  statePoint,
} from "./_arbitraries.ts";

const ID = /^[0-9a-f]{32}$/;

/** A deep copy of `v` whose object keys are in an order chosen by `rand`, at every level. */
function shuffleKeys(v: JsonValue, rand: () => number): JsonValue {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rand));
  if (!isJsonObject(v)) return v;
  const entries = Object.keys(v).map((k) => [k, shuffleKeys(v[k], rand)] as const);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return objectFrom(entries);
}

/** A small deterministic generator of numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("property: calcId never throws and gives 32 lowercase hex digits", () => {
  fc.assert(
    fc.property(statePoint, (sp) => {
      const id = calcId(sp);
      assert(ID.test(id), id);
      // A generated state point is valid, and validation keeps its id.
      assertEquals(calcId(validateStatePoint(sp)), id);
    }),
    { seed: SEED, numRuns: 5000 },
  );
});

Deno.test("property: the id does not depend on the order of keys, at any depth", () => {
  fc.assert(
    fc.property(statePoint, fc.integer(), (sp, seed) => {
      const shuffled = shuffleKeys(sp, random(seed)) as JsonObject;
      assertEquals(calcId(shuffled), calcId(sp));
      assertEquals(dumps(shuffled, { sortKeys: true }), dumps(sp, { sortKeys: true }));
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

Deno.test("property: dumps → parse → dumps is a fixed point and parse gives the value back", () => {
  fc.assert(
    fc.property(jsonValue, (v) => {
      for (const options of [{}, { sortKeys: true }, { indent: 2 }]) {
        const text = dumps(v, options);
        const back = parse(text);
        assertEquals(dumps(back, options), text);
        assertEquals(back, v);
      }
    }),
    { seed: SEED, numRuns: 5000 },
  );
});

Deno.test("property: integral JS numbers beyond 2^53 print as integers and read back as big ints", () => {
  const unsafe = fc.double({ min: 2 ** 53, max: Number.MAX_VALUE, noNaN: true })
    .map((x) => Math.floor(x))
    .chain((x) => fc.constantFrom(x, -x));
  const { value } = jsonArbitraries({ dots: true, scalars: fc.oneof(scalar, unsafe) });
  fc.assert(
    fc.property(value, (v) => {
      const text = dumps(v);
      assertEquals(dumps(parse(text)), text);
    }),
    { seed: SEED, numRuns: 3000 },
  );
  fc.assert(
    fc.property(unsafe, (x) => {
      const text = dumps(x);
      assert(/^-?\d+$/.test(text), text);
      // The digits are JavaScript's shortest round-trip ones below 1e21 (not always the
      // double's exact value), so the big int read back is the same double, not always
      // the same integer.
      const back = parse(text);
      assert(typeof back === "bigint", text);
      assertEquals(Number(back), x);
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

Deno.test("property: an int and the float of the same value give different ids (as in Python)", () => {
  // Integers that a double holds exactly, so that float(n) has the value n.
  const exact = pyInt.filter((n) => BigInt(Number(n)) === BigInt(n));
  fc.assert(
    fc.property(statePoint, objectKey(), exact, fc.boolean(), (sp, key, n, inList) => {
      const asInt = typeof n === "bigint" ? n : n;
      const asFloat = new PyFloat(Number(n));
      const withInt = objectFrom([...Object.entries(sp), [key, inList ? [asInt] : asInt]]);
      const withFloat = objectFrom([...Object.entries(sp), [key, inList ? [asFloat] : asFloat]]);
      assert(calcId(withInt) !== calcId(withFloat), dumps(withInt));
      // float() of a non-integral number is that number: the same id.
      const x = Number(n) + 0.5;
      if (!Number.isInteger(x)) {
        assertEquals(calcId({ [key]: float(x) }), calcId({ [key]: x }));
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

/** Pieces of JSON-like text, so that random texts are often almost valid. */
const jsonish = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      "[",
      "]",
      "{",
      "}",
      '"',
      ",",
      ":",
      " ",
      "\n",
      "0",
      "1",
      "9",
      "-",
      "+",
      ".",
      "e",
      "E",
      "\\",
      "u",
      "NaN",
      "Infinity",
      "true",
      "null",
      '"a"',
      "\u00e9",
      "\ud800",
    ),
    maxLength: 40,
  }),
  jsonValue.map((v) => dumps(v)),
  // Mutations of valid text: one character cut out.
  fc.tuple(jsonValue, fc.nat()).map(([v, i]) => {
    const t = dumps(v);
    const at = i % (t.length + 1);
    return t.slice(0, at) + t.slice(at + 1);
  }),
  // Deep nesting, on both sides of the parser's limit of 1000 levels.
  fc.tuple(fc.integer({ min: 990, max: 5000 }), fc.constantFrom("1", "1.5", "")).map((
    [n, x],
  ) => "[".repeat(n) + x + "]".repeat(n)),
  fc.integer({ min: 990, max: 3000 }).map((n) => '{"a":'.repeat(n) + "0" + "}".repeat(n)),
);

Deno.test("property: parse of any text returns a value or throws JsonSyntaxError; the value dumps", () => {
  fc.assert(
    fc.property(jsonish, (text) => {
      let v: JsonValue;
      try {
        v = parse(text, "t.json");
      } catch (e) {
        assert(e instanceof JsonSyntaxError, `${e}`);
        assert(e.message.startsWith("t.json: invalid JSON at line "), e.message);
        return;
      }
      const again = dumps(v);
      assertEquals(dumps(parse(again)), again);
      if (isJsonObject(v)) assert(ID.test(calcId(v)));
    }),
    { seed: SEED, numRuns: 5000 },
  );
});

/** Python 3, if this machine has it. */
function python(): string | undefined {
  for (const name of ["python3", "python"]) {
    try {
      const out = new Deno.Command(name, { args: ["-c", "import sys; print(sys.version_info[0])"] })
        .outputSync();
      if (out.success && new TextDecoder().decode(out.stdout).trim() === "3") return name;
    } catch {
      // not installed
    }
  }
  return undefined;
}

const PYTHON = python();

// signac 2.x: md5(json.dumps(sp, sort_keys=True).encode()).hexdigest(), Python's default
// separators and ensure_ascii (see /work/shared/reference/signac-flow-facts.md).
const SIGNAC_ID = [
  "import hashlib, json, sys",
  "for line in sys.stdin:",
  "    sp = json.loads(line)",
  "    text = json.dumps(sp, sort_keys=True)",
  "    print(hashlib.md5(text.encode()).hexdigest())",
].join("\n");

Deno.test({
  name: "property: ids agree with Python's signac rule on 1000 random state points",
  ignore: PYTHON === undefined,
  fn() {
    const sps = fc.sample(statePoint, { seed: SEED, numRuns: 1000 });
    // Each line is our unsorted dumps: Python reads it, sorts the keys itself and hashes.
    const input = sps.map((sp) => dumps(sp)).join("\n") + "\n";
    const child = new Deno.Command(PYTHON!, {
      args: ["-c", SIGNAC_ID],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    return w.write(new TextEncoder().encode(input)).then(() => w.close()).then(() => child.output())
      .then((out) => {
        assert(out.success, new TextDecoder().decode(out.stderr));
        const ids = new TextDecoder().decode(out.stdout).trim().split("\n");
        assertEquals(ids.length, sps.length);
        const mismatches = sps.map((sp, i) => [dumps(sp), calcId(sp), ids[i]])
          .filter(([, ours, theirs]) => ours !== theirs);
        assertEquals(mismatches, []);
      });
  },
});

// Regressions the properties above found (ids computed by Python 3.11's json and hashlib).

Deno.test("regression: keys with lone surrogates sort by code point, as Python sorts them", () => {
  // A lone low surrogate (U+DFC2) sorts before U+9DF6B, written as a surrogate pair.
  const sp = parse('{"\\uda37\\udf6b": 2, "\\udfc2d": 1}') as JsonObject;
  assertEquals(dumps(sp, { sortKeys: true }), '{"\\udfc2d": 1, "\\uda37\\udf6b": 2}');
  assertEquals(calcId(sp), "b8cbee7b696958aefa1ec18cf8673b12");
  // A lone high surrogate followed by "x" (U+D800, U+0078) sorts before U+10000.
  const sp2 = parse('{"\\ud800\\udc00": 2, "\\ud800x": 1}') as JsonObject;
  assertEquals(calcId(sp2), "addb47e59b044c6a76d5dff15e117a96");
});

Deno.test("regression: parse refuses nesting deeper than 1000 levels on its fast path too", () => {
  // The top-level value is at level 0; a value at level 1001 is refused, as the exact parser does.
  const deep = ["[".repeat(1002) + "]".repeat(1002), '{"a":'.repeat(1001) + "0" + "}".repeat(1001)];
  for (const text of deep) {
    let caught: unknown;
    try {
      parse(text, "doc.json");
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof JsonSyntaxError, String(caught));
    assert(caught.message.endsWith("nesting too deep"), caught.message);
  }
  assertEquals(dumps(parse("[".repeat(1001) + "]".repeat(1001))).length, 2002);
  assertEquals(dumps(parse('{"a":'.repeat(1000) + "0" + "}".repeat(1000))).length, 7001);
});
