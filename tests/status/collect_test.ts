import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { fixture, op } from "./_fixture.ts";
import {
  collectStatus,
  ConditionError,
  STATE,
  type StatusReport,
} from "../../src/status/collect.ts";
import { statusView } from "../../src/status/select.ts";
import { aggregateId, groupBy, single } from "../../src/registry/aggregate.ts";
import { docTrue, fn, isFile } from "../../src/registry/condition.ts";
import { DefinitionError } from "../../src/registry/error.ts";
import { Registry } from "../../src/registry/registry.ts";
import { UsageError } from "../../src/errors.ts";

/** name → [eligible, complete, total] */
function counts(report: StatusReport): Record<string, [number, number, number]> {
  return Object.fromEntries(
    report.entries.map((e) => [e.name, [e.eligible, e.complete, e.total]]),
  );
}

function stateOf(report: StatusReport, rowId: string, entry: string): string {
  const r = report.rows.findIndex((row) => row.id === rowId);
  const e = report.entries.findIndex((x) => x.name === entry);
  assert(r >= 0 && e >= 0, `${rowId} / ${entry}`);
  const s = report.state(r, e);
  return s === undefined ? "n/a" : s.complete ? "complete" : s.eligible ? "eligible" : "ineligible";
}

Deno.test("counts eligible and complete per operation and group; groups: any eligible, all complete", async () => {
  await withTempDir(async (dir) => {
    const { jobs, byT, registry } = await fixture(dir);
    const report = await collectStatus(registry, jobs);
    assertEquals(report.entries.map((e) => [e.name, e.kind]), [
      ["prep", "operation"],
      ["run", "operation"],
      ["report", "operation"],
      ["reduce", "operation"],
      ["ex", "group"],
    ]);
    assertEquals(counts(report), {
      prep: [2, 2, 4],
      run: [1, 1, 4],
      report: [0, 0, 4],
      reduce: [1, 0, 2],
      ex: [3, 1, 4],
    });
    const id = (T: number) => byT.get(T)!.id;
    // T=1: prep and run complete → ex complete, not eligible.
    assertEquals(stateOf(report, id(1), "ex"), "complete");
    // T=2: prep complete, run eligible → ex eligible (any), not complete (not all).
    assertEquals(stateOf(report, id(2), "prep"), "complete");
    assertEquals(stateOf(report, id(2), "run"), "eligible");
    assertEquals(stateOf(report, id(2), "ex"), "eligible");
    // T=3: run waits on prep.
    assertEquals(stateOf(report, id(3), "run"), "ineligible");
    assertEquals(stateOf(report, id(3), "ex"), "eligible");
    // An aggregate operation does not apply to a job row.
    assertEquals(stateOf(report, id(3), "reduce"), "n/a");
    assertEquals(report.jobCount, 4);
    assertEquals(report.jobsEligible, 3);
  });
});

Deno.test("an operation without postconditions is eligible when its preconditions hold, never complete", async () => {
  await withTempDir(async (dir) => {
    const { jobs, byT, registry } = await fixture(dir);
    await byT.get(4)!.doc.set("ready", true);
    const report = await collectStatus(registry, jobs);
    assertEquals(counts(report).report, [1, 0, 4]);
    assertEquals(stateOf(report, byT.get(4)!.id, "report"), "eligible");
    assertEquals(stateOf(report, byT.get(1)!.id, "report"), "ineligible");
  });
});

