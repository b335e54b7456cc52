import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import { op } from "./_fixture.ts";
import { collectStatus } from "../../src/status/collect.ts";
import { renderJson, statusJson } from "../../src/status/render_json.ts";
import { LEGEND, parameterText, renderText } from "../../src/status/render_text.ts";
import { measured, tableLayout as loadTableLayout } from "../../src/cli/commands/status.ts";
import { aggregateId, groupsOf } from "../../src/registry/aggregate.ts";
import { after, docTrue, isFile } from "../../src/registry/condition.ts";
import { Registry } from "../../src/registry/registry.ts";
import { Project } from "../../src/workspace/project.ts";
import type { Job } from "../../src/workspace/job.ts";

const tableLayout = await loadTableLayout();

/** Two jobs (T=1 with a.txt, T=2 without); prep, run, group ex, reduce over pairs, label has_a. */
async function small(dir: string): Promise<{ registry: Registry; jobs: Job[]; t1: Job; t2: Job }> {
  const project = await Project.init(dir);
  const t1 = await project.openJob({ T: 1, a: { nested: "x y" } }).init();
  const t2 = await project.openJob({ T: 2.5, a: { nested: [1, 2] } }).init();
  Deno.writeTextFileSync(t1.fn("a.txt"), "");
  const registry = new Registry();
  registry.addOperation(op("prep", [], [isFile("a.txt")]));
  registry.addOperation(op("run", [after("prep")], [isFile("b.txt")]));
  registry.addOperation(op("reduce", [], [docTrue("reduced")], groupsOf(2)));
  registry.addGroup("ex");
  registry.addToGroup("ex", "prep");
  registry.addToGroup("ex", "run");
  registry.addLabel("has_a", isFile("a.txt"));
  registry.validate();
  const { jobs } = await project.list();
  return { registry, jobs, t1, t2 };
}

Deno.test("text: wide characters line up (string-width is loaded when a cell needs it)", async () => {
  const rows = [["日本語", "1"], ["ab", "22"]];
  // The first table with a wide character in this module: laid out by length, then again.
  const plain = tableLayout.table(["name", "n"], rows, ["left", "right"]);
  const text = await measured(() => tableLayout.table(["name", "n"], rows, ["left", "right"]));
  assertEquals(text.split("\n"), ["name     n", "日本語   1", "ab      22"]);
  assert(plain !== text, "measured by length, the wide row would not line up");
  // Bars and ASCII alone are measured by their length: the same either way.
  const bars = [["x", tableLayout.bar(0.5)]];
  assertEquals(
    await measured(() => tableLayout.table(["a", "b"], bars, ["left", "left"])),
    tableLayout.table(["a", "b"], bars, ["left", "left"]),
  );
});

Deno.test("--json: the documented schema, exactly, keyed by job id then aggregate id", async () => {
  await withTempDir(async (dir) => {
    const { registry, jobs, t1, t2 } = await small(dir);
    const report = await collectStatus(registry, jobs);
    const agg = aggregateId(jobs.map((j) => j.id));
    const s = (eligible: boolean, completed: boolean) => ({
      eligible,
      completed,
      status: completed ? "complete" : eligible ? "eligible" : "ineligible",
    });
    const rows: Record<string, unknown> = {
      [t1.id]: {
        jobs: [t1.id],
        operations: { prep: s(false, true), run: s(true, false) },
        groups: { ex: s(true, false) },
        labels: ["has_a"],
      },
      [t2.id]: {
        jobs: [t2.id],
        operations: { prep: s(true, false), run: s(false, false) },
        groups: { ex: s(true, false) },
        labels: [],
      },
    };
    const expected: Record<string, unknown> = {};
    for (const j of jobs) expected[j.id] = rows[j.id];
    expected[agg] = {
      jobs: jobs.map((j) => j.id),
      operations: { reduce: s(true, false) },
      groups: {},
      labels: [],
    };
    assertEquals(renderJson(report), JSON.stringify(expected, null, 2));
    assertEquals(Object.keys(statusJson(report)), [...jobs.map((j) => j.id), agg]);
  });
});

Deno.test("--json with only-incomplete leaves out complete operations and complete keys", async () => {
  await withTempDir(async (dir) => {
    const { registry, jobs, t1, t2 } = await small(dir);
    Deno.writeTextFileSync(t1.fn("b.txt"), "");
    const json = statusJson(await collectStatus(registry, jobs, { operations: ["prep", "run"] }), {
      onlyIncomplete: true,
    });
    assertEquals(Object.keys(json), [t2.id]);
    assertEquals(Object.keys(json[t2.id].operations), ["prep", "run"]);
    assertEquals(json[t2.id].groups, {});
  });
});

