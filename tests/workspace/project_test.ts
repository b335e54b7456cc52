import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../_assert.ts";
import { copyDir, exists, withTempDir } from "../_helpers.ts";
import { Project, ProjectNotFoundError } from "../../src/workspace/project.ts";
import { DataError, UsageError } from "../../src/errors.ts";
import { float, PyFloat } from "../../src/workspace/value.ts";
import { readStatePointCache } from "../../src/workspace/cache.ts";

const FIXTURE = new URL("./fixtures/signac_project", import.meta.url).pathname;
const FIXTURE_IDS: string[] = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/signac_project_ids.json", import.meta.url)),
);

Deno.test("init writes signac's schema-2 layout and is idempotent", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(`${dir}/study`);
    assertEquals(Deno.readTextFileSync(`${dir}/study/.signac/config`), "schema_version = 2\n");
    assert(Deno.statSync(`${dir}/study/workspace`).isDirectory);
    await p.doc.set("title", "x");
    const again = await Project.init(`${dir}/study`);
    assertEquals(await again.doc.get("title"), "x");
    Deno.writeTextFileSync(`${dir}/notes`, "");
    await assertRejects(
      () => Project.init(`${dir}/notes`),
      UsageError,
      "it is a file, not a folder",
    );
  });
});

Deno.test("open searches upward and fails clearly when there is no project", async () => {
  await withTempDir(async (dir) => {
    await Project.init(dir);
    Deno.mkdirSync(`${dir}/a/b`, { recursive: true });
    assertEquals((await Project.open(`${dir}/a/b`)).root, dir);
    await assertRejects(() => Project.open(`${dir}/a/b`, { search: false }), ProjectNotFoundError);
    const none = Deno.makeTempDirSync();
    await assertRejects(() => Project.open(none), ProjectNotFoundError, "run 'flow init'");
    Deno.removeSync(none);
  });
});

Deno.test("a schema-1 project is refused with advice", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/.signac`);
    Deno.writeTextFileSync(`${dir}/.signac/config`, "project = old\nschema_version = 1\n");
    await assertRejects(() => Project.open(dir), DataError, "signac migrate");
  });
});

Deno.test("a project of a newer schema is refused without advice to migrate", async () => {
  await withTempDir(async (dir) => {
    Deno.mkdirSync(`${dir}/.signac`);
    Deno.writeTextFileSync(`${dir}/.signac/config`, "schema_version = 3\n");
    const e = await assertRejects(() => Project.open(dir), DataError, "a newer signac wrote it");
    assert(!e.message.includes("signac migrate"), e.message);
  });
});

Deno.test("a project of signac 1 (signac.rc) is named, from below it too; init refuses to hide it", async () => {
  await withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/signac.rc`, "project = old\nschema_version = 1\n");
    Deno.mkdirSync(`${dir}/workspace/sub`, { recursive: true });
    for (const from of [dir, `${dir}/workspace/sub`]) {
      await assertRejects(
        () => Project.open(from),
        DataError,
        `${dir}/signac.rc: a project of signac 1`,
      );
    }
    await assertRejects(() => Project.init(dir), DataError, "signac migrate");
    assertEquals(exists(`${dir}/.signac`), false);
  });
});

Deno.test("a project written by signac opens unchanged: ids, state points, documents, cache", async () => {
  await withTempDir(async (dir) => {
    copyDir(FIXTURE, dir);
    const p = await Project.open(dir);
    const { jobs, problems } = await p.list();
    assertEquals(problems, []);
    assertEquals(jobs.map((j) => j.id), FIXTURE_IDS);
    const byT = jobs.filter((j) => j.sp.seed === 2);
    assertEquals(byT.length, 2); // T: 2 and T: 2.0 are different jobs, as in signac
    assert(byT.some((j) => j.sp.T instanceof PyFloat) && byT.some((j) => j.sp.T === 2));
    const big = jobs.find((j) => "big" in j.sp)!;
    assertEquals(big.sp.big, 2n ** 70n);
    assertEquals(await p.doc.get("title"), "made by signac");
    const withDoc = jobs.find((j) => j.sp.p === "a")!;
    assertEquals(await withDoc.doc.get("done"), true);
    // signac's cache (4 of the 6 jobs) was read and left as signac wrote it.
    assertEquals(readStatePointCache(dir).size, 4);
    // updateSignacCache completes it, in signac's format.
    assertEquals(await p.updateSignacCache(), 6);
    assertEquals([...readStatePointCache(dir).keys()].sort(), FIXTURE_IDS);
  });
});

