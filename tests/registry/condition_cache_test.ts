import { assert, assertEquals } from "../_assert.ts";
import { flow } from "../_helpers.ts";
import { counted, op, otherVersion, tick, withJobs } from "./_fixtures.ts";
import { CONDITION_CACHE_FILE, ConditionCache } from "../../src/registry/condition_cache.ts";
import { type Condition, docTrue, fn, isFile, not } from "../../src/registry/condition.ts";
import { Evaluator } from "../../src/registry/eligibility.ts";
import { Registry } from "../../src/registry/registry.ts";
import type { Job } from "../../src/workspace/job.ts";
import type { Project } from "../../src/workspace/project.ts";

/** Evaluates `condition` for every job through a fresh cache (as one command does), then saves it. */
function evaluate(
  project: Project,
  jobs: Job[],
  condition: Condition,
  settleMs = -1000,
): boolean[] {
  const cache = ConditionCache.open(project.root, { settleMs })!;
  const ev = new Evaluator(new Registry(), { cache });
  const out = jobs.map((j) => ev.holds(condition, j) as boolean);
  cache.save(jobs);
  return out;
}

/** Runs `fn` with a fresh cache of settled results (one command) and saves it. */
async function withCache<T>(
  project: Project,
  fn: (cache: ConditionCache) => Promise<T>,
): Promise<T> {
  const cache = ConditionCache.open(project.root, { settleMs: -1000, parallelFrom: 1 })!;
  try {
    return await fn(cache);
  } finally {
    cache.save();
  }
}

