import { assertEquals, assertThrows } from "../_assert.ts";
import { calcId, StatePointError, validateStatePoint } from "../../src/workspace/statepoint.ts";
import { dumps, parse } from "../../src/workspace/json.ts";
import { float, type JsonObject } from "../../src/workspace/value.ts";

interface Case {
  text: string;
  canonical: string;
  id: string;
}

const fixture = new URL("./fixtures/ids.jsonl", import.meta.url);
const cases: Case[] = Deno.readTextFileSync(fixture).trim().split("\n").map((l) => JSON.parse(l));

Deno.test("id parity with signac 2.x on the generated table (text as Python wrote it)", () => {
  assertEquals(cases.length > 1500, true);
  let mismatches = 0;
  const first: string[] = [];
  for (const c of cases) {
    const sp = parse(c.text) as JsonObject;
    const canonical = dumps(sp, { sortKeys: true });
    const id = calcId(sp);
    if (canonical !== c.canonical || id !== c.id) {
      mismatches++;
      if (first.length < 3) first.push(`${c.text}\n  got  ${canonical}\n  want ${c.canonical}`);
    }
  }
  assertEquals(first, []);
  assertEquals(mismatches, 0);
});

Deno.test("id vectors from the signac facts sheet, written in TypeScript", () => {
  const table: [JsonObject, string][] = [
    [{}, "99914b932bd37a50b983c5e7c90ae93b"],
    [{ a: 1 }, "42b7b4f2921788ea14dac5566e6f06d0"],
    [{ a: float(1) }, "4b8937963abc9e9148b4524d4f837b4b"],
    [{ a: float(1e16) }, "b858d08d7a33f61d8dff58c38aab414c"],
    [{ a: 1e-5 }, "e60c606f39da82624dd7a829609671b1"],
    [{ a: "é" }, "b61e59fffb433d9dc2a6f1fa17ca206d"],
    [{ a: 2n ** 70n }, "b5dc17398200be227a57e0e1ced29ba0"],
  ];
  for (const [sp, id] of table) assertEquals(calcId(validateStatePoint(sp)), id, dumps(sp));
});

Deno.test("integers and integral floats stay apart through parse and dumps", () => {
  assertEquals(
    dumps(parse('{"a": 1, "b": 1.0, "c": -0.0, "d": 1E2}')),
    '{"a": 1, "b": 1.0, "c": -0.0, "d": 100.0}',
  );
  assertEquals(
    dumps(parse("[18446744073709551617, -18446744073709551617]")),
    "[18446744073709551617, -18446744073709551617]",
  );
  assertEquals(dumps(parse("[NaN, Infinity, -Infinity]")), "[NaN, Infinity, -Infinity]");
});

Deno.test("state point validation names the offending key", () => {
  assertThrows(() => validateStatePoint({ "a.b": 1 }), StatePointError, "'a.b'");
  assertThrows(() => validateStatePoint({ x: { "y.z": 1 } }), StatePointError, "'x.y.z'");
  assertThrows(() => validateStatePoint([1, 2]), StatePointError, "must be a JSON object");
  assertThrows(() => validateStatePoint({ f: () => 1 }), StatePointError, "'f' is a function");
  assertThrows(() => validateStatePoint({ d: new Date() }), StatePointError, "Date");
  assertThrows(() => validateStatePoint({ u: undefined }), StatePointError, "undefined");
});

Deno.test("JSON syntax errors report line and column", () => {
  assertThrows(
    () => parse('{\n  "a": 1,\n  "b": }', "sp.json"),
    Error,
    "sp.json: invalid JSON at line 3, column 8",
  );
  assertThrows(() => parse('{"a": 1} x'), Error, "unexpected text after the JSON value");
  assertThrows(() => parse('{"a": 01}'), Error, "expected ',' or '}'");
});