Deno.test("a project written here opens in signac (checked by Python with signac's rules)", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const sps = [{ T: float(1), seed: 0 }, { T: 1.5, u: "é😀", n: { a: [1, null] } }, {
      big: 2n ** 64n,
    }];
    for (const sp of sps) {
      const job = await p.openJob(sp).init();
      await job.doc.set("x", float(3));
    }
    await p.doc.set("title", "made by flow");
    await p.updateSignacCache();
    const script = `
import gzip, hashlib, json, os, sys
root = sys.argv[1]
calc = lambda sp: hashlib.md5(json.dumps(sp, sort_keys=True).encode()).hexdigest()
assert open(os.path.join(root, ".signac", "config")).read().split("=")[1].strip() == "2"
ids = sorted(os.listdir(os.path.join(root, "workspace")))
for i in ids:
    sp = json.load(open(os.path.join(root, "workspace", i, "signac_statepoint.json")))
    assert calc(sp) == i, (i, sp)
    doc = json.load(open(os.path.join(root, "workspace", i, "signac_job_document.json")))
    assert doc == {"x": 3.0} and isinstance(doc["x"], float), doc
cache = json.loads(gzip.open(os.path.join(root, ".signac", "statepoint_cache.json.gz")).read())
assert sorted(cache) == ids and all(calc(v) == k for k, v in cache.items())
assert json.load(open(os.path.join(root, "signac_project_document.json"))) == {"title": "made by flow"}
print(len(ids))
`;
    const r = await new Deno.Command("python3", { args: ["-c", script, dir] }).output();
    assertEquals(new TextDecoder().decode(r.stderr), "");
    assertEquals(new TextDecoder().decode(r.stdout).trim(), "3");
  });
});

Deno.test("jobs by id and by unique prefix; malformed, unknown and ambiguous ids are usage errors", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await p.openJob({ i }).init()).id);
    const full = await p.job(ids[0]);
    assertEquals(full.sp, { i: 0 });
    assertEquals((await p.job(ids[1].slice(0, 12))).id, ids[1]);
    await assertRejects(() => p.job("../../etc"), UsageError, "not a job id");
    await assertRejects(() => p.job("/etc/passwd"), UsageError, "not a job id");
    await assertRejects(() => p.job("zzzz"), UsageError, "not a job id");
    await assertRejects(() => p.job("0".repeat(32)), UsageError, "no job with id");
    const shared = ids.map((id) => id[0]).find((c, _, all) =>
      all.filter((x) => x === c).length > 1
    )!;
    await assertRejects(() => p.job(shared), UsageError, "ambiguous");
  });
});

Deno.test("openJob validates before anything is written", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    assertThrows(() => p.openJob({ "a.b": 1 }), UsageError, "contains '.'");
    assertThrows(() => p.openJob([1]), UsageError, "must be a JSON object");
    assertEquals([...Deno.readDirSync(p.workspace)].length, 0);
  });
});

Deno.test("bad data never crashes a listing: each broken directory is named with its reason", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const good = await p.openJob({ ok: 1 }).init();
    const missing = await p.openJob({ bad: "missing" }).init();
    const garbled = await p.openJob({ bad: "garbled" }).init();
    const moved = await p.openJob({ bad: "moved" }).init();
    const notObject = await p.openJob({ bad: "list" }).init();
    Deno.removeSync(missing.fn("signac_statepoint.json"));
    Deno.writeTextFileSync(garbled.fn("signac_statepoint.json"), '{"bad": ');
    Deno.writeTextFileSync(moved.fn("signac_statepoint.json"), '{"bad": "other"}');
    Deno.writeTextFileSync(notObject.fn("signac_statepoint.json"), "[1, 2]");
    Deno.mkdirSync(`${p.workspace}/not-a-job`);
    const { jobs, problems } = await p.list();
    assertEquals(jobs.map((j) => j.id), [good.id]);
    const reasons = new Map(problems.map((x) => [x.id, x.reason]));
    assertEquals(reasons.get(missing.id), "state point file is missing");
    assert(reasons.get(garbled.id)!.includes("invalid JSON at line 1"));
    assert(reasons.get(moved.id)!.includes("hashes to"));
    assertEquals(reasons.get(notObject.id), "the state point is not a JSON object");
    const checked = await p.check();
    assertEquals(checked.length, 5);
    assert(checked.some((x) => x.id === "not-a-job" && x.reason.includes("not a job directory")));
  });
});