Deno.test("condition cache: unchanged jobs are answered without evaluating again", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }], (jobs, project) => {
    Deno.writeTextFileSync(jobs[1].fn("a.txt"), "");
    const c = counted(isFile("a.txt"));
    assertEquals(evaluate(project, jobs, c), [false, true, false]);
    assertEquals(c.count, 3);
    assertEquals(evaluate(project, jobs, c), [false, true, false]);
    assertEquals(c.count, 3, "second command: all from the cache");
    const text = Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`);
    assertEquals(text.trim().split("\n").length, 2 + 3, "header, keys, one line per job");
    // No probe files are left behind.
    const stray = [...Deno.readDirSync(`${project.root}/.flow`)].filter((e) =>
      e.name.endsWith(".tmp")
    );
    assertEquals(stray, []);
  });
});

Deno.test("condition cache: an open cache holds no file (an interrupted command leaves none); old strays go", async () => {
  await withJobs([{ i: 0 }], (_jobs, project) => {
    const flowDir = `${project.root}/.flow`;
    Deno.mkdirSync(flowDir, { recursive: true });
    // What a command killed while saving left, an hour ago; and one saving right now.
    const stray = `${flowDir}/.conditions.cache.4242.1.abcd1234.tmp`;
    const saving = `${flowDir}/.conditions.cache.4343.1.efgh5678.tmp`;
    Deno.writeTextFileSync(stray, "half a cache");
    Deno.writeTextFileSync(saving, "");
    const hourAgo = new Date(Date.now() - 3_600_000);
    Deno.utimeSync(stray, hourAgo, hourAgo);
    const cache = ConditionCache.open(project.root)!;
    const temps = () =>
      [...Deno.readDirSync(flowDir)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
    assertEquals(temps(), [".conditions.cache.4343.1.efgh5678.tmp"]);
    cache.discard();
    assertEquals(temps(), [".conditions.cache.4343.1.efgh5678.tmp"]);
  });
});

Deno.test("condition cache: a file created or removed in a job invalidates that job only", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    const c = counted(isFile("a.txt"));
    assertEquals(evaluate(project, jobs, c), [false, false]);
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), "");
    assertEquals(evaluate(project, jobs, c), [true, false]);
    assertEquals(c.count, 3, "only the changed job was evaluated again");
    await tick();
    Deno.removeSync(jobs[0].fn("a.txt"));
    assertEquals(evaluate(project, jobs, c), [false, false]);
    assertEquals(c.count, 4);
  });
});

Deno.test("condition cache: a document written in place or by rename invalidates doc conditions", async () => {
  await withJobs([{ i: 0 }], async (jobs, project) => {
    const job = jobs[0];
    const c = counted(docTrue("done"));
    await job.doc.replace({ done: false });
    await tick();
    assertEquals(evaluate(project, jobs, c), [false]);
    await tick();
    // In place: the directory does not change, the document's times do.
    const fd = Deno.openSync(job.doc.path, { write: true, truncate: true });
    fd.writeSync(new TextEncoder().encode('{"done": true}'));
    fd.close();
    assertEquals(evaluate(project, jobs, c), [true]);
    await tick();
    await job.doc.replace({ done: 0 }); // atomic rename
    assertEquals(evaluate(project, jobs, c), [false]);
    assertEquals(c.count, 3);
  });
});

Deno.test("condition cache: jobs with symbolic links, recent changes or uncacheable conditions are evaluated each time", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    const outside = `${project.root}/outside.txt`;
    Deno.writeTextFileSync(outside, "");
    Deno.symlinkSync(outside, jobs[0].fn("a.txt"));
    const c = counted(isFile("a.txt"));
    assertEquals(evaluate(project, jobs, c), [true, false]);
    assertEquals(evaluate(project, jobs, c), [true, false]);
    assertEquals(c.count, 3, "the job with a link twice, the other once");
    Deno.removeSync(outside);
    assertEquals(evaluate(project, jobs, c), [false, false], "the link's target went away");
    // Changed just now: with the real settling time nothing is kept.
    const recent = [await project.openJob({ i: 2 }).init()];
    const fresh = counted(not(isFile("b.txt")));
    evaluate(project, recent, fresh, 60_000);
    evaluate(project, recent, fresh, 60_000);
    assertEquals(fresh.count, 2);
    // Function conditions are never cached.
    let calls = 0;
    const f = fn(() => (calls++, true));
    evaluate(project, jobs, f);
    evaluate(project, jobs, f);
    assertEquals(calls, 4);
  });
});

Deno.test("condition cache: a first run's scans, shared by chunks between two threads, answer as listing each job would", async () => {
  // Enough jobs (3,000) that the Worker, which starts after tens of ms, takes chunks too.
  const sps = Array.from({ length: 3000 }, (_, i) => ({ i }));
  await withJobs(sps, async (jobs, project) => {
    jobs.forEach((j, i) => {
      if (i % 7 === 0) Deno.writeTextFileSync(j.fn("a.txt"), "");
      if (i % 11 === 0) Deno.writeTextFileSync(j.fn("b.txt"), "");
    });
    const conditions = [isFile("a.txt"), isFile("b.txt")];
    const want = jobs.map((_, i) => [i % 7 === 0, i % 11 === 0]);
    const cache = ConditionCache.open(project.root, { settleMs: -1000, parallelFrom: 1 })!;
    await cache.prefetch(jobs);
    const ev = new Evaluator(new Registry(), { cache });
    const got = jobs.map((j) => conditions.map((c) => ev.holds(c, j)));
    const wrong = got.flatMap((g, i) => (g[0] === want[i][0] && g[1] === want[i][1] ? [] : [i]));
    assertEquals(wrong, []);
    cache.save(jobs);
  });
});

Deno.test("condition cache: stamps read ahead by a Worker give the same answers and catch changes", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }], async (jobs, project) => {
    Deno.writeTextFileSync(jobs[3].fn("a.txt"), "");
    const c = counted(isFile("a.txt"));
    assertEquals(evaluate(project, jobs, c), [false, false, false, true]);
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), ""); // changed: a file created
    Deno.removeSync(jobs[3].fn("a.txt")); // changed: a file removed
    const cache = ConditionCache.open(project.root, { settleMs: -1000, parallelFrom: 1 })!;
    await cache.prefetch(jobs);
    const ev = new Evaluator(new Registry(), { cache });
    assertEquals(jobs.map((j) => ev.holds(c, j)), [true, false, false, false]);
    assertEquals(c.count, 4 + 2, "only the two changed jobs were evaluated again");
    cache.save(jobs);
  });
});

Deno.test("condition cache: a stamp read ahead is used once: after forget() the job's times are read again", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    const c = counted(isFile("a.txt"));
    assertEquals(evaluate(project, jobs, c), [false, false]);
    await tick();
    const cache = ConditionCache.open(project.root, { settleMs: -1000, parallelFrom: 1 })!;
    await cache.prefetch(jobs); // stamps only: the cache knows both jobs
    const ev = new Evaluator(new Registry(), { cache });
    assertEquals(jobs.map((j) => ev.holds(c, j)), [false, false]);
    assertEquals(c.count, 2, "confirmed by the stamps read ahead");
    // An operation changes both jobs, then the evaluator forgets them.
    for (const j of jobs) Deno.writeTextFileSync(j.fn("a.txt"), "");
    ev.forget(jobs);
    assertEquals(jobs.map((j) => ev.holds(c, j)), [true, true], "not the stamps read before");
    assertEquals(c.count, 4);
    cache.save(jobs);
  });
});

Deno.test("condition cache: listings read ahead on a first run (packed per job) answer as listing each job would", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }], async (jobs, project) => {
    Deno.writeTextFileSync(jobs[0].fn("a b.txt"), "");
    Deno.writeTextFileSync(jobs[1].fn("x\ny"), "");
    Deno.writeTextFileSync(jobs[2].fn("a b.txt"), "");
    Deno.mkdirSync(jobs[2].fn("sub"));
    Deno.writeTextFileSync(`${project.root}/target`, "");
    Deno.symlinkSync(`${project.root}/target`, jobs[3].fn("x\ny"));
    await jobs[3].doc.replace({ done: true });
    const conditions = [isFile("a b.txt"), isFile("x\ny"), isFile("sub"), docTrue("done")];
    const answers = (prefetch: boolean) =>
      withCache(project, async (cache) => {
        if (prefetch) await cache.prefetch(jobs);
        const ev = new Evaluator(new Registry(), { cache });
        return jobs.map((j) => conditions.map((c) => ev.holds(c, j)));
      });
    const direct = await answers(false);
    assertEquals(direct, [
      [true, false, false, false],
      [false, true, false, false],
      [true, false, false, false],
      [false, true, false, true],
    ]);
    Deno.removeSync(`${project.root}/${CONDITION_CACHE_FILE}`);
    assertEquals(await answers(true), direct, "the same through the Worker's packed scans");
    // The second command reads from what the first saved: the job with a link is never kept.
    const text = Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`);
    assertEquals(text.trim().split("\n").length, 2 + 3, text);
    assert(!text.includes(jobs[3].id));
  });
});

