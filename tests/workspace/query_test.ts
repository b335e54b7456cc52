import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  compileFilter,
  filterUsesDoc,
  matches,
  QueryError,
  type QueryRecord,
} from "../../src/workspace/query.ts";
import { parse } from "../../src/workspace/json.ts";
import { UsageError } from "../../src/errors.ts";
import { float, type JsonObject, type JsonValue, PyFloat } from "../../src/workspace/value.ts";

// A small population; each filter case lists exactly the records it must select.
const RECORDS: Record<string, QueryRecord> = {
  int1: {
    sp: { a: 1, s: "foo", b: true, n: null, l: [1, 2], o: { x: 1, y: { z: "deep" } } },
    doc: { done: true, score: 0.5, tags: ["x"] },
  },
  float1: {
    sp: { a: float(1), s: "bar", b: false, l: [1, float(2)], o: { x: 2 } },
    doc: { done: false, score: float(3) },
  },
  half: { sp: { a: 1.5, s: "Foo", l: [], o: {} }, doc: {} },
  big: { sp: { a: 2n ** 70n, s: "" } },
  str1: { sp: { a: "1", s: "baz", b: 1 } },
  empty: { sp: {} },
  nulla: { sp: { a: null } },
  list: { sp: { a: [1, 2, 3] } },
  obj: { sp: { a: { b: 1, c: [1] } } },
};
const NAMES = Object.keys(RECORDS);

function select(filter: unknown): string[] {
  const f = compileFilter(filter);
  return NAMES.filter((n) => f(RECORDS[n]));
}

const ALL = NAMES;
const but = (...names: string[]) => NAMES.filter((n) => !names.includes(n));

