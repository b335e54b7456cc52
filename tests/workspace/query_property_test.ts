/**
 * Property-based tests of the filter language (query.ts) and of the
 * command-line shorthand (filter_args.ts): random filters never fail with
 * anything but a QueryError, compiled filters never throw, and the laws the
 * module documentation states hold on random records. Seeds are fixed.
 *
 * @module
 */

import { assert, assertEquals } from "../_assert.ts";
import { type Arbitrary, fc, SEED } from "../_fast_check.ts";
import { UsageError } from "../../src/errors.ts";
import { castValue, parseFilterArgs } from "../../src/workspace/filter_args.ts";
import {
  compileFilter,
  type Filter,
  QueryError,
  type QueryRecord,
} from "../../src/workspace/query.ts";
import { dumps } from "../../src/workspace/json.ts";
import {
  float,
  isFloat,
  isInt,
  type JsonObject,
  type JsonValue,
  PyFloat,
  pyFloatRepr,
  toNumber,
} from "../../src/workspace/value.ts";
import { hostileString, objectFrom, pyInt, scalar } from "./_arbitraries.ts";

// ------------------------------------------------------------------ records

/** Few keys and values, so that random filters and random records often meet. */
const KEYS = ["a", "b", "c", "__proto__", "toString"];
const smallScalar: Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(
    0,
    1,
    2,
    -1,
    1.5,
    NaN,
    Infinity,
    "",
    "x",
    "y",
    "X",
    "é",
    true,
    false,
    null,
  ),
  fc.constantFrom(0, 1, 2, -1, 2 ** 60).map((n) => new PyFloat(n)),
  fc.constantFrom(2n ** 60n, 2n ** 60n + 1n, -(2n ** 70n)),
);
const smallValue = fc.letrec<{ value: JsonValue; object: JsonObject }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    smallScalar,
    fc.array(tie("value"), { maxLength: 3 }),
    tie("object"),
  ),
  object: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie("value")), {
    selector: (e) => e[0],
    maxLength: 4,
  }).map(objectFrom),
}));
const record: Arbitrary<QueryRecord> = fc.record(
  { sp: smallValue.object, doc: smallValue.object },
  { requiredKeys: ["sp"] },
);

// ------------------------------------------------------------------ valid filters

const PATHS = ["a", "b", "a.b", "sp.a", "doc.a", "doc.b.c", "__proto__", "toString", "a.toString"];
const path = fc.constantFrom(...PATHS);
/** A plain value for equality: anything but a non-empty object (which would be nested keys). */
const plainValue: Arbitrary<JsonValue> = fc.oneof(
  smallScalar,
  fc.array(smallScalar, { maxLength: 3 }),
  fc.constant({}),
);
const comparable: Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(0, 1, 2, -1, 1.5, NaN, Infinity, "", "x", "y", true, false),
  fc.constantFrom(1, 2 ** 60).map((n) => new PyFloat(n)),
  fc.constantFrom(2n ** 60n, 2n ** 60n + 1n),
  fc.array(smallScalar, { maxLength: 2 }),
);
const REGEXES = ["x", "^x$", "X|y", "", "\\d", ".", "\\-", "é"];
const TYPES = ["int", "float", "bool", "str", "list", "dict", "null"];

/** A value expression for one key: a plain value, operators, or logic under the key. */
const valueExpr: Arbitrary<JsonValue> = fc.letrec<{ expr: JsonValue }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    plainValue,
    plainValue.map((v) => objectFrom([["$eq", v]])),
    plainValue.map((v) => objectFrom([["$ne", v]])),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte"), comparable).map(([op, v]) =>
      objectFrom([[op, v]])
    ),
    fc.tuple(fc.constantFrom("$in", "$nin"), fc.array(plainValue, { maxLength: 3 })).map((
      [op, v],
    ) => objectFrom([[op, v]])),
    fc.boolean().map((b) => objectFrom([["$exists", b]])),
    fc.constantFrom(...TYPES).map((t) => objectFrom([["$type", t]])),
    fc.constantFrom(...REGEXES).map((re) => objectFrom([["$regex", re]])),
    fc.constantFrom<JsonValue>(1, [1, 0.5], [2, 0, 1], float(1)).map((a) =>
      objectFrom([["$near", a]])
    ),
    tie("expr").map((e) => objectFrom([["$not", e]])),
    fc.tuple(fc.constantFrom("$and", "$or"), fc.array(tie("expr"), { minLength: 1, maxLength: 3 }))
      .map(([op, items]) => objectFrom([[op, items]])),
  ),
})).expr;