Deno.test("condition cache: conditions learnt in different commands share one line per job", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    Deno.writeTextFileSync(jobs[1].fn("a.txt"), "");
    const a = counted(isFile("a.txt")), b = counted(not(isFile("b.txt")));
    assertEquals(evaluate(project, jobs, a), [false, true]);
    assertEquals(evaluate(project, jobs, b), [true, true]);
    assertEquals(evaluate(project, jobs, a), [false, true]);
    assertEquals(evaluate(project, jobs, b), [true, true]);
    assertEquals([a.count, b.count], [2, 2], "each learnt once, then kept side by side");
    const lines = Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`).split("\n");
    assertEquals(JSON.parse(lines[1]), [b.key, a.key], "two columns, the last command's first");
    assertEquals(lines.slice(2, 4).map((l) => l.split(" ")[3]).sort(), ["10", "11"]);
    // A change in job 0 invalidates both of its results, and only those.
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("b.txt"), "");
    assertEquals(evaluate(project, jobs, b), [false, true]);
    assertEquals(evaluate(project, jobs, a), [false, true]);
    assertEquals([a.count, b.count], [3, 3]);
  });
});

Deno.test("condition cache: entries of jobs no longer listed are dropped on save, others kept", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }], (jobs, project) => {
    const c = counted(isFile("a.txt"));
    evaluate(project, jobs, c);
    const ids = () =>
      Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`).trim().split("\n").slice(2)
        .map((l) => l.split(" ")[0]).sort();
    assertEquals(ids(), jobs.map((j) => j.id).sort());
    // Job 2 is gone from the listing: a command that evaluated the others drops its line.
    evaluate(project, jobs.slice(0, 2), c);
    assertEquals(ids(), jobs.slice(0, 2).map((j) => j.id).sort());
    // A command that evaluated only job 0 of the two listed keeps job 1's line.
    const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
    new Evaluator(new Registry(), { cache }).holds(counted(not(isFile("a.txt"))), jobs[0]);
    cache.save(jobs.slice(0, 2));
    assertEquals(ids(), jobs.slice(0, 2).map((j) => j.id).sort());
    assertEquals(c.count, 3, "job 0 and 1 answered from the cache the second time");
  });
});