Deno.test("aggregates: rows keyed by agg- id, in aggregation order, evaluated over all their jobs", async () => {
  await withTempDir(async (dir) => {
    const { jobs, registry } = await fixture(dir);
    const pair1 = aggregateId([jobs[0].id, jobs[1].id]);
    const pair2 = aggregateId([jobs[2].id, jobs[3].id]);
    const report = await collectStatus(registry, jobs);
    assertEquals(report.rows.map((r) => r.id), [...jobs.map((j) => j.id), pair1, pair2]);
    assertEquals(report.rows[4].jobs.map((j) => j.id), [jobs[0].id, jobs[1].id]);
    assert(report.rows[4].aggregate && !report.rows[0].aggregate);
    assertEquals(report.aggregateCount, 2);
    // reduce needs a.txt in every job of the pair: which pair has both depends on the ids.
    const expect = (a: number, b: number) =>
      jobs[a].isFileSync("a.txt") && jobs[b].isFileSync("a.txt") ? "eligible" : "ineligible";
    assertEquals(stateOf(report, pair1, "reduce"), expect(0, 1));
    assertEquals(stateOf(report, pair2, "reduce"), expect(2, 3));
    assertEquals(stateOf(report, pair1, "prep"), "n/a");
    await jobs[0].doc.set("reduced", true);
    const partly = await collectStatus(registry, jobs, { operations: ["reduce"] });
    // Complete only when the postcondition holds for every job of the aggregate.
    assertEquals(stateOf(partly, pair1, "reduce"), expect(0, 1));
    await jobs[1].doc.set("reduced", true);
    const done = await collectStatus(registry, jobs, { operations: ["reduce"] });
    assertEquals(stateOf(done, pair1, "reduce"), "complete");
  });
});

Deno.test("a group's aggregates come from its first operation; groupBy aggregates", async () => {
  await withTempDir(async (dir) => {
    const { jobs, byT } = await fixture(dir);
    const byHot = groupBy("hot");
    const registry = new Registry();
    registry.addOperation(op("collect", [], [isFile("a.txt")], byHot));
    registry.addOperation(op("plot", [], [isFile("b.txt")], byHot));
    registry.addGroup("both");
    registry.addToGroup("both", "collect");
    registry.addToGroup("both", "plot");
    registry.validate();
    // No job has 'hot': one aggregate of all four jobs.
    const report = await collectStatus(registry, jobs);
    const all = aggregateId(jobs.map((j) => j.id));
    assertEquals(report.rows.map((r) => r.id), [...jobs.map((j) => j.id), all]);
    assertEquals(counts(report), { collect: [1, 0, 1], plot: [1, 0, 1], both: [1, 0, 1] });
    for (const T of [1, 2, 3, 4]) Deno.writeTextFileSync(byT.get(T)!.fn("a.txt"), "");
    const later = await collectStatus(registry, jobs);
    assertEquals(counts(later), { collect: [0, 1, 1], plot: [1, 0, 1], both: [1, 0, 1] });
  });
});

Deno.test("labels: counted per job; an aggregate row has the labels of all its jobs", async () => {
  await withTempDir(async (dir) => {
    const { jobs, byT, registry } = await fixture(dir);
    const report = await collectStatus(registry, jobs);
    assertEquals(report.labels, [{ name: "has_a", count: 2 }, { name: "hot", count: 2 }]);
    const rowOf = (id: string) => report.rows.findIndex((r) => r.id === id);
    assertEquals(report.rowLabels(rowOf(byT.get(1)!.id)), ["has_a"]);
    assertEquals(report.rowLabels(rowOf(byT.get(3)!.id)), ["hot"]);
    for (let r = 4; r < report.rows.length; r++) {
      const members = report.rows[r].jobs.map((j) => report.rowLabels(rowOf(j.id)));
      const common = ["has_a", "hot"].filter((l) => members.every((m) => m.includes(l)));
      assertEquals(report.rowLabels(r), common);
    }
  });
});

Deno.test("-o patterns match whole names; groups sharing operations may be selected together", async () => {
  await withTempDir(async (dir) => {
    const { jobs, registry } = await fixture(dir);
    const names = async (patterns: string[]) =>
      (await collectStatus(registry, jobs, { operations: patterns })).entries.map((e) => e.name);
    assertEquals(await names(["r.*"]), ["run", "report", "reduce"]);
    assertEquals(await names(["ex", "prep"]), ["prep", "ex"]);
    // Whole names only: 're' is no prefix match.
    await assertRejects(() => names(["re"]), DefinitionError, "unknown operation or group 're'");
    const selected = await collectStatus(registry, jobs, { operations: ["ex"] });
    assertEquals(counts(selected), { ex: [3, 1, 4] });
    await assertRejects(
      () => collectStatus(registry, jobs, { operations: ["prepp"] }),
      DefinitionError,
      "unknown operation or group 'prepp' (did you mean 'prep'?)",
    );
    await assertRejects(
      () => collectStatus(registry, jobs, { operations: ["(x"] }),
      DefinitionError,
      "not a valid regular expression",
    );
  });
});

