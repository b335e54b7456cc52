import { assertEquals, assertThrows } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { writeChunksAtomicSync, writeChunksSync } from "../../src/workspace/_atomic.ts";

Deno.test("writeChunksSync: many parts across chunk boundaries, multi-byte text, come back whole", async () => {
  await withTempDir((dir) => {
    // ~1.2 million characters: several chunks; a part with "é" and "日" straddles each boundary.
    const parts = Array.from({ length: 40_000 }, (_, i) => `${i} ${"é日".repeat(i % 13)} line\n`);
    writeChunksSync(`${dir}/a`, parts);
    assertEquals(Deno.readTextFileSync(`${dir}/a`), parts.join(""));
    // Truncates what was there; nothing yields an empty file.
    writeChunksSync(`${dir}/a`, []);
    assertEquals(Deno.readTextFileSync(`${dir}/a`), "");
    // Any iterable, e.g. a generator.
    writeChunksAtomicSync(
      `${dir}/b`,
      (function* () {
        yield "x";
        yield "y\n";
      })(),
    );
    assertEquals(Deno.readTextFileSync(`${dir}/b`), "xy\n");
  });
});

Deno.test("writeChunksAtomicSync: a failure mid-way leaves the old file and no temporary one", async () => {
  await withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/c`, "old");
    const failing = function* () {
      yield "a".repeat(300_000); // one chunk written
      throw new Error("broken generator");
    };
    assertThrows(() => writeChunksAtomicSync(`${dir}/c`, failing()), Error, "broken generator");
    assertEquals(Deno.readTextFileSync(`${dir}/c`), "old");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["c"]);
    assertThrows(() => writeChunksAtomicSync(`${dir}/missing/d`, ["x"]), Deno.errors.NotFound);
  });
});