Deno.test("condition cache: a garbled cache file is ignored; an unwritable project gets no cache", async () => {
  await withJobs([{ i: 0 }], (jobs, project) => {
    Deno.mkdirSync(`${project.root}/.flow`, { recursive: true });
    for (
      const junk of [
        "",
        "flow-condition-cache 3\n[1,2]\n",
        "flow-condition-cache 3\n[]\nshort\n",
        "\u0000\u0001",
      ]
    ) {
      Deno.writeTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`, junk);
      const c = counted(isFile("a.txt"));
      assertEquals(evaluate(project, jobs, c), [false]);
      assertEquals(c.count, 1);
    }
    const file = `${project.root}/not-a-dir`;
    Deno.writeTextFileSync(file, "");
    assertEquals(ConditionCache.open(file), undefined);
  });
});

Deno.test("condition cache: operations and forget() see what an operation changed", async () => {
  await withJobs([{ i: 0 }], async (jobs, project) => {
    const r = new Registry();
    r.addOperation(op("prep", { post: [isFile("a.txt")] }));
    const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
    const ev = new Evaluator(r, { cache });
    const agg = { id: jobs[0].id, jobs };
    assertEquals(await ev.operationState(r.operation("prep"), agg), {
      eligible: true,
      complete: false,
    });
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), "");
    ev.forget(jobs);
    assertEquals(await ev.operationState(r.operation("prep"), agg), {
      eligible: false,
      complete: true,
    });
    cache.save(jobs);
  });
});

Deno.test("flow status: files removed after a cached status show up in the next one", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    Deno.writeTextFileSync(
      `${project.root}/flow.yaml`,
      "operations:\n  prep:\n    command: touch a.txt\n    post: [{ isfile: a.txt }]\n",
    );
    for (const j of jobs) Deno.writeTextFileSync(j.fn("a.txt"), "");
    // Let the time stamps settle, so that the first status keeps its results.
    await new Promise((r) => setTimeout(r, 2300));
    const first = await flow(["status", "--json"], { cwd: project.root });
    assertEquals(first.code, 0, first.stderr);
    const cached = Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`);
    assert(cached.includes(jobs[0].id) && cached.includes(jobs[1].id), cached);
    Deno.removeSync(jobs[0].fn("a.txt"));
    const second = await flow(["status", "--json"], { cwd: project.root });
    const doc = JSON.parse(second.stdout);
    assertEquals(doc[jobs[0].id].operations.prep.status, "eligible");
    assertEquals(doc[jobs[1].id].operations.prep.status, "complete");
    const fresh = await flow(["status", "--json", "--no-cache"], { cwd: project.root });
    assertEquals(JSON.parse(fresh.stdout), doc, "the same answer without the cache");
  });
});