Deno.test("selection: jobs, aggregates whose jobs are all selected, named aggregates and prefixes", async () => {
  await withTempDir(async (dir) => {
    const { jobs, registry } = await fixture(dir);
    const pair1 = aggregateId([jobs[0].id, jobs[1].id]);
    const pair2 = aggregateId([jobs[2].id, jobs[3].id]);
    const ids = (r: StatusReport) => r.rows.map((row) => row.id);
    const one = await collectStatus(registry, jobs, { select: { jobs: new Set([jobs[0].id]) } });
    assertEquals(ids(one), [jobs[0].id]);
    assertEquals(counts(one).prep[2], 1);
    assertEquals(counts(one).reduce, [0, 0, 0]);
    const two = await collectStatus(registry, jobs, {
      select: { jobs: new Set([jobs[0].id, jobs[1].id, jobs[2].id]) },
    });
    assertEquals(ids(two), [jobs[0].id, jobs[1].id, jobs[2].id, pair1]);
    const named = await collectStatus(registry, jobs, {
      select: { aggregates: new Set([pair2.slice(0, 12)]) },
    });
    assertEquals(ids(named), [pair2]);
    assertEquals(named.jobCount, 0);
    await assertRejects(
      () => collectStatus(registry, jobs, { select: { aggregates: new Set(["agg-zzz"]) } }),
      UsageError,
      "no aggregate 'agg-zzz'",
    );
    await assertRejects(
      () => collectStatus(registry, jobs, { select: { aggregates: new Set(["agg-"]) } }),
      UsageError,
      "ambiguous",
    );
    await assertRejects(
      () => collectStatus(registry, jobs, { select: { jobs: new Set(["f".repeat(32)]) } }),
      UsageError,
      "no job with id",
    );
    // Labels are counted over the selected jobs only.
    const first = jobs[0];
    assertEquals(one.labels.map((l) => l.count), [
      first.isFileSync("a.txt") ? 1 : 0,
      Number(first.sp.T) >= 3 ? 1 : 0,
    ]);
  });
});

Deno.test("only-incomplete view: drops entries complete everywhere and rows where all is complete", async () => {
  await withTempDir(async (dir) => {
    const { jobs, byT, registry } = await fixture(dir);
    const report = await collectStatus(registry, jobs, { operations: ["prep", "run", "ex"] });
    const full = statusView(report);
    assertEquals(full.entries, [0, 1, 2]);
    assertEquals(full.rows.length, 4);
    const view = statusView(report, { onlyIncomplete: true });
    assertEquals(view.entries, [0, 1, 2]);
    // T=1 is complete for prep, run and ex.
    assertEquals(
      view.rows.map((r) => report.rows[r].id),
      jobs.filter((j) => j !== byT.get(1)).map((j) => j.id),
    );
    for (const T of [2, 3, 4]) {
      Deno.writeTextFileSync(byT.get(T)!.fn("a.txt"), "");
      if (T !== 4) Deno.writeTextFileSync(byT.get(T)!.fn("b.txt"), "");
    }
    const later = await collectStatus(registry, jobs, { operations: ["prep", "run", "ex"] });
    const laterView = statusView(later, { onlyIncomplete: true });
    assertEquals(laterView.entries.map((e) => later.entries[e].name), ["run", "ex"]);
    assertEquals(laterView.rows.map((r) => later.rows[r].id), [byT.get(4)!.id]);
  });
});

