import { assert, assertEquals } from "../_assert.ts";
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