Deno.test("text: overview, labels with bars, a summary row per operation and group", async () => {
  await withTempDir(async (dir) => {
    const { registry, jobs } = await small(dir);
    const text = renderText(await collectStatus(registry, jobs), {}, tableLayout);
    const lines = text.split("\n");
    assertEquals(
      lines[0],
      "Overview: 2 jobs, 2 with eligible operations; 1 aggregate, 1 with eligible operations",
    );
    assertStringIncludes(text, "Labels:\n");
    assertMatch(text, /^has_a +1 +█{10}░{10} 50%$/m);
    assertMatch(text, /^operation +eligible +complete +total +progress$/m);
    assertMatch(text, /^prep +1 +1 +2 +█{10}░{10} 50%$/m);
    assertMatch(text, /^run +1 +0 +2 +░{20} 0%$/m);
    assertMatch(text, /^reduce \(aggregate\) +1 +0 +1 +░{20} 0%$/m);
    assertMatch(text, /^ex \(group\) +2 +0 +2 +░{20} 0%$/m);
    assert(!text.includes("Detailed"), "no detailed table unless asked");
    assert(lines.every((l) => l === l.trimEnd()), "no trailing blanks");
  });
});

Deno.test("text --detailed: legend, one row per job and aggregate, -p columns with dotted keys, labels", async () => {
  await withTempDir(async (dir) => {
    const { registry, jobs, t1, t2 } = await small(dir);
    const report = await collectStatus(registry, jobs);
    const text = renderText(report, { detailed: true, parameters: ["T", "a.nested"] }, tableLayout);
    const detail = text.slice(text.indexOf("Detailed:"));
    const lines = detail.split("\n");
    assertEquals(lines[1], LEGEND);
    assertMatch(
      lines[2],
      /^job \/ aggregate +T +a\.nested +prep +run +reduce \(aggregate\) +ex \(group\) +labels$/,
    );
    const rowOf = (id: string) => lines.find((l) => l.startsWith(id))!;
    assertMatch(rowOf(t1.id), new RegExp(`^${t1.id} +1 +x y +done +ready +ready +has_a$`));
    assertMatch(rowOf(t2.id), new RegExp(`^${t2.id} +2\\.5 +\\[1, 2\\] +ready +- +ready$`));
    const agg = aggregateId(jobs.map((j) => j.id));
    assertMatch(rowOf(agg), new RegExp(`^${agg} +\\(mixed\\) +\\(mixed\\) +ready$`));
    assertEquals(lines.length, 6);
  });
});

Deno.test("text --only-incomplete: complete operations and rows are left out", async () => {
  await withTempDir(async (dir) => {
    const { registry, jobs, t1, t2 } = await small(dir);
    Deno.writeTextFileSync(t1.fn("b.txt"), "");
    await t1.doc.set("reduced", true);
    await t2.doc.set("reduced", true);
    const report = await collectStatus(registry, jobs);
    const text = renderText(report, { detailed: true, onlyIncomplete: true }, tableLayout);
    assert(!/^reduce/m.test(text), text);
    assertMatch(text, /^prep +1 +1 +2/m);
    const detail = text.slice(text.indexOf("Detailed:"));
    assertMatch(detail, /^job +prep +run +ex \(group\) +labels$/m);
    assert(!detail.includes(t1.id), "the complete job is left out");
    assertStringIncludes(detail, t2.id);
    Deno.writeTextFileSync(t2.fn("a.txt"), "");
    Deno.writeTextFileSync(t2.fn("b.txt"), "");
    const done = renderText(
      await collectStatus(registry, jobs),
      { detailed: true, onlyIncomplete: true },
      tableLayout,
    );
    assertStringIncludes(done, "Operations: every selected operation and group is complete");
    assertStringIncludes(done, "Detailed: everything selected is complete");
  });
});

Deno.test("parameterText: values as on command lines, blank when missing, (mixed) when jobs differ", async () => {
  await withTempDir(async (dir) => {
    const { t1, t2 } = await small(dir);
    assertEquals(parameterText([t1], "a.nested"), "x y");
    assertEquals(parameterText([t2], "T"), "2.5");
    assertEquals(parameterText([t1], "missing.key"), "");
    assertEquals(parameterText([t1, t2], "T"), "(mixed)");
    assertEquals(parameterText([t1, t1], "T"), "1");
  });
});

Deno.test("tableLayout: bars round down, so only a finished count shows a full bar", () => {
  assertEquals(tableLayout.bar(0), "░".repeat(20));
  assertEquals(tableLayout.bar(0.999), "█".repeat(19) + "░");
  assertEquals(tableLayout.bar(1), "█".repeat(20));
  assertEquals(
    tableLayout.table(["name", "n"], [["a", "1"], ["long", "10"]], ["left", "right"]),
    "name   n\na      1\nlong  10",
  );
});

Deno.test("tableLayout: long tables are drawn in pieces that keep the columns aligned", async () => {
  const rows = Array.from({ length: 2500 }, (_, i) => ["a".repeat(i % 7), String(i)]);
  rows[1234] = ["日本語", "x"];
  const lines = (await measured(() => tableLayout.table(["name", "n"], rows, ["left", "right"])))
    .split("\n");
  assertEquals(lines.length, 2501);
  assertEquals(lines[0], "name       n");
  assertEquals(lines[2499], "aaaaaa  2498");
  assertEquals(lines[1235], "日本語     x");
  assert(lines.every((l, i) => i === 1235 || l.length === 12), "every row as wide as the header");
});