const CASES: [string, unknown, string[]][] = [
  // no filter
  ["undefined matches all", undefined, ALL],
  ["null matches all", null, ALL],
  ["{} matches all", {}, ALL],
  // plain equality and the numeric rule
  ["int 1 matches 1 and 1.0", { a: 1 }, ["int1", "float1"]],
  ["float 1.0 matches 1 and 1.0", { a: float(1) }, ["int1", "float1"]],
  ["non-integral float", { a: 1.5 }, ["half"]],
  ["big int as bigint", { a: 2n ** 70n }, ["big"]],
  ["big int as an integral float", { a: float(2 ** 70) }, ["big"]],
  ["big int as a plain number", { a: 2 ** 70 }, ["big"]],
  ["string is not a number", { a: "1" }, ["str1"]],
  ["true is not 1", { b: true }, ["int1"]],
  ["1 is not true", { b: 1 }, ["str1"]],
  ["false", { b: false }, ["float1"]],
  ["null equals null only", { a: null }, ["nulla"]],
  ["explicit $eq", { a: { $eq: 1 } }, ["int1", "float1"]],
  ["list equality with int/float", { l: [1, 2] }, ["int1", "float1"]],
  ["list equality is ordered", { l: [2, 1] }, []],
  ["empty list", { l: [] }, ["half"]],
  ["$eq on a list", { a: { $eq: [1, 2, 3] } }, ["list"]],
  ["$eq on an object is whole-object equality", { a: { $eq: { b: 1 } } }, []],
  ["$eq on an object, all keys", { a: { $eq: { c: [float(1)], b: 1 } } }, ["obj"]],
  ["plain {} value equals an empty object", { o: {} }, ["half"]],
  // prefixes, nesting and flattening
  ["sp. prefix", { "sp.a": 1 }, ["int1", "float1"]],
  ["sp as a nested object", { sp: { a: 1 } }, ["int1", "float1"]],
  ["dotted key", { "o.x": 1 }, ["int1"]],
  ["nested object is flattened", { o: { x: 1 } }, ["int1"]],
  ["deep dotted key", { "o.y.z": "deep" }, ["int1"]],
  ["deep nested object", { o: { y: { z: "deep" } } }, ["int1"]],
  ["nested object matches by its keys (subset)", { a: { b: 1 } }, ["obj"]],
  ["mixed operator and nested keys", { o: { $exists: true, x: { $gte: 1 } } }, ["int1", "float1"]],
  ["key ending in an operator", { "a.$gt": 1 }, ["half", "big"]],
  ["nested key ending in an operator", { o: { "x.$lt": 2 } }, ["int1"]],
  ["doc. prefix", { "doc.done": true }, ["int1"]],
  ["doc as a nested object", { doc: { done: false } }, ["float1"]],
  ["doc int/float", { "doc.score": 3 }, ["float1"]],
  ["doc list", { "doc.tags": ["x"] }, ["int1"]],
  ["sp and doc together", { a: 1, "doc.done": false }, ["float1"]],
  ["path through a non-object is missing", { "s.length": 3 }, []],
  ["path through a list is missing", { "l.0": 1 }, []],
  ["prototype keys are not values", { constructor: { $exists: true } }, []],
  ["prototype keys, nested", { "o.toString": { $exists: true } }, []],
  // $ne, $in, $nin, and missing keys
  ["$ne skips missing keys (as signac)", { a: { $ne: 1 } }, but("int1", "float1", "empty")],
  ["$ne on an int also excludes 1.0", { a: { $ne: float(1) } }, but("int1", "float1", "empty")],
  ["$ne true keeps 1", { b: { $ne: true } }, ["float1", "str1"]],
  ["$in", { a: { $in: [1.5, "1", null] } }, ["half", "str1", "nulla"]],
  ["$in int/float", { a: { $in: [float(1)] } }, ["int1", "float1"]],
  ["$in big int", { a: { $in: [2n ** 70n, 7] } }, ["big"]],
  ["$in lists", { a: { $in: [[1, 2, 3]] } }, ["list"]],
  ["$in objects", { a: { $in: [{ b: 1, c: [1] }] } }, ["obj"]],
  ["$in with true does not match 1", { b: { $in: [true] } }, ["int1"]],
  ["$in empty", { a: { $in: [] } }, []],
  ["$nin skips missing keys", { a: { $nin: [1, "1"] } }, ["half", "big", "nulla", "list", "obj"]],
  ["$nin empty: all that have the key", { a: { $nin: [] } }, but("empty")],
  // ordering
  ["$gt across int/float/bigint", { a: { $gt: 1 } }, ["half", "big"]],
  ["$gte", { a: { $gte: 1 } }, ["int1", "float1", "half", "big"]],
  ["$lt", { a: { $lt: float(1.5) } }, ["int1", "float1"]],
  ["$lte", { a: { $lte: 1.5 } }, ["int1", "float1", "half"]],
  ["$gt bigint argument", { a: { $gt: 2n ** 69n } }, ["big"]],
  ["$lt bigint argument", { a: { $lt: 2n ** 70n } }, ["int1", "float1", "half"]],
  ["strings order by code point", { s: { $gt: "bar" } }, ["int1", "str1"]],
  ["strings: upper case first", { s: { $lt: "a" } }, ["half", "big"]],
  ["string vs number is false", { s: { $gt: 0 } }, []],
  ["number vs string is false", { a: { $lt: "z" } }, ["str1"]],
  ["booleans order among themselves", { b: { $gt: false } }, ["int1"]],
  ["booleans are not numbers", { b: { $gte: 0 } }, ["str1"]],
  ["lists order lexicographically", { l: { $gt: [1, 1] } }, ["int1", "float1"]],
  ["shorter list first", { l: { $lt: [1] } }, ["half"]],
  ["range on one key", { a: { $gt: 0, $lt: 2 } }, ["int1", "float1", "half"]],
  // $regex
  ["$regex is unanchored", { s: { $regex: "a" } }, ["float1", "str1"]],
  ["$regex anchors", { s: { $regex: "^F" } }, ["half"]],
  ["$regex is case sensitive", { s: { $regex: "^f" } }, ["int1"]],
  ["$regex only matches strings", { a: { $regex: "1" } }, ["str1"]],
  ["$regex with Python-style escape", { s: { $regex: "\\-?o" } }, ["int1", "half"]],
  [
    "$regex empty matches every string",
    { s: { $regex: "" } },
    but("empty", "nulla", "list", "obj"),
  ],
  // $exists
  ["$exists true", { a: { $exists: true } }, but("empty")],
  ["$exists false", { a: { $exists: false } }, ["empty"]],
  ["$exists null value", { n: { $exists: true } }, ["int1"]],
  ["$exists nested", { "o.y": { $exists: true } }, ["int1"]],
  ["$exists false nested", { "o.y.z": { $exists: false } }, but("int1")],
  ["$exists on doc", { "doc.done": { $exists: true } }, ["int1", "float1"]],
  ["$exists on sp itself", { sp: { $exists: true } }, ALL],
  // $type
  ["$type int", { a: { $type: "int" } }, ["int1", "big"]],
  ["$type float", { a: { $type: "float" } }, ["float1", "half"]],
  ["$type str", { a: { $type: "str" } }, ["str1"]],
  ["$type bool (not an int)", { b: { $type: "bool" } }, ["int1", "float1"]],
  ["$type int excludes bool", { b: { $type: "int" } }, ["str1"]],
  ["$type list", { a: { $type: "list" } }, ["list"]],
  ["$type dict", { a: { $type: "dict" } }, ["obj"]],
  ["$type null", { a: { $type: "null" } }, ["nulla"]],
  // $near
  ["$near default tolerance", { a: { $near: 1 } }, ["int1", "float1"]],
  ["$near single-item list", { a: { $near: [1.5] } }, ["half"]],
  ["$near rel_tol", { a: { $near: [1.4, 0.1] } }, ["half"]],
  ["$near rel_tol too small", { a: { $near: [1.4, 0.01] } }, []],
  ["$near abs_tol", { a: { $near: [1.2, 0, 0.31] } }, ["int1", "float1", "half"]],
  ["$near bigint", { a: { $near: [2 ** 70] } }, ["big"]],
  ["$near ignores strings and booleans", { b: { $near: [1, 0, 1] } }, ["str1"]],
  // logical operators
  ["$and", { $and: [{ a: { $gte: 1 } }, { a: { $lt: 1.5 } }] }, ["int1", "float1"]],
  ["$or", { $or: [{ a: 1.5 }, { s: "baz" }] }, ["half", "str1"]],
  ["$not", { $not: { a: 1 } }, but("int1", "float1")],
  ["$not includes missing keys", { $not: { a: { $exists: true } } }, ["empty"]],
  ["$not {} matches nothing", { $not: {} }, []],
  ["$or inside $and", { $and: [{ $or: [{ a: 1 }, { a: 1.5 }] }, { s: { $ne: "bar" } }] }, [
    "int1",
    "half",
  ]],
  ["$not inside $or", { $or: [{ $not: { a: { $exists: true } } }, { a: null }] }, [
    "empty",
    "nulla",
  ]],
  ["$and items get the sp prefix", { $and: [{ "sp.a": 1 }, { "doc.done": true }] }, ["int1"]],
  ["top-level logical AND-ed with keys", { s: { $regex: "^b" }, $or: [{ a: "1" }, { a: 2 }] }, [
    "str1",
  ]],
  ["$not under a key", { a: { $not: { $gt: 1 } } }, but("half", "big")],
  ["$or under a key", { a: { $or: [1.5, { $type: "str" }] } }, ["half", "str1"]],
  ["$and under a key", { a: { $and: [{ $gte: 1 }, { $lte: 1 }] } }, ["int1", "float1"]],
  ["$not under a nested key", { o: { x: { $not: { $eq: 1 } } } }, but("int1")],
];