/** A whole filter: keys with value expressions, and top-level logic. */
const filter: Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    fc.uniqueArray(fc.tuple(path, valueExpr), { selector: (e) => e[0], maxLength: 3 })
      .map(objectFrom),
    tie("filter").map((f) => objectFrom([["$not", f]])),
    fc.tuple(
      fc.constantFrom("$and", "$or"),
      fc.array(tie("filter"), { minLength: 1, maxLength: 3 }),
    ).map(([op, items]) => objectFrom([[op, items]])),
  ),
})).filter;

/** Compiles a filter that must be valid and returns its predicate. */
function pred(f: unknown): (r: QueryRecord) => boolean {
  return compileFilter(f);
}

const RUNS = { seed: SEED, numRuns: 5000 };

// ------------------------------------------------------------------ robustness

/** Anything a caller might hand in as a filter value, JSON or not. */
const garbage: Arbitrary<unknown> = fc.oneof(
  scalar,
  fc.constantFrom<unknown>(
    undefined,
    () => 1,
    Symbol("s"),
    new Date(0),
    new Map(),
    /x/,
    Object.create(null),
    [undefined],
    { $gt: undefined },
    [[[]]],
  ),
);
const OPERATOR_KEYS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$regex",
  "$exists",
  "$type",
  "$near",
  "$and",
  "$or",
  "$not",
  "$where",
  "$gtt",
  "$",
  "$$",
  "a.$gt",
  "a.$gt.b",
  "doc",
  "sp",
  "doc.",
  ".",
  "",
];
const anyFilter: Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    garbage,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.uniqueArray(
      fc.tuple(
        fc.oneof(fc.constantFrom(...OPERATOR_KEYS, ...PATHS), hostileString(4)),
        tie("value"),
      ),
      { selector: (e) => e[0], maxLength: 4 },
    ).map((entries) => objectFrom(entries as [string, JsonValue][])),
  ),
})).value;

Deno.test("property: random filters compile or throw a one-line QueryError; predicates never throw", () => {
  let compiled = 0;
  fc.assert(
    fc.property(anyFilter, fc.array(record, { maxLength: 4 }), (f, records) => {
      let p: (r: QueryRecord) => boolean;
      try {
        p = compileFilter(f);
      } catch (e) {
        assert(e instanceof QueryError, `not a QueryError: ${e}`);
        assert(!e.message.includes("\n"), e.message);
        return;
      }
      compiled++;
      for (const r of records) assertEquals(typeof p(r), "boolean");
    }),
    { seed: SEED, numRuns: 10000 },
  );
  assert(compiled > 300, `only ${compiled} random filters compiled`);
});

Deno.test("property: generated valid filters compile and their predicates never throw", () => {
  fc.assert(
    fc.property(filter, fc.array(record, { maxLength: 4 }), (f, records) => {
      const p = pred(f);
      for (const r of records) assertEquals(typeof p(r), "boolean");
    }),
    RUNS,
  );
});

// ------------------------------------------------------------------ laws

Deno.test("property: {} (and no filter) matches every record", () => {
  fc.assert(
    fc.property(record, (r) => {
      assert(pred({})(r));
      assert(pred(undefined)(r));
      assert(pred(null)(r));
    }),
    RUNS,
  );
});

Deno.test("property: $and, $or and $not at the top level are conjunction, disjunction, negation", () => {
  fc.assert(
    fc.property(filter, filter, record, (f, g, r) => {
      const F = pred(f)(r);
      const G = pred(g)(r);
      assertEquals(pred({ $and: [f] })(r), F);
      assertEquals(pred({ $or: [f] })(r), F);
      assertEquals(pred({ $and: [f, g] })(r), F && G);
      assertEquals(pred({ $or: [f, g] })(r), F || G);
      assertEquals(pred({ $not: f })(r), !F);
      assertEquals(pred({ $not: { $not: f } })(r), F);
    }),
    RUNS,
  );
});

Deno.test("property: the keys of a filter are AND-ed; 'sp.' is the default prefix", () => {
  fc.assert(
    fc.property(fc.constantFrom("a", "b", "c"), valueExpr, valueExpr, record, (k, e1, e2, r) => {
      const both = pred(objectFrom([[k, e1], ["doc." + k, e2]]))(r);
      assertEquals(both, pred({ $and: [{ [k]: e1 }, { ["doc." + k]: e2 }] })(r));
      assertEquals(pred({ ["sp." + k]: e1 })(r), pred({ [k]: e1 })(r));
    }),
    RUNS,
  );
});

