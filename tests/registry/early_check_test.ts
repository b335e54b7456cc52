import { assert, assertEquals } from "../_assert.ts";
import { counted, otherVersion, tick, withJobs } from "./_fixtures.ts";
import { CONDITION_CACHE_FILE, ConditionCache } from "../../src/registry/condition_cache.ts";
import { docTrue, isFile } from "../../src/registry/condition.ts";
import { startEarlyCheck, takeEarlyCheck } from "../../src/registry/early_check.ts";
import { Evaluator } from "../../src/registry/eligibility.ts";
import { Registry } from "../../src/registry/registry.ts";
import { type Job, JOB_DOCUMENT_FILE } from "../../src/workspace/job.ts";
import type { Project } from "../../src/workspace/project.ts";

/** Any size of file starts a check. */
const ANY = { fromLines: 0, belowLines: Infinity };

/** Evaluates `conditions` for every job through a fresh cache of settled results, and saves it. */
function firstRun(project: Project, jobs: Job[], ...conditions: ReturnType<typeof counted>[]) {
  const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
  const ev = new Evaluator(new Registry(), { cache });
  for (const c of conditions) for (const j of jobs) ev.holds(c, j);
  cache.save(jobs);
}

Deno.test("early check: what it found stands for the command that opens the same file", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }], async (jobs, project) => {
    await jobs[1].doc.replace({ done: false });
    const file = counted(isFile("a.txt"));
    const done = counted(docTrue("done"));
    firstRun(project, jobs, file, done);
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), ""); // the directory changes
    await jobs[1].doc.replace({ done: true }); // the document changes
    assert(startEarlyCheck(project.root, JOB_DOCUMENT_FILE, ANY));
    // No Worker of the cache's own (below 20,000 lines): only the early check runs ahead.
    const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
    cache.checkAhead(project.workspace); // (nothing: the early check stands in)
    await cache.prefetch(jobs);
    // Job 4's line was confirmed by the early check: a change since is not seen in this command
    // (as for the cache's own check ahead), which shows the check was taken over.
    Deno.writeTextFileSync(jobs[4].fn("a.txt"), "");
    const ev = new Evaluator(new Registry(), { cache });
    const both = () => jobs.map((j) => `${ev.holds(file, j)}/${ev.holds(done, j)}`);
    assertEquals(both(), [
      "true/false",
      "false/true",
      "false/false",
      "false/false",
      "false/false",
    ]);
    assertEquals([file.count, done.count], [5 + 2, 5 + 2], "jobs 0 and 1 evaluated again");
    cache.save(jobs);
  });
});

Deno.test("early check: a check of another version of the file is not used", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    const c = counted(isFile("a.txt"));
    firstRun(project, jobs, c);
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), "");
    // Another version of the file, whose line for job 0 has job 0's new stamp (and the old
    // answer): checked against it, job 0's line holds.
    const { path, text, other } = otherVersion(project, jobs[0]);
    Deno.writeTextFileSync(path, other);
    assert(startEarlyCheck(project.root, JOB_DOCUMENT_FILE, ANY));
    // Time for the early check to read and check the other file; then the file is replaced.
    await new Promise((r) => setTimeout(r, 500));
    Deno.writeTextFileSync(`${path}.new`, text);
    Deno.renameSync(`${path}.new`, path);
    const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
    await cache.prefetch(jobs);
    const ev = new Evaluator(new Registry(), { cache });
    assertEquals(jobs.map((j) => ev.holds(c, j)), [true, false]);
    assertEquals(c.count, 2 + 1, "job 0 evaluated again");
    cache.save(jobs);
  });
});

Deno.test("early check: starts only for a file whose size puts it in the range of lines", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }], (jobs, project) => {
    const root = project.root;
    assertEquals(startEarlyCheck(root, JOB_DOCUMENT_FILE, ANY), false, "no file yet");
    firstRun(project, jobs, counted(isFile("a.txt")));
    // Six lines of about 66 bytes (and a header): estimated between 6 and 7 lines.
    const lines = Deno.statSync(`${root}/${CONDITION_CACHE_FILE}`).size / 66;
    assert(lines >= 6 && lines < 7, `${lines}`);
    assertEquals(startEarlyCheck(root, JOB_DOCUMENT_FILE, { fromLines: 8 }), false);
    assertEquals(startEarlyCheck(root, JOB_DOCUMENT_FILE, { fromLines: 0, belowLines: 6 }), false);
    // The defaults: from 8,000 lines.
    assertEquals(startEarlyCheck(root, JOB_DOCUMENT_FILE), false);
    assertEquals(startEarlyCheck(root, JOB_DOCUMENT_FILE, { fromLines: 6, belowLines: 7 }), true);
    // One at a time.
    assertEquals(startEarlyCheck(root, JOB_DOCUMENT_FILE, ANY), false);
    const check = takeEarlyCheck(`${root}/${CONDITION_CACHE_FILE}`);
    assert(check !== undefined);
    check.worker.terminate();
    assertEquals(takeEarlyCheck(`${root}/${CONDITION_CACHE_FILE}`), undefined, "taken once");
  });
});

Deno.test("early check: a check of another project's file is ended, not taken", async () => {
  await withJobs([{ i: 0 }], async (jobs, project) => {
    firstRun(project, jobs, counted(isFile("a.txt")));
    assert(startEarlyCheck(project.root, JOB_DOCUMENT_FILE, ANY));
    assertEquals(takeEarlyCheck("/elsewhere/.flow/conditions.cache"), undefined);
    assertEquals(takeEarlyCheck(`${project.root}/${CONDITION_CACHE_FILE}`), undefined);
    // A cache opened now finds none, and answers by itself.
    const c = counted(isFile("a.txt"));
    const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
    await cache.prefetch(jobs);
    assertEquals(new Evaluator(new Registry(), { cache }).holds(c, jobs[0]), false);
    assertEquals(c.count, 0, "from the cache");
    cache.save(jobs);
  });
});

Deno.test("early check: a process that starts one ends by itself, taken over or not", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    firstRun(project, jobs, counted(isFile("a.txt")));
    const script = `${project.root}/end.ts`;
    const src = (m: string) =>
      JSON.stringify(new URL(`../../src/registry/${m}`, import.meta.url).href);
    const root = JSON.stringify(project.root);
    const start = `import { startEarlyCheck } from ${src("early_check.ts")};
import { ConditionCache } from ${src("condition_cache.ts")};
if (!startEarlyCheck(${root}, "${JOB_DOCUMENT_FILE}", { fromLines: 0 })) throw new Error("not started");
`;
    for (
      const end of [
        "", // never taken: the Worker ends once it has checked every line
        "ConditionCache.open(root)!.discard();",
        "ConditionCache.open(root)!.save();",
        "const c = ConditionCache.open(root)!; await c.prefetch([]); c.save();",
      ]
    ) {
      Deno.writeTextFileSync(script, `${start}const root = ${root};\n${end}\n`);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "-A", script],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const { code, stderr } = await child.output();
      clearTimeout(timer);
      assertEquals([code, new TextDecoder().decode(stderr)], [0, ""], end);
    }
  });
});