Deno.test("filter cases select exactly the expected records", () => {
  const failures: string[] = [];
  for (const [name, filter, expected] of CASES) {
    let got: string[];
    try {
      got = select(filter);
    } catch (e) {
      failures.push(`${name}: threw ${e}`);
      continue;
    }
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      failures.push(`${name}: got ${got.join(",")}; want ${expected.join(",")}`);
    }
  }
  assertEquals(failures, []);
  assert(CASES.length > 100);
});

Deno.test("filters parsed from JSON text keep int/float apart and still cross-match", () => {
  const f = parse('{"a": {"$in": [1.0, 18446744073709551616]}, "doc.score": {"$gt": 2.5}}');
  assertEquals(select(f), ["float1"]);
  assertEquals(select(parse('{"a": 2.0}')), []);
  assertEquals(select(parse('{"a": 1180591620717411303424}')), ["big"]);
  assertEquals(select(parse('{"a": 1180591620717411303424.0}')), ["big"]);
});

Deno.test("numbers compare exactly across number, bigint and PyFloat", () => {
  const p53 = 2 ** 53; // an integral float; 2^53 + 1 is not representable as a number
  const rec = (a: JsonValue): QueryRecord => ({ sp: { a } });
  const table: [JsonObject, JsonValue, boolean][] = [
    [{ a: p53 }, 2n ** 53n, true],
    [{ a: p53 }, 2n ** 53n + 1n, false],
    [{ a: float(p53) }, 2n ** 53n + 1n, false],
    [{ a: { $gt: p53 } }, 2n ** 53n + 1n, true],
    [{ a: { $gte: 2n ** 53n + 1n } }, float(p53), false],
    [{ a: { $lt: 2n ** 53n + 1n } }, float(p53), true],
    [{ a: { $in: [p53] } }, 2n ** 53n + 1n, false],
    [{ a: { $in: [p53] } }, 2n ** 53n, true],
    [{ a: { $in: [2n ** 53n] } }, float(p53), true],
    [{ a: 2n ** 80n }, [2n ** 80n] as unknown as JsonValue, false],
    [{ a: [2n ** 80n] }, [float(2 ** 80)], true],
    [{ a: 3n }, 3, true], // a small bigint still means the int 3
    [{ a: 3 }, 3n, true],
    [{ a: { $in: [3n] } }, float(3), true],
    [{ a: 0 }, float(-0), true],
    [{ a: -0 }, 0, true],
    [{ a: { $gt: -1 } }, -0, true],
    [{ a: NaN }, NaN, false],
    [{ a: { $in: [NaN] } }, NaN, false],
    [{ a: { $gte: NaN } }, NaN, false],
    [{ a: { $lte: NaN } }, 1, false],
    [{ a: { $ne: NaN } }, NaN, true],
    [{ a: { $near: NaN } }, NaN, false],
    [{ a: Infinity }, Infinity, true],
    [{ a: { $gt: 1e308 } }, Infinity, true],
    [{ a: { $near: Infinity } }, Infinity, true],
    [{ a: { $near: [Infinity, 1] } }, 1e308, false],
    [{ a: { $gt: 2n ** 70n } }, Infinity, true],
    [{ a: { $lt: -(2n ** 70n) } }, -Infinity, true],
    [{ a: { $type: "float" } }, NaN, true],
    [{ a: { $type: "float" } }, Infinity, true],
    [{ a: { $type: "int" } }, float(3), false],
    [{ a: { $type: "int" } }, 2n ** 70n, true],
  ];
  for (const [filter, value, want] of table) {
    assertEquals(matches(filter, rec(value)), want, `${String(value)} vs ${Deno.inspect(filter)}`);
  }
});

