import { assertEquals, assertThrows } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import {
  sweepTempFiles,
  tempNameFor,
  writeChunksAtomicSync,
  writeChunksSync,
} from "../../src/workspace/_atomic.ts";

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

Deno.test("sweepTempFiles: removes old temporary files of atomic writes only", async () => {
  await withTempDir((dir) => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    const old = tempNameFor(`${dir}/cache`);
    const recent = tempNameFor(`${dir}/cache`);
    const others = [`${dir}/cache`, `${dir}/notes.tmp`, `${dir}/.x.tmp`, `${dir}/.cache.12.tmp`];
    for (const p of [old, recent, ...others]) Deno.writeTextFileSync(p, "");
    for (const p of [old, ...others]) Deno.utimeSync(p, hourAgo, hourAgo);
    Deno.mkdirSync(`${dir}/sub`);
    const below = tempNameFor(`${dir}/sub/cache`);
    Deno.writeTextFileSync(below, "");
    Deno.utimeSync(below, hourAgo, hourAgo);
    sweepTempFiles(dir, 600_000);
    const left = new Set([...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`));
    assertEquals(left, new Set([recent, ...others, `${dir}/sub`]));
    assertEquals([...Deno.readDirSync(`${dir}/sub`)].length, 1, "not below the folder");
    sweepTempFiles(`${dir}/missing`, 0); // no folder: nothing happens
  });
});