Deno.test("property: {k: v} is {k: {$eq: v}}, and {'k.$op': x} is {k: {$op: x}}", () => {
  fc.assert(
    fc.property(path, plainValue, comparable, record, (k, v, x, r) => {
      assertEquals(pred(objectFrom([[k, v]]))(r), pred(objectFrom([[k, { $eq: v }]]))(r));
      assertEquals(pred(objectFrom([[k + ".$gt", x]]))(r), pred(objectFrom([[k, { $gt: x }]]))(r));
    }),
    RUNS,
  );
});

Deno.test("property: logic under a key is logic over filters on that key", () => {
  fc.assert(
    fc.property(path, valueExpr, valueExpr, record, (k, e1, e2, r) => {
      const on = (e: JsonValue) => objectFrom([[k, e]]);
      assertEquals(pred(on({ $not: e1 }))(r), pred({ $not: on(e1) })(r));
      assertEquals(pred(on({ $and: [e1, e2] }))(r), pred({ $and: [on(e1), on(e2)] })(r));
      assertEquals(pred(on({ $or: [e1, e2] }))(r), pred({ $or: [on(e1), on(e2)] })(r));
    }),
    RUNS,
  );
});

Deno.test("property: $ne, $in, $nin and $gte/$lte in terms of $eq, $gt, $lt and $exists", () => {
  fc.assert(
    fc.property(path, plainValue, fc.array(plainValue, { maxLength: 3 }), comparable, record, (
      k,
      v,
      list,
      x,
      r,
    ) => {
      const on = (e: JsonValue) => pred(objectFrom([[k, e]]))(r);
      const exists = on({ $exists: true });
      assertEquals(on({ $ne: v }), exists && !on({ $eq: v }));
      const isIn = list.some((item) => on({ $eq: item }));
      assertEquals(on({ $in: list }), isIn);
      assertEquals(on({ $nin: list }), exists && !isIn);
      assertEquals(on({ $gte: x }), on({ $gt: x }) || on({ $eq: x }));
      assertEquals(on({ $lte: x }), on({ $lt: x }) || on({ $eq: x }));
      // $exists: false is the negation of $exists: true.
      assertEquals(on({ $exists: false }), !exists);
    }),
    RUNS,
  );
});

Deno.test("property: numbers compare by value across int, float and big int, exactly", () => {
  // Integers a double holds exactly (beyond 2^53 too), in each representation that can hold them.
  const exact = fc.oneof(
    pyInt.filter((n) => BigInt(Number(n)) === BigInt(n)),
    fc.tuple(
      fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
      fc.integer({ min: 0, max: 200 }),
    )
      .map(([m, e]) => BigInt(m) << BigInt(e)),
  );
  const forms = (n: number | bigint): JsonValue[] => {
    const out: JsonValue[] = [new PyFloat(Number(n))];
    if (Number.isSafeInteger(Number(n))) out.push(Number(n));
    else out.push(BigInt(n));
    return out;
  };
  fc.assert(
    fc.property(exact, exact, fc.boolean(), (n, other, same) => {
      // Half of the pairs are the same number, perhaps written differently.
      const m = same ? n : other;
      for (const a of forms(n)) {
        for (const b of forms(m)) {
          const r = { sp: { a: b } };
          const eq = BigInt(n) === BigInt(m);
          const lt = BigInt(m) < BigInt(n);
          assertEquals(pred({ a })(r), eq, `${dumps(a)} vs ${dumps(b)}`);
          assertEquals(pred({ a: { $lt: a } })(r), lt);
          assertEquals(pred({ a: { $in: [a] } })(r), eq);
          // Exactly one of <, =, > holds between two numbers that are not NaN.
          const count = ["$lt", "$eq", "$gt"].filter((op) => pred({ a: { [op]: a } })(r)).length;
          assertEquals(count, 1);
        }
      }
      // Neighbours of a big int beyond 2^53 are told apart, however written.
      const big = BigInt(n) + 2n ** 60n;
      assert(!pred({ a: big })({ sp: { a: big + 1n } }));
    }),
    RUNS,
  );
});

Deno.test("property: a filter that does not use the document does not depend on it", () => {
  fc.assert(
    fc.property(filter, record, (f, r) => {
      const p = compileFilter(f);
      if (!p.usesDoc) assertEquals(p(r), p({ sp: r.sp }));
      assertEquals(p.usesDoc, dumps(f).includes('"doc.'));
    }),
    RUNS,
  );
});

// ------------------------------------------------------------------ the command-line shorthand

const argText = fc.oneof(
  hostileString(6),
  fc.constantFrom(
    "a",
    "sp.a",
    "doc.a",
    "!",
    "/x/",
    "//",
    "/",
    "{",
    "[",
    "{}",
    "[1, 2]",
    '{"$gt": 1}',
    '{"a": 1}',
    " {",
    "true",
    "True",
    "None",
    "1_000",
    "1e400",
    "-inf",
    "nan",
    "",
  ),
);

