// src/_path.ts: resolve, dirname and isAbsolute give node:path's POSIX results, on a table of
// cases and on generated paths.
import { posix } from "node:path";
import { dirname, isAbsolute, resolve } from "../src/_path.ts";
import { assertEquals } from "./_assert.ts";
import { fc, SEED } from "./_fast_check.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///",
  "a",
  "a/",
  "a//",
  "/a",
  "//a",
  "///a",
  "/a/",
  "/a//",
  "a/b",
  "a//b",
  "a/b/",
  "/a/b",
  "/a//b",
  "/a/b/",
  "/a/b//",
  "./a",
  "../a",
  "a/.",
  "a/..",
  "a/../..",
  "/..",
  "/../a",
  "/a/./b/../c/",
  "/a/b/../../..",
  "..a/b..",
  "/.hidden/.x",
  "/p/workspace/0123abcd",
  "/with space/é/日本",
];

Deno.test("dirname: as node:path on a table of paths", () => {
  for (const p of PATHS) assertEquals(dirname(p), posix.dirname(p), JSON.stringify(p));
});

Deno.test("isAbsolute: as node:path on a table of paths", () => {
  for (const p of PATHS) assertEquals(isAbsolute(p), posix.isAbsolute(p), JSON.stringify(p));
});

Deno.test("resolve: one or two segments, as node:path (the working directory included)", () => {
  for (const p of PATHS) assertEquals(resolve(p), posix.resolve(p), JSON.stringify(p));
  for (const a of PATHS) {
    for (const b of ["", ".", "..", "out", "out/../log", "/scratch//x/", "../../up", "a/./b"]) {
      assertEquals(resolve(a, b), posix.resolve(a, b), JSON.stringify([a, b]));
    }
  }
  assertEquals(resolve(), posix.resolve());
  assertEquals(resolve("/p", "", "x", "", "y/.."), "/p/x");
});

Deno.test("resolve and dirname: as node:path on generated paths", () => {
  const part = fc.constantFrom("", ".", "..", "a", "b", "é", " x", "...", ".a");
  const path = fc.tuple(fc.boolean(), fc.array(part, { maxLength: 6 }), fc.boolean())
    .map(([rooted, parts, trailing]) =>
      (rooted ? "/" : "") + parts.join("/") + (trailing && parts.length ? "/" : "")
    );
  fc.assert(
    fc.property(fc.array(path, { maxLength: 4 }), (paths) => {
      assertEquals(resolve(...paths), posix.resolve(...paths));
      for (const p of paths) assertEquals(dirname(p), posix.dirname(p));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});