Deno.test("condition cache: lines are written in order of id, however the jobs were visited", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }], async (jobs, project) => {
    const path = `${project.root}/${CONDITION_CACHE_FILE}`;
    const ids = () =>
      Deno.readTextFileSync(path).trim().split("\n").slice(2).map((l) => l.split(" ")[0]);
    const sorted = jobs.map((j) => j.id).sort();
    const c = counted(isFile("a.txt"));
    evaluate(project, [...jobs].reverse(), c);
    assertEquals(ids(), sorted);
    // Lines of the file and entries of a later command are merged in order.
    const middle = jobs.find((j) => j.id === sorted[2])!;
    await tick();
    Deno.writeTextFileSync(middle.fn("a.txt"), "");
    assertEquals(evaluate(project, jobs, c), jobs.map((j) => j === middle));
    assertEquals(c.count, 6, "only the changed job evaluated again");
    assertEquals(ids(), sorted);
    assertEquals(evaluate(project, jobs, c), jobs.map((j) => j === middle));
    assertEquals(c.count, 6, "all answered from the merged file");
    // A file whose lines are out of order is not used (and is written anew, in order).
    const [magic, keys, ...lines] = Deno.readTextFileSync(path).trim().split("\n");
    Deno.writeTextFileSync(path, [magic, keys, ...lines.reverse()].join("\n") + "\n");
    evaluate(project, jobs, c);
    assertEquals(c.count, 11, "every job evaluated again");
    assertEquals(ids(), sorted);
  });
});