Deno.test("asynchronous conditions are awaited; one evaluator memoises across operations and labels", async () => {
  await withTempDir(async (dir) => {
    const { jobs } = await fixture(dir);
    const calls = new Map<string, number>();
    const slowHot = fn(async (job) => {
      calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1));
      return Number(job.sp.T) >= 3;
    }, "slowHot");
    const registry = new Registry();
    registry.addOperation(op("cool", [], [slowHot]));
    registry.addOperation(op("heat", [slowHot], [docTrue("heated")]));
    registry.addLabel("hot", slowHot);
    registry.validate();
    const progress: [number, number][] = [];
    const report = await collectStatus(registry, jobs, {
      onProgress: (done, total) => progress.push([done, total]),
    });
    assertEquals(counts(report), { cool: [2, 2, 4], heat: [2, 0, 4] });
    assertEquals(report.labels, [{ name: "hot", count: 2 }]);
    assertEquals([...calls.values()], [1, 1, 1, 1]);
    assertEquals(progress[0], [0, 12]);
    assertEquals(progress.at(-1), [12, 12]);
  });
});

Deno.test("a condition that throws becomes a ConditionError naming the operation and the job", async () => {
  await withTempDir(async (dir) => {
    const { jobs } = await fixture(dir);
    const registry = new Registry();
    const boom = fn((job) => {
      if (job.sp.T === 3) throw new Error("boom");
      return true;
    }, "boom");
    registry.addOperation(op("fragile", [boom], []));
    registry.validate();
    const third = jobs.find((j) => j.sp.T === 3)!;
    await assertRejects(
      () => collectStatus(registry, jobs),
      ConditionError,
      `operation 'fragile' on job ${third.id}: a condition failed: boom`,
    );
    const asyncRegistry = new Registry();
    asyncRegistry.addLabel(
      "flaky",
      fn((job) => job.sp.T === 2 ? Promise.reject(new Error("later")) : Promise.resolve(true)),
    );
    asyncRegistry.validate();
    await assertRejects(() => collectStatus(asyncRegistry, jobs), ConditionError, "later");
  });
});

Deno.test("no jobs, no operations: an empty report; STATE bits as documented", async () => {
  const report = await collectStatus(new Registry(), []);
  assertEquals([report.jobCount, report.rows.length, report.entries.length], [0, 0, 0]);
  assertEquals(STATE, { applies: 1, eligible: 2, complete: 4 });
  const r = new Registry();
  r.addOperation(op("only", [], [isFile("x")], single));
  const empty = await collectStatus(r, []);
  assertEquals(counts(empty), { only: [0, 0, 0] });
});

Deno.test("a group is complete only when every operation is, eligible when any is", async () => {
  await withTempDir(async (dir) => {
    const { jobs, byT, registry } = await fixture(dir);
    // T=3: run's postcondition holds but prep's does not.
    Deno.writeTextFileSync(byT.get(3)!.fn("b.txt"), "");
    const report = await collectStatus(registry, jobs, { operations: ["prep", "run", "ex"] });
    const t3 = byT.get(3)!.id;
    assertEquals(stateOf(report, t3, "run"), "complete");
    assertEquals(stateOf(report, t3, "prep"), "eligible");
    assertEquals(stateOf(report, t3, "ex"), "eligible");
    // T=4: prep eligible, run not: the group is eligible through prep alone.
    assertEquals(stateOf(report, byT.get(4)!.id, "run"), "ineligible");
    assertEquals(stateOf(report, byT.get(4)!.id, "ex"), "eligible");
    assertEquals(counts(report).ex, [3, 1, 4]);
    // No operation eligible and not all complete: neither.
    const r2 = new Registry();
    r2.addOperation(op("a", [isFile("never.txt")], [isFile("x.txt")]));
    r2.addOperation(op("b", [], [isFile("a.txt")]));
    r2.addGroup("g");
    r2.addToGroup("g", "a");
    r2.addToGroup("g", "b");
    const g = await collectStatus(r2, jobs, { operations: ["g"] });
    assertEquals(stateOf(g, byT.get(1)!.id, "g"), "ineligible");
    assertEquals(counts(g).g, [2, 0, 4]);
  });
});
