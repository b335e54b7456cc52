import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { castValue, parseFilterArgs } from "../../src/workspace/filter_args.ts";
import { compileFilter } from "../../src/workspace/query.ts";
import { dumps } from "../../src/workspace/json.ts";
import { UsageError } from "../../src/errors.ts";
import { float, type JsonObject, type JsonValue, PyFloat } from "../../src/workspace/value.ts";

/** Python-exact text of a filter, so that 1 and 1.0 (and big ints) are told apart. */
function text(v: JsonValue | undefined): string {
  return v === undefined ? "undefined" : dumps(v);
}

const CASES: [string[], string][] = [
  [[], "undefined"],
  // one JSON argument is the whole filter
  [['{"a": 1}'], '{"a": 1}'],
  [
    ['{"a": 1.0, "b": {"$gt": 18446744073709551616}}'],
    '{"a": 1.0, "b": {"$gt": 18446744073709551616}}',
  ],
  [['  {"doc.x": [1, 2.5]}'], '{"doc.x": [1, 2.5]}'],
  [["{}"], "{}"],
  // a lone key
  [["a"], '{"a": {"$exists": true}}'],
  [["doc.done"], '{"doc.done": {"$exists": true}}'],
  // pairs and value casting
  [["a", "1"], '{"a": 1}'],
  [["a", "-7"], '{"a": -7}'],
  [["a", "+7"], '{"a": 7}'],
  [["a", "007"], '{"a": 7}'],
  [["a", "1_000"], '{"a": 1000}'],
  [["a", "18446744073709551616"], '{"a": 18446744073709551616}'],
  [["a", "1.0"], '{"a": 1.0}'],
  [["a", "1."], '{"a": 1.0}'],
  [["a", ".5"], '{"a": 0.5}'],
  [["a", "1e3"], '{"a": 1000.0}'],
  [["a", "2.5E-3"], '{"a": 0.0025}'],
  [["a", "-0.0"], '{"a": -0.0}'],
  [["a", "inf"], '{"a": Infinity}'],
  [["a", "-Infinity"], '{"a": -Infinity}'],
  [["a", "nan"], '{"a": NaN}'],
  [["a", "true"], '{"a": true}'],
  [["a", "false"], '{"a": false}'],
  [["a", "null"], '{"a": null}'],
  [["a", "True"], '{"a": "True"}'],
  [["a", "abc"], '{"a": "abc"}'],
  [["a", "1__0"], '{"a": "1__0"}'],
  [["a", "0x10"], '{"a": "0x10"}'],
  [["a", "1e"], '{"a": "1e"}'],
  [["a", ""], '{"a": ""}'],
  [["a", "/"], '{"a": "/"}'],
  [["a", "a/b"], '{"a": "a/b"}'],
  // regular expressions
  [["s", "/^foo.*/"], '{"s": {"$regex": "^foo.*"}}'],
  [["s", "//"], '{"s": {"$regex": ""}}'],
  // JSON values
  [["a", '{"$gt": 1}'], '{"a": {"$gt": 1}}'],
  [["a", "[1, 2.0]"], '{"a": [1, 2.0]}'],
  [["a", '{"$in": [1, "x"]}'], '{"a": {"$in": [1, "x"]}}'],
  // "!" means "exists", as in signac
  [["a", "!"], '{"a": {"$exists": true}}'],
  // several pairs, prefixes, and a trailing key
  [["a", "1", "doc.b", "x"], '{"a": 1, "doc.b": "x"}'],
  [["sp.a.b", "2", "c"], '{"sp.a.b": 2, "c": {"$exists": true}}'],
  [
    ["a", "1", "b", "/x/", "doc.c", "[1]", "d"],
    '{"a": 1, "b": {"$regex": "x"}, "doc.c": [1], "d": {"$exists": true}}',
  ],
];

Deno.test("command-line shorthand becomes the expected filter", () => {
  const failures: string[] = [];
  for (const [args, want] of CASES) {
    let got: string;
    try {
      got = text(parseFilterArgs(args));
    } catch (e) {
      failures.push(`${JSON.stringify(args)}: threw ${e}`);
      continue;
    }
    if (got !== want) failures.push(`${JSON.stringify(args)}: got ${got}; want ${want}`);
  }
  assertEquals(failures, []);
});

