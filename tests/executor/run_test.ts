import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { exists, withTempDir } from "../_helpers.ts";
import { openLog } from "../../src/executor/logs.ts";
import { DataError } from "../../src/errors.ts";
import { addCommand, addFunction } from "./_fixtures.ts";
import { Registry } from "../../src/registry/registry.ts";
import { after, isFile, never } from "../../src/registry/condition.ts";
import { groupsOf } from "../../src/registry/aggregate.ts";
import { type OperationRecord, Runner, type RunRequest } from "../../src/executor/run.ts";
import { readHistory } from "../../src/executor/history.ts";
import { Project } from "../../src/workspace/project.ts";
import type { Job } from "../../src/workspace/job.ts";

async function setup(dir: string, n: number): Promise<{ project: Project; jobs: Job[] }> {
  const project = await Project.init(dir);
  for (let i = 0; i < n; i++) await project.openJob({ i }).init();
  return { project, jobs: (await project.list()).jobs };
}

function request(
  project: Project,
  registry: Registry,
  jobs: Job[],
  extra: Partial<RunRequest> = {},
): RunRequest {
  registry.validate();
  return {
    project,
    registry,
    groups: registry.select(extra.groups?.map((g) => g.name)),
    jobs,
    ...extra,
  };
}

Deno.test("a chain runs to the end in one invocation; each (operation, job) once", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 3);
    const r = new Registry();
    const calls: string[] = [];
    addFunction(r, "a", (job) => {
      calls.push(`a:${job.sp.i}`);
      Deno.writeTextFileSync(job.fn("a"), "");
    }, { post: [isFile("a")] });
    addFunction(r, "b", (job) => {
      calls.push(`b:${job.sp.i}`);
      Deno.writeTextFileSync(job.fn("b"), "");
    }, { pre: [after("a")], post: [isFile("b")] });
    const summary = await new Runner(request(project, r, jobs)).run();
    assertEquals(summary.succeeded.length, 6);
    assertEquals(calls.filter((c) => c.startsWith("a")).length, 3);
    assertEquals(calls.filter((c) => c.startsWith("b")).length, 3);
    // Everything is complete now: a second run does nothing.
    assertEquals((await new Runner(request(project, r, jobs)).run()).succeeded.length, 0);
  });
});

Deno.test("an operation whose postconditions never hold runs once, not forever", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 2);
    const r = new Registry();
    let n = 0;
    addFunction(r, "loop", () => void n++, { post: [never] });
    const summary = await new Runner(request(project, r, jobs)).run();
    assertEquals(n, 2);
    assertEquals(summary.succeeded.length, 2);
  });
});

Deno.test("a group runs its eligible operations in registration order with merged directives", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 1);
    const r = new Registry();
    addCommand(r, "op1", "echo $OMP_NUM_THREADS > op1", {
      post: [isFile("op1")],
      directives: { omp_num_threads: 1 },
    });
    addCommand(r, "op2", "cat op1 > op2", { pre: [after("op1")], post: [isFile("op2")] });
    r.addGroup("ex");
    r.addToGroup("ex", "op1", { omp_num_threads: 3 });
    r.addToGroup("ex", "op2");
    const records: OperationRecord[] = [];
    const summary = await new Runner({
      ...request(project, r, jobs),
      groups: r.select(["ex"]),
      events: { finished: (x) => records.push(x) },
    }).run();
    assertEquals(records.map((x) => `${x.group}/${x.operation}`), ["ex/op1", "ex/op2"]);
    assertEquals(summary.failed, []);
    assertEquals(Deno.readTextFileSync(jobs[0].fn("op2")).trim(), "3"); // the group's value, not the op's
  });
});

Deno.test("pretend prints directives per group context and runs nothing", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 1);
    const r = new Registry();
    addCommand(r, "op1", "touch x", { post: [isFile("x")], directives: { ngpu: 1 } });
    r.addGroup("ex");
    r.addToGroup("ex", "op1", { ngpu: 2 });
    const texts: string[] = [];
    await new Runner({
      ...request(project, r, jobs),
      groups: r.select(["ex"]),
      pretend: true,
      events: { pretend: (t) => texts.push(t) },
    }).run();
    assertStringIncludes(texts.join("\n"), "op1: np=1 ngpu=2");
    texts.length = 0;
    await new Runner({
      ...request(project, r, jobs),
      groups: r.select(["op1"]),
      pretend: true,
      events: { pretend: (t) => texts.push(t) },
    }).run();
    assertStringIncludes(texts.join("\n"), `# op1 on ${jobs[0].id}: np=1 ngpu=1`);
    assert(!jobs[0].isFileSync("x"));
  });
});

