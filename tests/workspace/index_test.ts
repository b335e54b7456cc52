import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { DataError } from "../../src/errors.ts";
import { Job } from "../../src/workspace/job.ts";
import { withTempDir } from "../_helpers.ts";
import { INDEX_FILE, IndexedJobs, readIndex, SETTLE_MS } from "../../src/workspace/index.ts";
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
    assertEquals(fresh.jobs.size, 5);
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
    assertEquals([idx.jobs.unread, idx.jobs.size], [3, 3]);
    assert([0, 1, 2].every((row) => idx.jobs.statePoint(row) === null));
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
    assertEquals(full.jobs.unread, 0);
    assertEquals(full.jobs.statePointOf(good.id), '{"a": 1}');

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

Deno.test("IndexedJobs: job lines read in place; malformed or unsorted lines refuse the index", () => {
  const [a, b, c] = ["0".repeat(32), "5".repeat(32), "f".repeat(32)];
  const text = `${a}\t{"x": 1}\n${b}\n${c}\t{"y": "\\t"}\n`;
  const jobs = IndexedJobs.parse(text)!;
  assertEquals([jobs.size, jobs.unread], [3, 1]);
  assertEquals([0, 1, 2].map((r) => jobs.id(r)), [a, b, c]);
  assertEquals([0, 1, 2].map((r) => jobs.statePoint(r)), ['{"x": 1}', null, '{"y": "\\t"}']);
  assertEquals(jobs.statePointOf(c), '{"y": "\\t"}');
  assertEquals(jobs.statePointOf(b), null);
  assertEquals(jobs.statePointOf("1".repeat(32)), undefined);
  const bad = [
    `${a.slice(1)}\n`, // an id too short
    `${a}0\n`, // ...too long
    `${a}\t\n`, // an empty state point
    `${a} {}\n`, // no tab after the id
    `${b}\t{}\n${a}\t{}\n`, // not sorted
    `${a}\n${a}\t{}\n`, // twice
    `${a}\t{}`, // no newline at the end
  ];
  for (const t of bad) assertEquals(IndexedJobs.parse(t), undefined, JSON.stringify(t));
});

Deno.test("readIndex: broken directories come after the jobs; a job line among them refuses the index", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const a = await p.openJob({ a: 1 }).init();
    const b = await p.openJob({ a: 2 }).init();
    Deno.removeSync(b.fn("signac_statepoint.json"));
    await p.list();
    const text = Deno.readTextFileSync(`${dir}/${INDEX_FILE}`);
    const [header, job, problem] = text.trimEnd().split("\n");
    assertEquals(job.split("\t")[0], a.id);
    assert(problem.startsWith(`!${b.id}\t`), problem);
    const idx = readIndex(dir, p.workspace)!;
    assertEquals([idx.jobs.size, idx.problems], [1, [[b.id, "state point file is missing"]]]);
    Deno.writeTextFileSync(`${dir}/${INDEX_FILE}`, `${header}\n${problem}\n${job}\n`);
    assertEquals(readIndex(dir, p.workspace), undefined);
  });
});

Deno.test("jobs listed from a trusted index take their state points from it, not from their files", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const jobs: Job[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await p.openJob({ i, s: `x${i}` }).init());
    age(p.workspace, 10_000);
    await p.list(); // writes the index with every state point
    // The files go behind the index's back (the folder's mtime restored): the index still has them.
    const st = Deno.statSync(p.workspace);
    for (const j of jobs) Deno.removeSync(j.fn("signac_statepoint.json"));
    Deno.utimeSync(p.workspace, st.atime!, st.mtime!);
    for (const lazy of [true, false]) {
      const listed = await p.list({ lazy });
      assertEquals(listed.problems, []);
      const want = jobs.map((j, i) => [j.id, { i, s: `x${i}` }]);
      const got = listed.jobs.map((j) => [j.id, j.sp]);
      assertEquals(got, want.sort(([x], [y]) => (x < y ? -1 : 1)));
    }
  });
});
