import { assert, assertEquals } from "../_assert.ts";
import { exists, withTempDir } from "../_helpers.ts";
import { op } from "./_fixture.ts";
import { groupsOf } from "../../src/registry/aggregate.ts";
import { after, type Condition, docTrue, fn, isFile, sh } from "../../src/registry/condition.ts";
import { ConditionCache } from "../../src/registry/condition_cache.ts";
import { Registry } from "../../src/registry/registry.ts";
import { collectStatus, type StatusReport } from "../../src/status/collect.ts";
import { STATE_CACHE_FILE, StateCache, stateFingerprint } from "../../src/status/state_cache.ts";
import type { Job } from "../../src/workspace/job.ts";
import { Project } from "../../src/workspace/project.ts";

/** Waits long enough for file time stamps (coarse clock ticks) to move on. */
const tick = () => new Promise((r) => setTimeout(r, 30));

/** prep (a.txt) -> run (b.txt); report (doc ready); reduce in pairs; labels on a.txt and doc done. */
function workflow(prepFile = "a.txt", label: Condition = docTrue("done")): Registry {
  const registry = new Registry();
  registry.addOperation(op("prep", [], [isFile(prepFile)]));
  registry.addOperation(op("run", [after("prep")], [isFile("b.txt")]));
  registry.addOperation(op("report", [docTrue("ready")], []));
  registry.addOperation(op("reduce", [isFile("a.txt")], [docTrue("reduced")], groupsOf(2)));
  registry.addGroup("ex");
  registry.addToGroup("ex", "prep");
  registry.addToGroup("ex", "run");
  registry.addLabel("has_a", isFile("a.txt"));
  registry.addLabel("done", label);
  registry.validate();
  return registry;
}

/** Everything a report says, as plain data. */
function summary(report: StatusReport) {
  return {
    entries: report.entries.map((e) => [e.name, e.eligible, e.complete, e.total]),
    rows: report.rows.map((r, i) => [
      r.id,
      report.entries.map((_, e) => report.code(i, e)).join(""),
      report.rowLabels(i).join(","),
    ]),
  };
}

/** One `flow status` with both caches (results settled at once), and the same without any. */
async function both(project: Project, registry: Registry) {
  const { jobs } = await project.list();
  const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
  const cached = await collectStatus(registry, jobs, {
    cache,
    states: new StateCache(project.root),
  });
  cache.save(jobs);
  const plain = await collectStatus(registry, jobs);
  return { cached: summary(cached), plain: summary(plain), jobs };
}

/** A project of four jobs: T=0 and T=1 past prep, T=1 with its document ready. */
async function study(
  dir: string,
): Promise<{ project: Project; jobs: Job[]; byT: (T: number) => Job }> {
  const project = await Project.init(dir);
  for (let T = 0; T < 4; T++) await project.openJob({ T }).init();
  const { jobs } = await project.list();
  const byT = (T: number) => jobs.find((j) => j.sp.T === T)!;
  Deno.writeTextFileSync(byT(0).fn("a.txt"), "");
  Deno.writeTextFileSync(byT(1).fn("a.txt"), "");
  await byT(1).doc.replace({ ready: true });
  return { project, jobs, byT };
}

Deno.test("state cache: written once every result comes from the condition cache, then read back", async () => {
  await withTempDir(async (dir) => {
    const { project } = await study(dir);
    const registry = workflow();
    const path = `${dir}/${STATE_CACHE_FILE}`;
    let r = await both(project, registry); // learns the conditions: the condition cache changes
    assertEquals(r.cached, r.plain);
    assert(!exists(path), "not from a command that changed the condition cache");
    r = await both(project, registry); // every result from the file
    assertEquals(r.cached, r.plain);
    assert(exists(path));
    const written = Deno.readFileSync(path);
    r = await both(project, registry);
    assertEquals(r.cached, r.plain);
    assertEquals(Deno.readFileSync(path), written, "nothing new: not written again");
    // Read back, not evaluated: a state changed in the file alone shows (prep of the first job
    // made eligible-and-complete, 7), which shows where the answer came from.
    const tampered = written.slice();
    // After the two lines of the header: prep's states of the four jobs, first.
    const body = tampered.indexOf(10, tampered.indexOf(10) + 1) + 1;
    tampered.set([7, 7, 7, 7], body);
    Deno.writeFileSync(path, tampered);
    r = await both(project, registry);
    assertEquals(r.cached.entries[0], ["prep", 4, 4, 4]);
    assert(JSON.stringify(r.cached) !== JSON.stringify(r.plain));
    // A new label: its results are learnt, the condition cache changes, nothing is recorded.
    const other = workflow("a.txt", docTrue("finished"));
    r = await both(project, other);
    assertEquals(r.cached, r.plain);
    assertEquals(Deno.readFileSync(path), tampered, "not from a command that learnt a result");
  });
});