Deno.test("a failure stops new work; --keep-going goes on; the failure is in the history", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 4);
    const r = new Registry();
    addCommand(r, "flaky", `test {job.sp.i} -ne 1 && touch done || exit 3`, {
      post: [isFile("done")],
    });
    const stop = await new Runner(request(project, r, jobs)).run();
    assertEquals(stop.failed.length, 1);
    assertEquals(stop.failed[0].error, "exit code 3");
    assertEquals(stop.failed[0].exitCode, 3);
    // Jobs run in id order; nothing started after the failing one.
    assertEquals(stop.succeeded.length, jobs.findIndex((j) => j.sp.i === 1));
    const go = await new Runner({ ...request(project, r, jobs), keepGoing: true }).run();
    assertEquals(go.failed.length, 1);
    assertEquals(jobs.filter((j) => j.isFileSync("done")).length, 3);
    const failed = jobs.find((j) => j.sp.i === 1)!;
    const events = readHistory(failed).map((e) => e.event);
    assertEquals(events, ["start", "failure", "start", "failure"]);
  });
});

Deno.test("timeouts kill the whole process group and count as failures", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 1);
    const r = new Registry();
    const marker = `${dir}/survivor`;
    addCommand(r, "slow", `(sleep 3; touch ${marker}) & sleep 30`, { post: [never] });
    const t0 = performance.now();
    const s = await new Runner({ ...request(project, r, jobs), timeoutSeconds: 0.3 }).run();
    assert(performance.now() - t0 < 10_000);
    assertEquals(s.failed[0].error, "timed out after 0.3 s");
    await new Promise((res) => setTimeout(res, 3500));
    assert(
      !Deno.statSync(dir).isFile && !(() => {
        try {
          return Deno.statSync(marker).isFile;
        } catch {
          return false;
        }
      })(),
      "the background child was killed too",
    );
  });
});

Deno.test("parallel runs keep at most N at once and never two on one job", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 6);
    const r = new Registry();
    let running = 0;
    let peak = 0;
    const perJob = new Map<string, number>();
    const work = (tag: string) => async (job: Job) => {
      running++;
      peak = Math.max(peak, running);
      perJob.set(job.id, (perJob.get(job.id) ?? 0) + 1);
      assert(perJob.get(job.id)! <= 1, "two operations on one job at once");
      await new Promise((res) => setTimeout(res, 30));
      Deno.writeTextFileSync(job.fn(tag), "");
      perJob.set(job.id, perJob.get(job.id)! - 1);
      running--;
    };
    addFunction(r, "x", work("x"), { post: [isFile("x")] });
    addFunction(r, "y", work("y"), { post: [isFile("y")] });
    const s = await new Runner({ ...request(project, r, jobs), parallel: 3 }).run();
    assertEquals(s.succeeded.length, 12);
    assertEquals(peak, 3);
  });
});

Deno.test("aggregates run once per aggregate with every member job", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 5);
    const r = new Registry();
    const seen: string[][] = [];
    addFunction(r, "pairs", (...js) => void seen.push(js.map((j) => String(j.sp.i))), {
      aggregator: groupsOf(2, { sortBy: "i" }),
      post: [never],
    });
    const s = await new Runner(request(project, r, jobs)).run();
    assertEquals(s.succeeded.length, 3);
    assertEquals(seen.sort(), [["0", "1"], ["2", "3"], ["4"]]);
    assert(s.succeeded.some((x) => x.id.startsWith("agg-")));
  });
});