Deno.test("property: parseFilterArgs gives a filter or a one-line UsageError; its filter compiles or throws QueryError", () => {
  fc.assert(
    fc.property(fc.array(argText, { maxLength: 6 }), (args) => {
      let f: JsonObject | undefined;
      try {
        f = parseFilterArgs(args, { warn: () => {} });
      } catch (e) {
        assert(e instanceof UsageError, `not a UsageError: ${e}`);
        assert(!e.message.includes("\n"), e.message);
        return;
      }
      if (args.length === 0) assertEquals(f, undefined);
      try {
        compileFilter(f);
      } catch (e) {
        assert(e instanceof QueryError, `not a QueryError: ${e}`);
      }
    }),
    { seed: SEED, numRuns: 10000 },
  );
});

Deno.test("property: castValue reads back Python's repr of every float and the digits of every int", () => {
  fc.assert(
    fc.property(fc.double(), pyInt, (x, n) => {
      const v = castValue(pyFloatRepr(x));
      assert(isFloat(v), pyFloatRepr(x));
      assert(Object.is(toNumber(v), x), pyFloatRepr(x));
      const i = castValue(String(n));
      assert(isInt(i), String(n));
      assertEquals(BigInt(i as number | bigint), BigInt(n));
    }),
    RUNS,
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

// signac casts a command-line value with int(), then float(), else keeps the string.
const PY_CAST = [
  "import json, sys",
  "for line in sys.stdin:",
  "    s = json.loads(line)",
  "    if s in ('true', 'false', 'null'): print('json:' + s); continue",
  "    try: print('int:' + str(int(s))); continue",
  "    except ValueError: pass",
  "    try: print('float:' + json.dumps(float(s))); continue",
  "    except ValueError: pass",
  "    print('str')",
].join("\n");

Deno.test({
  name: "property: castValue casts like Python's int() then float() on 5000 number-like texts",
  ignore: PYTHON === undefined,
  async fn() {
    const piece = fc.constantFrom(
      "0",
      "1",
      "7",
      "9",
      "_",
      ".",
      "e",
      "E",
      "+",
      "-",
      " ",
      "\t",
      "inf",
      "nan",
      "infinity",
      "i",
      "n",
      "x",
      "true",
      "null",
    );
    // Number-shaped texts: blank, sign, digits with underscores, fraction, exponent, blank.
    const digits = fc.array(fc.constantFrom("0", "1", "7", "9", "_", "__"), {
      minLength: 1,
      maxLength: 4,
    }).map((d) => d.join(""));
    const numberLike = fc.tuple(
      fc.constantFrom("", " ", "\t"),
      fc.constantFrom("", "+", "-"),
      digits,
      fc.option(fc.tuple(fc.constant("."), fc.option(digits, { nil: "" })).map((p) => p.join("")), {
        nil: "",
      }),
      fc.option(
        fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), digits).map((p) =>
          p.join("")
        ),
        { nil: "" },
      ),
      fc.constantFrom("", " "),
    ).map((p) => p.join(""));
    const texts = fc.sample(fc.oneof(fc.string({ unit: piece, maxLength: 6 }), numberLike), {
      seed: SEED,
      numRuns: 5000,
    });
    const ours = texts.map((s) => {
      const v = castValue(s);
      if (v === true || v === false || v === null) return `json:${v}`;
      if (isInt(v)) return `int:${String(v)}`;
      if (isFloat(v) || typeof v === "number") return `float:${dumps(v as number | PyFloat)}`;
      return "str";
    });
    const child = new Deno.Command(PYTHON!, {
      args: ["-c", PY_CAST],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(texts.map((s) => JSON.stringify(s)).join("\n") + "\n"));
    await w.close();
    const out = await child.output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const theirs = new TextDecoder().decode(out.stdout).trim().split("\n");
    assertEquals(theirs.length, texts.length);
    const mismatches = texts.map((s, i) => [s, ours[i], theirs[i]]).filter(([, a, b]) => a !== b);
    assertEquals(mismatches, []);
  },
});

// Regressions the properties above found.

Deno.test("regression: keys with line breaks give one-line messages", () => {
  let caught: unknown;
  try {
    compileFilter({ "a\nb": { $eq: undefined } });
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof QueryError);
  assertEquals(caught.message, "unsupported value nothing in filter (at 'sp.a\\nb')");
  caught = undefined;
  try {
    parseFilterArgs(["a\r\nb", "[1,"]);
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof UsageError);
  assert(!caught.message.includes("\n") && caught.message.includes("a\\r\\nb"), caught.message);
});