Deno.test("state cache: any change to a job, the jobs or the conditions is evaluated again", async () => {
  await withTempDir(async (dir) => {
    const { project, byT } = await study(dir);
    let registry = workflow();
    const path = `${dir}/${STATE_CACHE_FILE}`;
    const settle = async () => {
      await both(project, registry);
      await both(project, registry);
      assert(exists(path), "written");
      await tick();
    };
    const changes: [string, () => Promise<void> | void][] = [
      ["a file appears", () => Deno.writeTextFileSync(byT(2).fn("a.txt"), "")],
      ["a file goes", () => Deno.removeSync(byT(0).fn("a.txt"))],
      ["a document changes", () => byT(3).doc.replace({ ready: true, done: true })],
      ["a job is added", async () => void await project.openJob({ T: 9 }).init()],
      ["a job is removed", () => Deno.removeSync(byT(1).path, { recursive: true })],
      ["a postcondition changes", () => void (registry = workflow("b.txt"))],
      ["a label changes", () => void (registry = workflow("b.txt", isFile("a.txt")))],
    ];
    for (const [what, change] of changes) {
      await settle();
      const before = (await both(project, registry)).cached;
      await change();
      const r = await both(project, registry);
      assertEquals(r.cached, r.plain, what);
      assert(JSON.stringify(r.cached) !== JSON.stringify(before), `${what}: the status changed`);
    }
  });
});

Deno.test("state cache: none for conditions the condition cache does not keep, nor for a selection", async () => {
  await withTempDir(async (dir) => {
    const { project } = await study(dir);
    const path = `${dir}/${STATE_CACHE_FILE}`;
    for (const label of [fn(() => true, "yes"), sh("true")]) {
      const registry = workflow("a.txt", label);
      assertEquals(stateFingerprint(registry), undefined);
      for (let i = 0; i < 3; i++) {
        const r = await both(project, registry);
        assertEquals(r.cached, r.plain);
      }
      assert(!exists(path), label.description);
    }
    const registry = workflow();
    const { jobs } = await project.list();
    for (let i = 0; i < 3; i++) {
      const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
      await collectStatus(registry, jobs, {
        cache,
        states: new StateCache(project.root),
        select: { jobs: new Set([jobs[0].id]) },
      });
      cache.save(jobs);
    }
    assert(!exists(path), "a selection");
  });
});

Deno.test("stateFingerprint: names each operation's and label's conditions", () => {
  const a = stateFingerprint(workflow())!;
  assert(a.includes("isfile\\u0000a.txt") && a.includes("after\\u0000prep"), a);
  assertEquals(stateFingerprint(workflow()), a, "the same workflow, the same fingerprint");
  assert(stateFingerprint(workflow("c.txt")) !== a);
  assert(stateFingerprint(workflow("a.txt", docTrue("finished"))) !== a);
  const more = workflow();
  more.addOperation(op("extra", [], [isFile("x")]));
  assert(stateFingerprint(more) !== a);
});

Deno.test("StateCache: states round-trip for one version, fingerprint and number of jobs only", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/.flow`);
    const cache = new StateCache(dir);
    const operations = new Map([["prep", Uint8Array.of(5, 3, 3)], ["run", Uint8Array.of(1, 1, 3)]]);
    const labelBits = Uint8Array.of(1, 0, 0, 1, 1, 1);
    cache.save("fp", "1:2:3", 3, { operations, labels: ["a", "b"], labelBits });
    const back = cache.lookup("fp", "1:2:3", 3)!;
    assertEquals([...back.operations.keys()], ["prep", "run"]);
    assertEquals([...back.operations.get("run")!], [1, 1, 3]);
    assertEquals([back.labels, [...back.labelBits]], [["a", "b"], [1, 0, 0, 1, 1, 1]]);
    assertEquals(cache.lookup("other", "1:2:3", 3), undefined);
    assertEquals(cache.lookup("fp", "1:2:4", 3), undefined);
    assertEquals(cache.lookup("fp", "1:2:3", 4), undefined);
    const bytes = Deno.readFileSync(`${dir}/${STATE_CACHE_FILE}`);
    Deno.writeFileSync(`${dir}/${STATE_CACHE_FILE}`, bytes.subarray(0, bytes.length - 1));
    assertEquals(cache.lookup("fp", "1:2:3", 3), undefined, "truncated");
    Deno.writeTextFileSync(`${dir}/${STATE_CACHE_FILE}`, "garbage\n{\n");
    assertEquals(cache.lookup("fp", "1:2:3", 3), undefined, "garbled");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