Deno.test("cast values have the value model's types", () => {
  assertEquals(castValue("1"), 1);
  assert(castValue("1.0") instanceof PyFloat);
  assertEquals((castValue("1.0") as PyFloat).value, 1);
  assertEquals(typeof castValue("1.5"), "number");
  assertEquals(castValue("9007199254740991"), Number.MAX_SAFE_INTEGER);
  assertEquals(castValue("9007199254740992"), 2n ** 53n);
  assertEquals(castValue("-9007199254740993"), -(2n ** 53n) - 1n);
  assert(Object.is((castValue("-0.0") as PyFloat).value, -0));
  assertEquals(castValue("-0"), 0);
  assert(Object.is(castValue("-0"), 0));
  assertEquals(castValue(" 12 "), 12);
  assertEquals(castValue("1_0.5"), 10.5);
  assert(Number.isNaN(castValue("NaN") as number));
  assertEquals(castValue("+INF"), Infinity);
  assertEquals(castValue("1e400"), Infinity);
  assertEquals(castValue("truth"), "truth");
});

Deno.test("parsed filters compile and select as signac's would", () => {
  const sp = { a: 1, s: "foobar", b: float(2) };
  const doc = { done: true };
  const yes: string[][] = [
    ["a", "1.0"],
    ["a", "1"],
    ["b", "2"],
    ["s", "/oba/"],
    ["doc.done", "true"],
    ["a"],
    ["a", "1", "doc.done"],
    ["a", '{"$lt": 2}'],
    ['{"$or": [{"a": 5}, {"s": {"$regex": "bar$"}}]}'],
  ];
  const no: string[][] = [
    ["a", "2"],
    ["a", "true"],
    ["s", "foo"],
    ["s", "/^bar/"],
    ["c"],
    ["doc.done", "false"],
    ["a", "1", "doc.missing"],
  ];
  for (const args of yes) assert(compileFilter(parseFilterArgs(args))({ sp, doc }), args.join(" "));
  for (const args of no) assert(!compileFilter(parseFilterArgs(args))({ sp, doc }), args.join(" "));
});

const ERRORS: [string[], string][] = [
  [["{"], "filter: invalid JSON at line 1, column 2"],
  [['{"a": 1,}'], "filter: invalid JSON at line 1, column 9: expected a property name"],
  [["[1, 2]", "x"], "a filter key cannot be JSON: '[1, 2]'"],
  [["[1, 2]"], "a filter key cannot be JSON"],
  [['{"a": 1}', "b"], "a filter key cannot be JSON"],
  [['["a"]'], "a filter key cannot be JSON"],
  [["a", "{oops}"], "value of 'a': invalid JSON at line 1, column 2"],
  [["a", "[1,"], "value of 'a': invalid JSON"],
  [["", "1"], "a filter key cannot be empty"],
  [["a", "1", "a", "2"], "filter key 'a' is given twice"],
  [["a", "1", "sp.a", "2"], "filter keys 'a' and 'sp.a' name the same value"],
  [["doc.a", "1", "doc.a"], "filter key 'doc.a' is given twice"],
];

Deno.test("malformed arguments raise UsageError with a one-line message", () => {
  for (const [args, message] of ERRORS) {
    const err = assertThrows(() => parseFilterArgs(args), UsageError, message);
    assert(!err.message.includes("\n"), JSON.stringify(args));
  }
});

Deno.test("a whole-filter JSON argument is returned as is, for compileFilter to check", () => {
  assertEquals(parseFilterArgs(['{"$gtt": 1}']), { $gtt: 1 } as JsonObject);
});

Deno.test("Python spellings of true/false/None warn and stay strings", () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  assertEquals(parseFilterArgs(["a", "True", "b", "None", "c", "true"], { warn }), {
    a: "True",
    b: "None",
    c: true,
  });
  assertEquals(warnings, [
    "did you mean true? 'True' is taken as a string (in 'a')",
    "did you mean null? 'None' is taken as a string (in 'b')",
  ]);
  assertEquals(parseFilterArgs(["a", "constructor"], { warn }), { a: "constructor" });
  assertEquals(warnings.length, 2);
});

Deno.test("keys named like prototype members are kept as own keys", () => {
  const f = parseFilterArgs(["__proto__", "1", "constructor"]);
  assert(f !== undefined);
  assertEquals(Object.keys(f), ["__proto__", "constructor"]);
  assertEquals(Object.getPrototypeOf(f), Object.prototype);
  assertEquals(f["__proto__"], 1);
});