Deno.test("$near follows math.isclose", () => {
  const rec = (a: number): QueryRecord => ({ sp: { a } });
  const table: [JsonValue, number, boolean][] = [
    [1, 1 + 1e-10, true],
    [1, 1 + 1e-8, false],
    [[1, 1e-7], 1 + 1e-8, true],
    [[0, 1e-9], 1e-12, false], // relative tolerance is useless near 0
    [[0, 1e-9, 1e-11], 1e-12, true],
    [[100, 0.01], 101, true], // |diff| <= rel_tol * max(|a|, |b|)
    [[100, 0.01], 101.1, false],
    [[100, 0.01], 101.005, true], // ... the larger of the two, here the value
    [[100, 0.01], 98.995, false],
    [[-5, 0, 0], -5, true],
    [[-5, 0, 0], 5, false],
    [[1, 1], -1, false],
    [[1, 2], -1, true],
  ];
  for (const [arg, value, want] of table) {
    assertEquals(matches({ a: { $near: arg } }, rec(value)), want, `${value} near ${arg}`);
  }
});

Deno.test("strings order by code point, as Python does", () => {
  // U+FF5E sorts below U+1F600 in Python, above its surrogate pair in UTF-16 units.
  const astral = "\u{1F600}";
  const wide = "\uff5e";
  assertEquals(matches({ s: { $gt: wide } }, { sp: { s: astral } }), true);
  assertEquals(matches({ s: { $lt: astral } }, { sp: { s: wide } }), true);
  assertEquals(matches({ s: { $lt: "b" } }, { sp: { s: astral } }), false);
  assertEquals(matches({ s: { $gte: "a" + astral } }, { sp: { s: "a" + wide } }), false);
  assertEquals(matches({ s: { $regex: "^.$" } }, { sp: { s: astral } }), true);
});