Deno.test("condition cache: a job's line not met in a command keeps its results when columns move", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], (jobs, project) => {
    Deno.writeTextFileSync(jobs[1].fn("a.txt"), "");
    const a = counted(isFile("a.txt")), b = counted(not(isFile("b.txt")));
    assertEquals(evaluate(project, jobs, a), [false, true]);
    // Only job 0 is evaluated, for another condition: the columns become [b, a] and job 1's
    // line, not met, is written again under them.
    const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
    assertEquals(new Evaluator(new Registry(), { cache }).holds(b, jobs[0]), true);
    cache.save(jobs);
    const lines = Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`).split("\n");
    assertEquals(JSON.parse(lines[1]), [b.key, a.key]);
    const codes = new Map(lines.slice(2, 4).map((l) => [l.split(" ")[0], l.split(" ")[3]]));
    assertEquals([codes.get(jobs[0].id), codes.get(jobs[1].id)], ["10", "-1"]);
    assertEquals(evaluate(project, jobs, a), [false, true]);
    assertEquals(a.count, 2, "both answered from the cache");
  });
});

Deno.test("condition cache: lines checked ahead confirm unchanged jobs, documents included", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }], async (jobs, project) => {
    await jobs[1].doc.replace({ done: false });
    await jobs[2].doc.replace({ done: true });
    const file = counted(isFile("a.txt"));
    const done = counted(docTrue("done"));
    const both = (cache: ConditionCache) => {
      const ev = new Evaluator(new Registry(), { cache });
      return jobs.map((j) => [ev.holds(file, j), ev.holds(done, j)]);
    };
    const first = ConditionCache.open(project.root, { settleMs: -1000 })!;
    assertEquals(
      both(first).map(([f, d]) => `${f}${d}`).join(),
      [
        "falsefalse",
        "falsefalse",
        "falsetrue",
        "falsefalse",
        "falsefalse",
      ].join(),
    );
    first.save(jobs);
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), ""); // the directory changes
    await jobs[1].doc.replace({ done: true }); // the document changes
    const cache = ConditionCache.open(project.root, { settleMs: -1000, parallelFrom: 1 })!;
    cache.checkAhead(project.workspace);
    await cache.prefetch(jobs);
    assertEquals(
      both(cache).map(([f, d]) => `${f}${d}`).join(),
      [
        "truefalse",
        "falsetrue",
        "falsetrue",
        "falsefalse",
        "falsefalse",
      ].join(),
    );
    // Jobs 0 and 1 evaluated again (both conditions: their lines no longer hold), 2-4 not.
    assertEquals([file.count, done.count], [5 + 2, 5 + 2]);
    // What was checked ahead stands for the command (until forget(), as the run loop calls it
    // after an operation): a change since is not seen, so the check did run ahead.
    Deno.writeTextFileSync(jobs[4].fn("a.txt"), "");
    const ev = new Evaluator(new Registry(), { cache });
    assertEquals([ev.holds(file, jobs[4]), file.count], [false, 7]);
    ev.forget([jobs[4]]);
    assertEquals([ev.holds(file, jobs[4]), file.count], [true, 8]);
    cache.save(jobs);
  });
});

Deno.test("condition cache: what a Worker checked in another version of the file is not used", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    const c = counted(isFile("a.txt"));
    assertEquals(evaluate(project, jobs, c), [false, false]);
    await tick();
    Deno.writeTextFileSync(jobs[0].fn("a.txt"), "");
    // Another version of the file, whose line for job 0 has job 0's new stamp (and the old
    // answer): checked against it, job 0's line would hold.
    const { path, other } = otherVersion(project, jobs[0]);
    Deno.writeTextFileSync(`${path}.other`, other);
    const cache = ConditionCache.open(project.root, { settleMs: -1000, parallelFrom: 1 })!;
    // Replaced after this command read it, before the Worker does.
    Deno.renameSync(`${path}.other`, path);
    cache.checkAhead(project.workspace);
    // Time for the Worker to take every line (of the other file), before this thread would.
    await new Promise((r) => setTimeout(r, 300));
    await cache.prefetch(jobs);
    const ev = new Evaluator(new Registry(), { cache });
    assertEquals(jobs.map((j) => ev.holds(c, j)), [true, false]);
    assertEquals(c.count, 2 + 1, "job 0 evaluated again");
    cache.save(jobs);
  });
});

Deno.test("condition cache: a command that stops before prefetch() ends the Worker checking ahead", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    evaluate(project, jobs, isFile("a.txt"));
    // A Worker left running keeps a Deno process from ending: each script must end by itself.
    const script = `${project.root}/end.ts`;
    const module = new URL("../../src/registry/condition_cache.ts", import.meta.url).href;
    // Last: saving with no live job writes (drops every line), so the cache is empty after it.
    for (const end of ["discard()", "save()", "save(); cache.discard()", "save([])"]) {
      Deno.writeTextFileSync(
        script,
        `import { ConditionCache } from ${JSON.stringify(module)};
const cache = ConditionCache.open(${JSON.stringify(project.root)}, { parallelFrom: 1 })!;
cache.checkAhead(${JSON.stringify(project.workspace)});
cache.${end};
`,
      );
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
    const stray = [...Deno.readDirSync(`${project.root}/.flow`)].filter((e) =>
      e.name.endsWith(".tmp")
    );
    assertEquals(stray, []);
  });
});

Deno.test("condition cache: unchanged() names the file's version only while every job's line holds", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }], async (jobs, project) => {
    const sorted = [...jobs].sort((a, b) => a.id < b.id ? -1 : 1);
    const c = counted(isFile("a.txt"));
    const open = () => ConditionCache.open(project.root, { settleMs: -1000 })!;
    let cache = open();
    assertEquals(cache.unchanged(sorted), undefined, "no file yet");
    cache.discard();
    evaluate(project, sorted, c);
    cache = open();
    const identity = cache.unchanged(sorted);
    assert(identity !== undefined && /^\d+:\d+:\d+$/.test(identity), identity);
    assertEquals(cache.unchanged(sorted), identity, "asked again");
    assertEquals(cache.unchanged(sorted.slice(1)), undefined, "one job fewer");
    assertEquals(cache.unchanged([...sorted].reverse()), undefined, "not the file's jobs");
    // A result learnt in this command: the file will change.
    new Evaluator(new Registry(), { cache }).holds(counted(isFile("b.txt")), sorted[0]);
    assertEquals(cache.unchanged(sorted), undefined, "changed in this command");
    cache.save(sorted);
    await tick();
    Deno.writeTextFileSync(sorted[2].fn("a.txt"), "");
    cache = open();
    assertEquals(cache.unchanged(sorted), undefined, "a job changed");
    cache.discard();
    assertEquals(c.count, 3);
  });
});

Deno.test("condition cache: a first run's scan started from the listed folders (links and broken folders among them) answers as listing each job would", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }], async (jobs, project) => {
    Deno.writeTextFileSync(jobs[1].fn("a.txt"), "");
    await jobs[2].doc.replace({ done: true });
    const conditions = [isFile("a.txt"), docTrue("done")];
    const want = [[false, false], [true, false], [false, true], [false, false]];
    // Folders as the workspace listing reports them: sorted, with some that are no jobs.
    const folders = [...jobs.map((j) => j.id), "0".repeat(32), "f".repeat(32)].sort();
    const first = await withCache(project, (cache) => {
      cache.scanAhead(project.workspace, folders);
      const ev = new Evaluator(new Registry(), { cache });
      return Promise.resolve(jobs.map((j) => conditions.map((c) => ev.holds(c, j))));
    });
    assertEquals(first, want);
    const saved = Deno.readTextFileSync(`${project.root}/${CONDITION_CACHE_FILE}`);
    // The next command knows every job: no scan, the cache answers.
    const second = await withCache(project, (cache) => {
      cache.scanAhead(project.workspace, folders);
      const ev = new Evaluator(new Registry(), { cache });
      return Promise.resolve(jobs.map((j) => conditions.map((c) => ev.holds(c, j))));
    });
    assertEquals(second, want);
    assertEquals(saved.trim().split("\n").length, 2 + 4, saved);
  });
});

/**
 * Runs `fn` while every Worker made is recorded: what it was sent, and whether it was ended.
 * (The cache makes its Workers through the global constructor.)
 */
async function withWorkerSpy<T>(
  fn: (made: { sent: unknown[]; ended: boolean }[]) => Promise<T>,
): Promise<T> {
  const Real = globalThis.Worker;
  const made: { sent: unknown[]; ended: boolean }[] = [];
  class Spy extends Real {
    readonly #record = { sent: [] as unknown[], ended: false };
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      made.push(this.#record);
    }
    override postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) {
      this.#record.sent.push(message);
      super.postMessage(message, transfer as Transferable[]);
    }
    override terminate(): void {
      this.#record.ended = true;
      super.terminate();
    }
  }
  globalThis.Worker = Spy;
  try {
    return await fn(made);
  } finally {
    globalThis.Worker = Real;
  }
}

/** `n` made-up job ids, sorted (their folders need not exist for a scan to start). */
function madeUpIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => i.toString(16).padStart(32, "0"));
}

Deno.test("condition cache: prepareScan starts a first run's Worker before the jobs are known; the scan takes it from 4,096 jobs on", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs, project) => {
    Deno.writeTextFileSync(jobs[1].fn("a.txt"), "");
    await withWorkerSpy(async (made) => {
      // Without it, 5,000 folders are scanned here (a Worker from 20,000 on).
      const plain = ConditionCache.open(project.root, { settleMs: -1000 })!;
      plain.scanAhead(project.workspace, madeUpIds(5000));
      assertEquals(made.length, 0);
      plain.discard();
      // With it: one Worker, made before the folders are known, and the scan's.
      const early = ConditionCache.open(project.root, { settleMs: -1000 })!;
      early.prepareScan();
      assertEquals(made.length, 1);
      assertEquals(made[0].sent, [], "idle until the folders are known");
      early.scanAhead(project.workspace, madeUpIds(5000));
      assertEquals(made.length, 1, "no second Worker");
      assert(
        made[0].sent.some((m) => (m as { stream?: unknown }).stream !== undefined),
        "it scans",
      );
      early.discard();
      assertEquals(made[0].ended, true);
      // The answers of a first run with a spare Worker are those of listing each job.
      const cache = ConditionCache.open(project.root, { settleMs: -1000 })!;
      cache.prepareScan();
      cache.scanAhead(project.workspace, jobs.map((j) => j.id)); // two jobs: not worth a scan
      await cache.prefetch(jobs);
      assertEquals(made[1].ended, true, "a Worker no scan took ends with prefetch()");
      assertEquals(made[1].sent, []);
      const ev = new Evaluator(new Registry(), { cache });
      assertEquals(jobs.map((j) => ev.holds(isFile("a.txt"), j)), [false, true]);
      cache.save(jobs);
      // Lines in the file: not a first run, no Worker in advance.
      const next = ConditionCache.open(project.root, { settleMs: -1000 })!;
      next.prepareScan();
      assertEquals(made.length, 2);
      next.discard();
    });
  });
});