Deno.test("hooks fire in order; a failing hook is a warning, not a failure", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 1);
    const r = new Registry();
    const order: string[] = [];
    const hook = (name: string) => ({
      kind: "function" as const,
      fn: (op: string, _j: readonly Job[], e?: unknown) =>
        void order.push(`${name}:${op}${e ? ":" + e : ""}`),
    });
    r.hooks.onStart.push(hook("project-start"));
    addFunction(r, "ok", () => {}, {
      post: [never],
      hooks: {
        onStart: [hook("start")],
        onSuccess: [hook("success")],
        onException: [hook("exception")],
        onExit: [hook("exit")],
      },
    });
    addFunction(r, "bad", () => {
      throw new Error("boom");
    }, {
      post: [never],
      hooks: {
        onStart: [],
        onSuccess: [],
        onException: [hook("exception")],
        onExit: [{
          kind: "function",
          fn: () => {
            throw new Error("hook broke");
          },
        }],
      },
    });
    const warnings: string[] = [];
    const s = await new Runner({
      ...request(project, r, jobs),
      keepGoing: true,
      events: { warning: (m) => warnings.push(m) },
    }).run();
    assertEquals(order, [
      "project-start:ok",
      "start:ok",
      "success:ok",
      "exit:ok",
      "project-start:bad",
      "exception:bad:boom",
    ]);
    assertEquals(s.failed.map((x) => x.error), ["boom"]);
    assertEquals(warnings.length, 1);
    assertStringIncludes(warnings[0], "hook broke");
  });
});

Deno.test("interrupt stops running commands and reports them", async () => {
  await withTempDir(async (dir) => {
    const { project, jobs } = await setup(dir, 2);
    const r = new Registry();
    addCommand(r, "sleepy", "sleep 30", { post: [never] });
    const runner = new Runner({ ...request(project, r, jobs), parallel: 2 });
    setTimeout(() => runner.interrupt(200), 300);
    const t0 = performance.now();
    const s = await runner.run();
    assert(performance.now() - t0 < 5000);
    assertEquals(s.interrupted.length, 2);
    assert(s.wasInterrupted);
  });
});

Deno.test("a job removed before its operation starts is not run, is reported, and its folder is not made again", async () => {
  for (const parallelGroup of [false, true]) {
    await withTempDir(async (dir) => {
      const { project, jobs } = await setup(dir, 2);
      const r = new Registry();
      addCommand(r, "out", "touch out.txt", { post: [isFile("out.txt")] });
      addFunction(r, "fn", (job) => Deno.writeTextFileSync(job.fn("fn.txt"), ""), {
        post: [isFile("fn.txt")],
      });
      r.addGroup("both", { runOptions: { parallel: parallelGroup } });
      r.addToGroup("both", "out");
      r.addToGroup("both", "fn");
      const [kept, gone] = jobs;
      await gone.remove(); // as `flow job rm` does, after the run listed its jobs
      const skipped: string[] = [];
      const s = await new Runner({
        ...request(project, r, jobs),
        groups: [r.group("both")],
        events: { skipped: (op, agg, why) => skipped.push(`${op} ${agg.id} ${why}`) },
      }).run();
      assertEquals(s.succeeded.map((x) => x.id), [kept.id, kept.id]);
      assertEquals(s.failed, []);
      assertEquals(s.removed.map((x) => x.id), [gone.id]);
      assertEquals(s.removed[0].jobs, [gone.id]);
      assertEquals(skipped.length, 1);
      assertStringIncludes(skipped[0], `job ${gone.id} was removed; not run`);
      assertEquals(exists(gone.path), false, "the removed job's folder was made again");
      assert(exists(kept.fn("out.txt")) && exists(kept.fn("fn.txt")));
      assertEquals([...Deno.readDirSync(`${dir}/.flow/claims`)], [], "no claim is left behind");
    });
  }
});

Deno.test("openLog never makes the job folder it logs into", async () => {
  await withTempDir((dir) => {
    const job = `${dir}/workspace/0123456789abcdef0123456789abcdef`;
    Deno.mkdirSync(`${dir}/workspace`);
    assertThrows(() => openLog(`${job}/.flow/logs`, "op"), DataError, "no longer exists");
    assertEquals(exists(job), false);
    // The folders below it are made as needed.
    Deno.mkdirSync(job);
    const log = openLog(`${job}/.flow/logs`, "op");
    log.close();
    assertEquals(log.path, `${job}/.flow/logs/op.1.log`);
  });
});
