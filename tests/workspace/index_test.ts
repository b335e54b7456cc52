import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { DataError } from "../../src/errors.ts";
import { Job } from "../../src/workspace/job.ts";
import { withTempDir } from "../_helpers.ts";
import { INDEX_FILE, readIndex, SETTLE_MS } from "../../src/workspace/index.ts";
import { Project } from "../../src/workspace/project.ts";

function age(path: string, ms: number) {
  const t = new Date(Date.now() - ms);
  Deno.utimeSync(path, t, t);
}

Deno.test("a listing writes the index; it is trusted only once the workspace has settled", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    for (let i = 0; i < 5; i++) await p.openJob({ i }).init();
    age(p.workspace, 10_000);
    await p.list();
    const fresh = readIndex(dir, p.workspace)!;
    assertEquals(fresh.statePoints.size, 5);
    assert(fresh.trusted, "written 10 s after the last change: trusted");
    // A new job changes the workspace folder's mtime: the index is no longer trusted.
    await p.openJob({ i: 99 }).init();
    assert(!readIndex(dir, p.workspace)!.trusted);
    assertEquals((await p.list()).jobs.length, 6);
    // Written right after the change: not trusted until SETTLE_MS have passed.
    assert(!readIndex(dir, p.workspace)!.trusted);
    assert(SETTLE_MS >= 1000);
  });
});

Deno.test("a trusted index stands in for the folder listing (proved by hiding a directory)", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const a = await p.openJob({ a: 1 }).init();
    await p.openJob({ a: 2 }).init();
    age(p.workspace, 10_000);
    await p.list();
    // Remove a job behind the index's back and restore the folder's mtime.
    const st = Deno.statSync(p.workspace);
    Deno.removeSync(a.path, { recursive: true });
    Deno.utimeSync(p.workspace, st.atime!, st.mtime!);
    assertEquals((await p.list()).jobs.length, 2, "trusted index used");
    // Any real change of the folder is noticed.
    age(p.workspace, 5_000);
    assertEquals((await p.list()).jobs.length, 1);
  });
});

Deno.test("removing a job, and broken directories, are reflected; a malformed index is ignored", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const a = await p.openJob({ a: 1 }).init();
    const b = await p.openJob({ a: 2 }).init();
    Deno.removeSync(b.fn("signac_statepoint.json"));
    age(p.workspace, 10_000);
    const first = await p.list();
    assertEquals(first.problems.map((x) => x.id), [b.id]);
    const again = await p.list(); // from the trusted index
    assertEquals(again.problems.map((x) => x.reason), ["state point file is missing"]);
    await a.remove();
    assertEquals((await p.list()).jobs.length, 0);
    Deno.writeTextFileSync(`${dir}/${INDEX_FILE}`, "garbage");
    assertEquals(readIndex(dir, p.workspace), undefined);
    assertEquals((await p.list()).problems.length, 1);
  });
});

Deno.test("a lazy listing reads no state point: ids only in the index, each read and checked on first use", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const good = await p.openJob({ a: 1 }).init();
    const garbled = await p.openJob({ a: 2 }).init();
    const missing = await p.openJob({ a: 3 }).init();
    Deno.writeTextFileSync(garbled.fn("signac_statepoint.json"), "{not json");
    Deno.removeSync(missing.fn("signac_statepoint.json"));
    age(p.workspace, 10_000);

    const lazy = await p.list({ lazy: true });
    assertEquals(lazy.problems, [], "nothing read, nothing found broken");
    assertEquals(lazy.jobs.map((j) => j.id).sort(), [good.id, garbled.id, missing.id].sort());
    assert(lazy.jobs.every((j) => !j.spLoaded));
    const idx = readIndex(dir, p.workspace)!;
    assertEquals([idx.unread, idx.statePoints.size], [3, 3]);
    assert([...idx.statePoints.values()].every((t) => t === null));
    // On first use: read and checked.
    const byId = new Map(lazy.jobs.map((j) => [j.id, j]));
    assertEquals(byId.get(good.id)!.sp, { a: 1 });
    assert(byId.get(good.id)!.spLoaded);
    assertThrows(() => byId.get(garbled.id)!.sp, DataError, `job ${garbled.id}`);
    assertThrows(() => byId.get(missing.id)!.sp, DataError, "state point file is missing");

    // A lazy listing from the trusted index: still nothing read.
    assert(readIndex(dir, p.workspace)!.trusted);
    assert((await p.list({ lazy: true })).jobs.every((j) => !j.spLoaded));

    // A listing that needs state points reads what the index lacks, reports, and completes it.
    const eager = await p.list();
    assertEquals(eager.jobs.map((j) => j.id), [good.id]);
    assertEquals(eager.problems.map((x) => x.id).sort(), [garbled.id, missing.id].sort());
    const full = readIndex(dir, p.workspace)!;
    assertEquals(full.unread, 0);
    assertEquals(full.statePoints.get(good.id), '{"a": 1}');

    // Lazy again: known state points are used, known broken directories read and reported again.
    age(p.workspace, 5_000);
    const again = await p.list({ lazy: true });
    assertEquals(again.jobs.map((j) => [j.id, j.spLoaded]), [[good.id, true]]);
    assertEquals(again.problems.map((x) => x.id).sort(), [garbled.id, missing.id].sort());
    // ...and a repaired one becomes a job again.
    await new Job(p.workspace, missing.id, { a: 3 }).init();
    // Another time than the last listing recorded (the same one, to the ms, would trust the index).
    age(p.workspace, 7_000);
    assertEquals((await p.list({ lazy: true })).problems.map((x) => x.id), [garbled.id]);
  });
});

Deno.test("index lines of ids alone round-trip; a malformed one makes the index unusable", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const a = await p.openJob({ a: 1 }).init();
    await p.list({ lazy: true });
    const text = Deno.readTextFileSync(`${dir}/${INDEX_FILE}`);
    assertEquals(text.split("\n").slice(1), [a.id, ""]);
    Deno.writeTextFileSync(`${dir}/${INDEX_FILE}`, text.replace(a.id, a.id.slice(1)));
    assertEquals(readIndex(dir, p.workspace), undefined);
  });
});
