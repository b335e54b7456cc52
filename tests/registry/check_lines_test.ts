// src/registry/_check_lines.ts: checking the lines of a condition cache file against the file
// system, in chunks taken from a counter in shared memory.
import { assertEquals } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { CacheRows } from "../../src/registry/_cache_rows.ts";
import {
  CHANGED,
  checkedLines,
  checkLines,
  checkResults,
  docHolds,
  HOLDS,
  lineHolds,
  sharedChecks,
} from "../../src/registry/_check_lines.ts";
import { stampOf } from "../../src/registry/_stamp.ts";

const DOC = "doc.json";

/** Job folders `a`..., their lines as the cache records them, and the rows. */
function setUp(dir: string, names: string[], withDoc: Set<string>): string {
  let text = "";
  for (const name of names) {
    Deno.mkdirSync(`${dir}/${name}`);
    if (withDoc.has(name)) Deno.writeTextFileSync(`${dir}/${name}/${DOC}`, "{}");
    const docStamp = withDoc.has(name) ? stampOf(`${dir}/${name}/${DOC}`)![0] : "0";
    text += `${name} ${stampOf(`${dir}/${name}`)![0]} ${docStamp} 1\n`;
  }
  return text;
}

Deno.test("lineHolds: the directory's stamp and the document's, as the line records them", async () => {
  await withTempDir((dir) => {
    const rows = CacheRows.parse(setUp(dir, ["a", "b", "c", "d", "e"], new Set(["b", "c"])), 0)!;
    const later = new Date(Date.now() + 5000);
    Deno.utimeSync(`${dir}/c/${DOC}`, later, later); // c: its document changed (in place)
    Deno.utimeSync(`${dir}/d`, later, later); // d: its folder changed
    Deno.removeSync(`${dir}/e`); // e: gone
    const cases: [string, boolean][] = [["a", true], ["b", true], ["c", false], ["d", false], [
      "e",
      false,
    ]];
    for (const [name, holds] of cases) {
      assertEquals(lineHolds(rows, rows.find(name), `${dir}/${name}`, DOC), holds, name);
    }
    assertEquals(docHolds(`${dir}/a`, "0", DOC), true, "no document recorded: nothing read");
    assertEquals(docHolds(`${dir}/a`, "1:1", DOC), false, "a document recorded, none there");
  });
});

Deno.test("checkLines: takes chunks until none is left; lines taken by another thread are not checked", async () => {
  await withTempDir((dir) => {
    const names = Array.from({ length: 600 }, (_, i) => `j${String(i).padStart(4, "0")}`);
    const rows = CacheRows.parse(setUp(dir, names, new Set()), 0)!;
    Deno.removeSync(`${dir}/j0599`);
    const shared = sharedChecks(rows.size);
    // Another thread took the first 256 lines (one chunk) and has not written them yet.
    Atomics.store(new Int32Array(shared, 0, 1), 0, 256);
    checkLines(rows, dir, DOC, shared);
    const result = checkResults(shared);
    assertEquals(result.length, 600);
    assertEquals(result.subarray(0, 256).every((b) => b === 0), true, "not this thread's");
    assertEquals(result.subarray(256, 599).every((b) => b === HOLDS), true);
    assertEquals(result[599], CHANGED, "the job is gone");
    // Counted: the lines this thread checked, not those the other still holds.
    assertEquals(checkedLines(shared), 600 - 256);
    // Nothing is left: a second thread joining now checks nothing.
    result.fill(0);
    checkLines(rows, dir, DOC, shared);
    assertEquals(result.every((b) => b === 0), true);
    assertEquals(checkedLines(shared), 600 - 256);
  });
});
