import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { Document, DocumentError } from "../../src/workspace/document.ts";
import { Project } from "../../src/workspace/project.ts";
import { DataError, UsageError } from "../../src/errors.ts";
import { float, PyFloat } from "../../src/workspace/value.ts";

Deno.test("a missing document is empty; set, get, delete, replace", async () => {
  await withTempDir(async (dir) => {
    const doc = new Document(`${dir}/d.json`);
    assertEquals(await doc.read(), {});
    assertEquals(await doc.get("x", 5), 5);
    await doc.set("x", float(1));
    await doc.set("y", [1, 2]);
    assertEquals(Deno.readTextFileSync(`${dir}/d.json`), '{"x": 1.0, "y": [1, 2]}');
    assert((await doc.get("x")) instanceof PyFloat);
    await doc.delete("x");
    assertEquals(await doc.read(), { y: [1, 2] });
    await doc.replace({ z: null });
    assertEquals(await doc.read(), { z: null });
  });
});

Deno.test("a corrupt document is a DataError naming the file, and is not overwritten", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/d.json`, "{oops");
    const doc = new Document(`${dir}/d.json`);
    await assertRejects(() => doc.read(), DataError, `${dir}/d.json`);
    await assertRejects(() => doc.set("a", 1), DataError);
    assertEquals(Deno.readTextFileSync(`${dir}/d.json`), "{oops");
  });
});

Deno.test("invalid values are refused and the file keeps its old content", async () => {
  await withTempDir(async (dir) => {
    const doc = new Document(`${dir}/d.json`);
    await doc.set("a", 1);
    await assertRejects(
      () => doc.update((d) => void (d.f = (() => 1) as unknown as number)),
      UsageError,
    );
    assertEquals(await doc.read(), { a: 1 });
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["d.json"]); // no temp or lock files left
  });
});

Deno.test("8 processes each increment one counter 100 times: the result is 800", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    const job = await project.openJob({ shared: true }).init();
    const script = new URL("./_increment.ts", import.meta.url).pathname;
    const children = Array.from({ length: 8 }, () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--allow-read",
          "--allow-write",
          "--allow-sys=hostname",
          script,
          dir,
          job.id,
          "100",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output());
    const results = await Promise.all(children);
    for (const r of results) assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    assertEquals(await job.doc.get("counter"), 800);
  });
});

Deno.test("a document that cannot be read is a DocumentError naming its file and the reason", async () => {
  await withTempDir((dir) => {
    const cases: [string | null, RegExp][] = [
      ['{"a": ', /^invalid JSON at line 1, column 7/],
      ["[1, 2]", /^a document must be a JSON object$/],
      [null, /^cannot be read: /], // a folder where the file should be
    ];
    for (const [i, [text, reason]] of cases.entries()) {
      const path = `${dir}/doc${i}.json`;
      if (text === null) Deno.mkdirSync(path);
      else Deno.writeTextFileSync(path, text);
      let caught: unknown;
      try {
        new Document(path).readSync();
      } catch (e) {
        caught = e;
      }
      assert(caught instanceof DocumentError && caught instanceof DataError, String(caught));
      assertEquals(caught.path, path);
      assert(reason.test(caught.reason), caught.reason);
      assertEquals(caught.message, `${path}: ${caught.reason}`);
    }
  });
});