Deno.test("check reads every file even when the cache says all is well", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const job = await p.openJob({ a: 1 }).init();
    await p.list(); // the index now holds the job
    Deno.writeTextFileSync(job.fn("signac_statepoint.json"), '{"a": 2}');
    assertEquals((await p.list()).problems, []); // ids are hashes: the index is trusted, as signac trusts its cache
    assertEquals((await p.check()).map((x) => x.id), [job.id]);
  });
});

Deno.test("check reports jobs whose document cannot be read; an absent document is fine", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    const fine = await p.openJob({ a: 1 }).init();
    const none = await p.openJob({ a: 2 }).init();
    const garbled = await p.openJob({ a: 3 }).init();
    const list = await p.openJob({ a: 4 }).init();
    await fine.doc.set("x", 1);
    Deno.writeTextFileSync(garbled.fn("signac_job_document.json"), '{"x": ');
    Deno.writeTextFileSync(list.fn("signac_job_document.json"), "[1]");
    const reasons = new Map((await p.check()).map((x) => [x.id, x.reason]));
    assertEquals([...reasons.keys()].sort(), [garbled.id, list.id].sort());
    assertMatch(reasons.get(garbled.id)!, /^job document: invalid JSON at line 1/);
    assertEquals(reasons.get(list.id), "job document: a document must be a JSON object");
    assert(!reasons.has(none.id));
  });
});

Deno.test("find, async iteration and remove", async () => {
  await withTempDir(async (dir) => {
    const p = await Project.init(dir);
    for (const T of [1, float(2), 3.5]) await p.openJob({ T }).init();
    const hot = await p.find({ T: { $gte: 2 } });
    assertEquals(hot.map((j) => Number(j.sp.T)).sort(), [2, 3.5]);
    const seen: string[] = [];
    for await (const job of p) seen.push(job.id);
    assertEquals(seen.length, 3);
    await hot[0].remove();
    assertEquals((await p.list()).jobs.length, 2);
    assertEquals(
      [...Deno.readDirSync(p.workspace)].filter((e) => e.name.startsWith(".")).length,
      0,
    );
  });
});

Deno.test("list reads many state points on two cores with the same result, broken jobs included", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    for (let i = 0; i < 40; i++) await project.openJob({ i, T: float(i / 2) }).init();
    const broken = (await project.list()).jobs.slice(0, 3).map((j) => j.id);
    Deno.removeSync(`${dir}/.flow`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/workspace/${broken[0]}/signac_statepoint.json`, "{garbled");
    Deno.removeSync(`${dir}/workspace/${broken[1]}/signac_statepoint.json`);
    Deno.writeTextFileSync(`${dir}/workspace/${broken[2]}/signac_statepoint.json`, '{"i": 999}');
    const one = project.listSync({ verify: true });
    const two = await project.list({ parallelFrom: 2 });
    assertEquals(two.jobs.map((j) => [j.id, j.sp]), one.jobs.map((j) => [j.id, j.sp]));
    assertEquals(two.problems, one.problems);
    assertEquals(two.problems.map((p) => p.id).sort(), [...broken].sort());
    assertEquals(two.jobs.length, 37);
    // The index written by the parallel listing serves the next one.
    assertEquals((await project.list()).jobs.map((j) => j.id), one.jobs.map((j) => j.id));
  });
});

Deno.test("list: onFolders hears every folder named as a job, sorted, when the folder is read, not when the index serves", async () => {
  await withTempDir(async (dir) => {
    const project = await Project.init(dir);
    const ids = [3, 1, 2].map((i) => project.openJob({ i }).initSync().id);
    Deno.mkdirSync(`${dir}/workspace/${"0".repeat(32)}`); // broken (no state point): a folder
    const heard: string[][] = [];
    const onFolders = (f: readonly string[]) => heard.push([...f]);
    const first = await project.list({ onFolders });
    assertEquals(first.jobs.length, 3);
    assertEquals(heard, [["0".repeat(32), ...ids].sort()]);
    // Synchronously too.
    project.listSync({ onFolders });
    assertEquals(heard.length, 2);
    // The folder last changed well before the index was written: the index serves.
    Deno.removeSync(`${dir}/.flow`, { recursive: true });
    const old = new Date(Date.now() - 10_000);
    Deno.utimeSync(`${dir}/workspace`, old, old);
    await project.list({ lazy: true, onFolders });
    assertEquals(heard.length, 3, "read: no index yet");
    await project.list({ lazy: true, onFolders });
    assertEquals(heard.length, 3, "from the index: no folder read");
  });
});