Deno.test("filterUsesDoc and usesDoc find doc keys anywhere", () => {
  const table: [unknown, boolean][] = [
    [undefined, false],
    [{}, false],
    [{ a: 1 }, false],
    [{ "sp.doc": 1 }, false],
    [{ sp: { doc: 1 } }, false],
    [{ "doc.a": 1 }, true],
    [{ doc: { a: 1 } }, true],
    [{ "doc.a.$exists": false }, true],
    [{ $and: [{ a: 1 }, { "doc.b": 2 }] }, true],
    [{ $or: [{ a: 1 }, { $not: { doc: { b: { $gt: 1 } } } }] }, true],
    [{ $not: { "doc.x": 1 } }, true],
    [{ $not: { x: 1 } }, false],
  ];
  for (const [filter, want] of table) {
    assertEquals(filterUsesDoc(filter), want, JSON.stringify(filter));
    assertEquals(compileFilter(filter).usesDoc, want, JSON.stringify(filter));
  }
});

Deno.test("records without a document: doc keys are missing", () => {
  const f = compileFilter({ "doc.a": { $exists: false }, a: 1 });
  assertEquals(f({ sp: { a: 1 } }), true);
  assertEquals(f({ sp: { a: 1 }, doc: { a: 0 } }), false);
  assertEquals(matches({ doc: {} }, { sp: {} }), true);
});

Deno.test("keys that look like prototype members are ordinary keys", () => {
  const sp = parse('{"__proto__": 1, "constructor": {"x": 2}}') as JsonObject;
  const byDefine: JsonObject = {};
  Object.defineProperty(byDefine, "__proto__", { value: 1, enumerable: true });
  assertEquals(matches(byDefine, { sp }), true);
  assertEquals(matches({ "constructor.x": 2 }, { sp }), true);
  assertEquals(matches({ "constructor.x": { $exists: true } }, { sp: {} }), false);
  assertEquals(matches({ "hasOwnProperty": { $exists: true } }, { sp: {} }), false);
});

Deno.test("compiling does not modify the filter", () => {
  const filter = { a: { b: 1 }, "c.$gt": 2, $or: [{ d: [1, 2] }], e: { $in: [1, float(2)] } };
  const before = Deno.inspect(filter, { depth: 10 });
  compileFilter(filter)({ sp: { a: { b: 1 }, c: 3, d: [1, 2], e: 2 } });
  assertEquals(Deno.inspect(filter, { depth: 10 }), before);
});

const ERRORS: [string, unknown, string][] = [
  ["not an object", [1, 2], "a filter must be a JSON object, got [1, 2]"],
  ["a string", "a", 'a filter must be a JSON object, got "a"'],
  [
    "unknown operator with hint",
    { a: { $gtt: 1 } },
    "unknown operator '$gtt' in filter (did you mean '$gt'?)",
  ],
  ["wrong case", { a: { $GTE: 1 } }, "(did you mean '$gte'?)"],
  [
    "unknown operator without hint",
    { a: { $frobnicate: 1 } },
    "unknown operator '$frobnicate' in filter",
  ],
  ["unknown operator in a dotted key", { "a.$regexp": "x" }, "did you mean '$regex'?"],
  ["unknown top-level operator", { $nor: [] }, "unknown operator '$nor'"],
  ["operator at the top level", { $gt: 1 }, "operator '$gt' must be applied to a key"],
  [
    "operator in the middle of a key",
    { "a.$gt.b": 1 },
    "operator '$gt' must come last in the key 'a.$gt.b'",
  ],
  ["$in not a list", { a: { $in: 5 } }, "'$in' expects a list, got 5 (at 'sp.a')"],
  ["$nin not a list", { "doc.a": { $nin: "ab" } }, `'$nin' expects a list, got "ab" (at 'doc.a')`],
  ["$exists not a boolean", { a: { $exists: 1 } }, "'$exists' expects true or false, got 1"],
  [
    "$type unknown",
    { a: { $type: "integer" } },
    "'$type' expects one of int, float, bool, str, list, dict, null",
  ],
  ["$regex not a string", { a: { $regex: 1 } }, "'$regex' expects a string"],
  ["$regex invalid", { a: { $regex: "(" } }, "invalid regular expression in '$regex' (at 'sp.a')"],
  ["$gt null", { a: { $gt: null } }, "'$gt' expects a number, string, boolean or list, got null"],
  ["$lte object", { a: { $lte: { b: 1 } } }, "'$lte' expects a number, string, boolean or list"],
  ["$near string", { a: { $near: "1" } }, "'$near' expects a number or a list"],
  ["$near too long", { a: { $near: [1, 2, 3, 4] } }, "'$near' expects"],
  ["$near empty", { a: { $near: [] } }, "'$near' expects"],
  ["$near negative tolerance", { a: { $near: [1, -1] } }, "non-negative tolerances"],
  ["$near boolean", { a: { $near: true } }, "'$near' expects"],
  ["$and not a list", { $and: { a: 1 } }, "'$and' expects a non-empty list of filters"],
  ["$or empty", { $or: [] }, "'$or' expects a non-empty list of filters, got []"],
  [
    "$or under a key, empty",
    { a: { $or: [] } },
    "'$or' expects a non-empty list of filters, got [] (at 'sp.a')",
  ],
  [
    "$and item not an object",
    { $and: [1] },
    "each item of '$and' in a filter must be a JSON object, got 1",
  ],
  ["$not not an object", { $not: [1] }, "the argument of '$not' must be a JSON object"],
  ["$where", { a: { $where: "lambda x: True" } }, "'$where' is not supported"],
  ["invalid nested operator", { $or: [{ a: { $bad: 1 } }] }, "unknown operator '$bad'"],
  ["unsupported value", { a: undefined }, "unsupported value nothing in filter (at 'sp.a')"],
  ["unsupported value in a list", { a: { $in: [1, new Date(0)] } }, "unsupported value"],
  ["unsupported value in a function", { a: () => 1 }, "unsupported value"],
];

