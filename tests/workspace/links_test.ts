/**
 * Symbolic links in and around job directories: flow reads nothing through a
 * linked job directory and writes nothing through any link (documents and
 * state points are replaced by an atomic rename, which replaces a link
 * rather than writing through it; a lock that is a link is no lock of ours).
 */

import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { snapshot, withTempDir } from "../_helpers.ts";
import { DataError, UsageError } from "../../src/errors.ts";
import { Document } from "../../src/workspace/document.ts";
import { withLock } from "../../src/workspace/lock.ts";
import { Project } from "../../src/workspace/project.ts";

Deno.test("a document that is a link out of the job is replaced, never written through", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(`${dir}/p`);
    const job = await project.openJob({ a: 1 }).init();
    Deno.mkdirSync(`${dir}/outside`);
    Deno.writeTextFileSync(`${dir}/outside/doc.json`, '{"secret": 1}');
    Deno.symlinkSync(`${dir}/outside/doc.json`, job.fn("signac_job_document.json"));
    // A dangling link too: its target must not be created.
    const other = await project.openJob({ a: 2 }).init();
    Deno.symlinkSync(`${dir}/outside/new.json`, other.fn("signac_job_document.json"));
    const before = snapshot(`${dir}/outside`);
    await job.doc.set("x", 1);
    await other.doc.set("x", 2);
    assertEquals(snapshot(`${dir}/outside`), before);
    for (const j of [job, other]) {
      assert(!Deno.lstatSync(j.fn("signac_job_document.json")).isSymlink, "the link was replaced");
    }
    assertEquals(await other.doc.read(), { x: 2 });
  });
});

Deno.test("a lock file that is a link is broken as stale, never written through or waited on", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/outside`);
    const doc = new Document(`${dir}/doc.json`);
    Deno.symlinkSync(`${dir}/outside/lock`, doc.lockPath); // dangling
    await withLock(doc.lockPath, () => {}, { timeoutMs: 10_000 });
    assertEquals([...Deno.readDirSync(`${dir}/outside`)], []);
    Deno.writeTextFileSync(`${dir}/outside/held`, "{}");
    Deno.symlinkSync(`${dir}/outside/held`, doc.lockPath);
    await doc.set("x", 1);
    assertEquals(Deno.readTextFileSync(`${dir}/outside/held`), "{}");
  });
});

Deno.test("a job directory that is a link: listed as a problem, refused by id, not initialised through", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(`${dir}/p`);
    const kept = await project.openJob({ a: 1 }).init();
    const moved = await project.openJob({ a: 2 }).init();
    Deno.renameSync(moved.path, `${dir}/elsewhere`);
    Deno.symlinkSync(`${dir}/elsewhere`, moved.path);
    const { jobs, problems } = await project.list();
    assertEquals(jobs.map((j) => j.id), [kept.id]);
    assertEquals(problems.length, 1);
    assertEquals(problems[0].id, moved.id);
    assert(problems[0].reason.startsWith("the job directory is a symbolic link (to "));
    assertEquals((await project.check()).map((p) => p.id), [moved.id]);
    for (const id of [moved.id, moved.id.slice(0, 6)]) {
      assertThrows(() => project.resolveId(id), UsageError, "is a symbolic link");
    }
    // A dangling link in a job's place: creating that job writes nothing through it.
    const fresh = project.openJob({ a: 3 });
    Deno.symlinkSync(`${dir}/nowhere`, fresh.path);
    assertThrows(() => fresh.initSync(), DataError, "is a symbolic link");
    assertThrows(() => Deno.lstatSync(`${dir}/nowhere`), Deno.errors.NotFound);
  });
});