Deno.test("invalid filters raise QueryError with a clear one-line message", () => {
  for (const [name, filter, message] of ERRORS) {
    const err = assertThrows(() => compileFilter(filter), QueryError, message);
    assert(err instanceof UsageError, name);
    assert(!err.message.includes("\n"), `${name}: message is one line`);
    assertEquals(err.exitCode, 2);
    // filterUsesDoc and matches validate the same way.
    assertThrows(() => filterUsesDoc(filter), QueryError, message);
    assertThrows(() => matches(filter, { sp: {} }), QueryError, message);
  }
});

Deno.test("a filter is checked even where no record would reach the bad part", () => {
  // Validation happens at compile time, not lazily on the first match.
  assertThrows(() => compileFilter({ $or: [{}, { a: { $in: 1 } }] }), QueryError, "'$in'");
  assertThrows(() => compileFilter({ $not: { $and: [{}, { b: { $type: "x" } }] } }), QueryError);
});

// ---------------------------------------------------------------------------
// Randomised checks (fixed seed): never throws, and operators agree with each other.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ["a", "b", "c", "constructor", "__proto__", "toString", "é"];

function randomValue(rand: () => number, depth: number): JsonValue {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const kind = Math.floor(rand() * (depth > 2 ? 9 : 11));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return pick([0, 1, -1, 2, 3, 2 ** 53, -(2 ** 60), 1e300]);
    case 3:
      return pick([0.5, -1.5, 1e-9, NaN, Infinity, -Infinity, 0.1 + 0.2]);
    case 4:
      return float(pick([0, -0, 1, 2, 3, 2 ** 53, 1e16]));
    case 5:
      return pick([2n ** 53n + 1n, -(2n ** 64n), 2n ** 70n, 2n ** 60n]);
    case 6:
      return pick(["", "a", "b", "A", "1", "\u{1F600}", "\uff5e", "ab", "é"]);
    case 7:
    case 8:
      return pick([1, 2, "a", "b", 0.5, float(1), true]);
    case 9:
      return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
    default: {
      const o: JsonObject = {};
      const n = Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) {
        Object.defineProperty(o, pick(KEYS), {
          value: randomValue(rand, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
  }
}

function randomObject(rand: () => number): JsonObject {
  const v = randomValue(rand, 0);
  if (typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof PyFloat)) {
    return v;
  }
  return { a: v };
}

function hasNaN(v: JsonValue): boolean {
  if (typeof v === "number") return Number.isNaN(v);
  if (Array.isArray(v)) return v.some(hasNaN);
  if (typeof v === "object" && v !== null && !(v instanceof PyFloat)) {
    return Object.values(v).some(hasNaN);
  }
  return false;
}

/** The same value with every int written as a float and every integral float as an int. */
function swapIntFloat(v: JsonValue): JsonValue {
  if (typeof v === "number") return Number.isSafeInteger(v) ? float(v) : v;
  if (v instanceof PyFloat) return Number.isSafeInteger(v.value) ? v.value : v;
  if (Array.isArray(v)) return v.map(swapIntFloat);
  if (typeof v === "object" && v !== null) {
    const o: JsonObject = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(o, k, {
        value: swapIntFloat(v[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return o;
  }
  return v;
}

function obj(key: string, value: JsonValue): JsonObject {
  const o: JsonObject = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

Deno.test("randomised: matching never throws and operators are consistent", () => {
  const rand = mulberry32(20240607);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const records: QueryRecord[] = Array.from({ length: 300 }, () => ({
    sp: randomObject(rand),
    doc: randomObject(rand),
  }));
  let checks = 0;
  let hits = 0;
  for (let round = 0; round < 400; round++) {
    const key = pick(["a", "b", "c.a", "doc.a", "doc.b.c", "sp.constructor", "__proto__.a"]);
    const x = randomValue(rand, 1);
    const op = (o: string, arg: JsonValue) => compileFilter(obj(key, obj(o, arg)));
    const eq = op("$eq", x);
    const ne = op("$ne", x);
    const inOne = op("$in", [x]);
    const ninOne = op("$nin", [x]);
    const exists = op("$exists", true);
    const notEq = compileFilter({ $not: obj(key, obj("$eq", x)) });
    const ordered = typeof x === "number" || typeof x === "string" || typeof x === "boolean" ||
      typeof x === "bigint" || x instanceof PyFloat || Array.isArray(x);
    const gt = ordered ? op("$gt", x) : undefined;
    const gte = ordered ? op("$gte", x) : undefined;
    const lt = ordered ? op("$lt", x) : undefined;
    const lte = ordered ? op("$lte", x) : undefined;
    const types = ["int", "float", "bool", "str", "list", "dict", "null"].map((t) =>
      op("$type", t)
    );
    const both = compileFilter({ $and: [obj(key, x), { "doc.a": { $exists: true } }] });
    const either = compileFilter({ $or: [obj(key, x), { "doc.a": { $exists: true } }] });
    const plain = compileFilter(obj(key, x));
    const docA = compileFilter({ "doc.a": { $exists: true } });
    const regex = compileFilter(obj(key, { $regex: pick(["a", "^$", "\\d", "."]) }));
    const near = compileFilter(obj(key, { $near: [pick([0, 1, 1e16, -2]), 1e-6, 1e-3] }));
    for (const r of records) {
      const e = eq(r);
      const has = exists(r);
      if (e) hits++;
      assertEquals(ne(r), has && !e);
      assertEquals(inOne(r), e);
      assertEquals(ninOne(r), has && !e);
      assertEquals(notEq(r), !e);
      assert(!e || has);
      if (gt && gte && lt && lte) {
        const [g, ge, l, le] = [gt(r), gte(r), lt(r), lte(r)];
        assertEquals(ge, g || e, `$gte vs $gt/$eq for ${key} ${Deno.inspect(x)}`);
        assertEquals(le, l || e, `$lte vs $lt/$eq for ${key} ${Deno.inspect(x)}`);
        assert(!(g && l));
      }
      const t = types.filter((f) => f(r)).length;
      assertEquals(t, has ? 1 : 0, "exactly one $type matches an existing value");
      assertEquals(both(r), plain(r) && docA(r));
      assertEquals(either(r), plain(r) || docA(r));
      regex(r);
      near(r);
      checks++;
    }
  }
  assert(checks === 120000);
  assert(hits > 100, `too few equality hits (${hits}) for the check to mean much`);
});

Deno.test("randomised: a value written with ints and floats swapped still matches itself", () => {
  const rand = mulberry32(7);
  let tried = 0;
  for (let i = 0; i < 3000; i++) {
    const v = randomValue(rand, 0);
    if (hasNaN(v)) continue;
    const record: QueryRecord = { sp: { a: v }, doc: { b: { c: v } } };
    assert(matches({ a: { $eq: v } }, record), Deno.inspect(v));
    assert(matches({ a: { $eq: swapIntFloat(v) } }, record), Deno.inspect(v));
    assert(matches({ a: swapIntFloat(v) }, record), Deno.inspect(v));
    assert(matches({ "doc.b.c": { $in: [swapIntFloat(v)] } }, record), Deno.inspect(v));
    assert(matches({ doc: { b: { c: swapIntFloat(v) } } }, record), Deno.inspect(v));
    assert(!matches({ a: { $ne: swapIntFloat(v) } }, record), Deno.inspect(v));
    tried++;
  }
  assert(tried > 2000);
});
