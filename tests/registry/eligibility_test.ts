import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { alone, op, withJobs } from "./_fixtures.ts";
import { type Aggregate, groupsOf } from "../../src/registry/aggregate.ts";
import {
  after,
  type Condition,
  docTrue,
  fn,
  isFile,
  never,
  not,
  sh,
} from "../../src/registry/condition.ts";
import { Evaluator, type IgnoreConditions } from "../../src/registry/eligibility.ts";
import { Registry } from "../../src/registry/registry.ts";
import type { Job } from "../../src/workspace/job.ts";

const MODES: IgnoreConditions[] = ["none", "pre", "post", "all"];

type Pre = "no pre" | "pre holds" | "pre fails";
type Post = "no post" | "post holds" | "post partly";

/**
 * Every combination of preconditions and postconditions: whether the
 * operation is complete, and whether it is eligible under each
 * `ignoreConditions` mode, in the order of MODES.
 */
const STATE_TABLE: [Pre, Post, boolean, [boolean, boolean, boolean, boolean]][] = [
  // pre          post           complete  none   pre    post   all
  ["no pre", "no post", false, [true, true, true, true]],
  ["no pre", "post holds", true, [false, false, true, true]],
  ["no pre", "post partly", false, [true, true, true, true]],
  ["pre holds", "no post", false, [true, true, true, true]],
  ["pre holds", "post holds", true, [false, false, true, true]],
  ["pre holds", "post partly", false, [true, true, true, true]],
  ["pre fails", "no post", false, [false, true, false, true]],
  ["pre fails", "post holds", true, [false, false, false, true]],
  ["pre fails", "post partly", false, [false, true, false, true]],
];

Deno.test("operation state: eligible = all pre AND (no post OR some post false), per ignore mode", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const job = jobs[0];
    Deno.writeTextFileSync(job.fn("yes"), "");
    const pres: Record<Pre, Condition[]> = {
      "no pre": [],
      "pre holds": [isFile("yes"), not(docTrue("absent"))],
      "pre fails": [isFile("yes"), isFile("no")],
    };
    const posts: Record<Post, Condition[]> = {
      "no post": [],
      "post holds": [isFile("yes"), not(isFile("no"))],
      "post partly": [isFile("yes"), isFile("no")],
    };
    for (const [pre, post, complete, eligible] of STATE_TABLE) {
      const r = new Registry();
      r.addOperation(op("work", { pre: pres[pre], post: posts[post] }));
      for (const [i, mode] of MODES.entries()) {
        const ev = new Evaluator(r, { ignoreConditions: mode });
        const state = await ev.operationState(r.operation("work"), alone(job));
        assertEquals(state, { eligible: eligible[i], complete }, `${pre}, ${post}, ignore ${mode}`);
      }
    }
  });
});

Deno.test("the default ignore mode is none", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const r = new Registry();
    r.addOperation(op("blocked", { pre: [never], post: [isFile("out")] }));
    const state = await new Evaluator(r).operationState(r.operation("blocked"), alone(jobs[0]));
    assertEquals(state, { eligible: false, complete: false });
  });
});

Deno.test("complete(): false without postconditions, else all must hold", async () => {
  await withJobs([{ a: 1 }], (jobs) => {
    const job = jobs[0];
    Deno.writeTextFileSync(job.fn("a"), "");
    const r = new Registry();
    const table: [Condition[], boolean][] = [
      [[], false],
      [[isFile("a")], true],
      [[isFile("a"), isFile("b")], false],
      [[isFile("b"), isFile("a")], false],
      [[never], false],
    ];
    const ev = new Evaluator(r);
    for (const [post, expected] of table) {
      assertEquals(
        ev.complete(op("x", { post }), alone(job)),
        expected,
        post.map((c) => c.description).join(" "),
      );
    }
  });
});

Deno.test("group state: eligible if any operation is, complete if all are", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const job = jobs[0];
    Deno.writeTextFileSync(job.fn("done1"), "");
    Deno.writeTextFileSync(job.fn("done2"), "");
    // Operation kinds: eligible and not complete; complete; blocked (neither).
    const kinds = {
      open: { post: [isFile("missing")] },
      done: { post: [isFile("done1")] },
      blocked: { pre: [never], post: [isFile("missing")] },
    };
    type Kind = keyof typeof kinds;
    const table: [Kind, Kind, boolean, boolean][] = [
      // op1    op2      eligible complete
      ["open", "open", true, false],
      ["open", "done", true, false],
      ["done", "open", true, false],
      ["open", "blocked", true, false],
      ["blocked", "open", true, false],
      ["done", "done", false, true],
      ["done", "blocked", false, false],
      ["blocked", "blocked", false, false],
    ];
    for (const [k1, k2, eligible, complete] of table) {
      const r = new Registry();
      r.addOperation(op("op1", kinds[k1]));
      r.addOperation(op("op2", kinds[k2]));
      r.addGroup("ex");
      r.addToGroup("ex", "op1");
      r.addToGroup("ex", "op2");
      r.validate();
      const ev = new Evaluator(r);
      const state = await ev.groupState(r.group("ex"), alone(job));
      const label = `${k1} + ${k2}`;
      assertEquals([state.eligible, state.complete], [eligible, complete], label);
      assertEquals([...state.operations.keys()], ["op1", "op2"], label);
      assertEquals(
        state.operations.get("op1"),
        await ev.operationState(r.operation("op1"), alone(job)),
        label,
      );
      assertEquals(
        state.operations.get("op2"),
        await ev.operationState(r.operation("op2"), alone(job)),
        label,
      );
    }
  });
});

Deno.test("a singleton group's state is its operation's state", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const r = new Registry();
    r.addOperation(op("solo", { post: [isFile("out")] }));
    const state = await new Evaluator(r).groupState(r.group("solo"), alone(jobs[0]));
    assertEquals(state.eligible, true);
    assertEquals(state.complete, false);
    assertEquals([...state.operations.entries()], [["solo", { eligible: true, complete: false }]]);
  });
});

Deno.test("a condition holds for an aggregate iff it holds for every member", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }], async (jobs) => {
    const r = new Registry();
    r.addOperation(
      op("reduce", {
        pre: [docTrue("ready")],
        post: [docTrue("done")],
        aggregator: groupsOf(3),
      }),
    );
    const agg: Aggregate = { id: "agg-test", jobs };
    // [ready members, done members, eligible, complete]
    const table: [number[], number[], boolean, boolean][] = [
      [[], [], false, false],
      [[0, 1], [], false, false],
      [[0, 1, 2], [], true, false],
      [[0, 1, 2], [0, 2], true, false],
      [[0, 1, 2], [0, 1, 2], false, true],
      [[1], [0, 1, 2], false, true],
    ];
    for (const [ready, done, eligible, complete] of table) {
      for (const [i, job] of jobs.entries()) {
        await job.doc.replace({ ready: ready.includes(i), done: done.includes(i) });
      }
      const ev = new Evaluator(r);
      assertEquals(
        await ev.operationState(r.operation("reduce"), agg),
        { eligible, complete },
        `ready ${ready}, done ${done}`,
      );
      assertEquals(ev.holdsForAll(docTrue("ready"), jobs), ready.length === 3);
    }
    assertEquals(new Evaluator(r).holdsForAll(never, []), true); // vacuous truth
  });
});

Deno.test("a condition function runs once per (job, condition) until forget", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs) => {
    const [j0, j1] = jobs;
    const calls: string[] = [];
    const counted = fn((job) => {
      calls.push(job.id);
      return job.sp.i === 0;
    }, "counted");
    const r = new Registry();
    r.addOperation(op("a", { pre: [counted], post: [isFile("a.out")] }));
    r.addOperation(op("b", { pre: [counted], post: [counted, isFile("b.out")] }));
    r.validate();
    const ev = new Evaluator(r);
    for (let round = 0; round < 3; round++) {
      for (const job of jobs) {
        await ev.operationState(r.operation("a"), alone(job));
        await ev.operationState(r.operation("b"), alone(job));
        assertEquals(ev.holds(counted, job), job === j0);
      }
    }
    assertEquals(calls, [j0.id, j1.id]);
    ev.forget([j1]);
    assertEquals(ev.holds(counted, j0), true);
    assertEquals(ev.holds(counted, j1), false);
    assertEquals(ev.holds(counted, j1), false);
    assertEquals(calls, [j0.id, j1.id, j1.id]);
    ev.forget(jobs);
    await ev.operationState(r.operation("b"), alone(j0));
    assertEquals(calls, [j0.id, j1.id, j1.id, j0.id]);
    // A second evaluator (another command) asks again.
    new Evaluator(r).holds(counted, j0);
    assertEquals(calls.length, 5);
  });
});

Deno.test("forget makes a changed job visible; other jobs keep their memo", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], (jobs) => {
    const [j0, j1] = jobs;
    const ev = new Evaluator(new Registry());
    assertEquals(ev.holds(isFile("out"), j0), false);
    assertEquals(ev.holds(isFile("out"), j1), false);
    Deno.writeTextFileSync(j0.fn("out"), "");
    Deno.writeTextFileSync(j1.fn("out"), "");
    assertEquals(ev.holds(isFile("out"), j0), false, "memoised");
    ev.forget([j0]);
    assertEquals(ev.holds(isFile("out"), j0), true);
    assertEquals(ev.holds(isFile("out"), j1), false, "j1 was not forgotten");
  });
});

Deno.test("after reuses the memo of the other operation's postconditions", async () => {
  await withJobs([{ i: 0 }], async (jobs) => {
    const job = jobs[0];
    let calls = 0;
    const prepared = fn(() => {
      calls++;
      return true;
    }, "prepared");
    const r = new Registry();
    r.addOperation(op("prep", { post: [prepared] }));
    r.addOperation(op("sim", { pre: [after("prep")], post: [isFile("sim.out")] }));
    r.addOperation(op("ana", { pre: [after("prep"), after("prep", "sim")], post: [never] }));
    r.validate();
    const ev = new Evaluator(r);
    assertEquals(await ev.operationState(r.operation("prep"), alone(job)), {
      eligible: false,
      complete: true,
    });
    assertEquals(await ev.operationState(r.operation("sim"), alone(job)), {
      eligible: true,
      complete: false,
    });
    assertEquals(await ev.operationState(r.operation("ana"), alone(job)), {
      eligible: false,
      complete: false,
    });
    assertEquals(calls, 1);
    Deno.writeTextFileSync(job.fn("sim.out"), "");
    ev.forget([job]);
    assertEquals(await ev.operationState(r.operation("ana"), alone(job)), {
      eligible: true,
      complete: false,
    });
    assertEquals(calls, 2);
  });
});

Deno.test("postconditionsHold is false for an operation without postconditions", async () => {
  await withJobs([{ i: 0 }], (jobs) => {
    const r = new Registry();
    r.addOperation(op("nopost"));
    r.addOperation(op("withpost", { post: [not(never)] }));
    const ev = new Evaluator(r);
    assertEquals(ev.postconditionsHold("nopost", jobs[0]), false);
    assertEquals(ev.postconditionsHold("withpost", jobs[0]), true);
  });
});

Deno.test("built-in conditions answer synchronously; promises only where a function returns one", async () => {
  await withJobs([{ i: 0 }], async (jobs) => {
    const job = jobs[0];
    Deno.writeTextFileSync(job.fn("in"), "");
    await job.doc.set("flag", 1);
    const r = new Registry();
    r.addOperation(op("prep", { post: [isFile("in"), docTrue("flag")] }));
    r.addOperation(op("slow", { post: [fn(() => Promise.resolve(true))] }));
    const ev = new Evaluator(r);
    const syncTable: [Condition, boolean][] = [
      [isFile("in"), true],
      [isFile("nothing"), false],
      [docTrue("flag"), true],
      [not(docTrue("flag")), false],
      [never, false],
      [after("prep"), true],
      [not(after("prep")), false],
      [fn(() => true), true],
    ];
    for (const [c, expected] of syncTable) {
      const result = ev.holds(c, job);
      assertEquals(typeof result, "boolean", c.description);
      assertEquals(result, expected, c.description);
      assertEquals(ev.holds(c, job), expected, `${c.description}, memoised`);
    }
    assertEquals(ev.holdsForAll(isFile("in"), [job, job]), true);
    assertEquals(ev.complete(r.operation("prep"), alone(job)), true);
    assertEquals(ev.postconditionsHold("prep", job), true);

    const asyncTable: [Condition, boolean][] = [
      [fn(() => Promise.resolve(true)), true],
      [fn(() => Promise.resolve(false)), false],
      [not(fn(() => Promise.resolve(false))), true],
      [after("slow"), true],
      [sh("true"), true],
    ];
    for (const [c, expected] of asyncTable) {
      const result = ev.holds(c, job);
      assert(result instanceof Promise, `${c.description} should be a promise`);
      assertEquals(await result, expected, c.description);
      // Once settled, the memo answers synchronously.
      assertEquals(ev.holds(c, job), expected, `${c.description}, memoised`);
    }
  });
});

Deno.test("async conditions gate eligibility and are shared while pending", async () => {
  await withJobs([{ T: 1 }, { T: 3 }], async (jobs) => {
    let calls = 0;
    const hot = fn(async (job) => {
      calls++;
      await new Promise((ok) => setTimeout(ok, 5));
      return Number(job.sp.T) > 2;
    }, "hot");
    const r = new Registry();
    r.addOperation(op("sim", { pre: [hot], post: [isFile("out")] }));
    const ev = new Evaluator(r);
    const [cold, warm] = await Promise.all(
      jobs.map((j) => ev.operationState(r.operation("sim"), alone(j))),
    );
    assertEquals(cold, { eligible: false, complete: false });
    assertEquals(warm, { eligible: true, complete: false });
    assertEquals(calls, 2);
    const again = await Promise.all([ev.holds(hot, jobs[0]), ev.holds(hot, jobs[0])]);
    assertEquals(again, [false, false]);
    assertEquals(calls, 2);
    // Concurrent first questions share one call.
    const ev2 = new Evaluator(r);
    const both = await Promise.all([ev2.holds(hot, jobs[1]), ev2.holds(hot, jobs[1])]);
    assertEquals(both, [true, true]);
    assertEquals(calls, 3);
  });
});

Deno.test("a mix of sync and async members of an aggregate stops at the first false", async () => {
  await withJobs([{ i: 0 }, { i: 1 }, { i: 2 }], async (jobs) => {
    const asked: number[] = [];
    const c = fn((job) => {
      const i = Number(job.sp.i);
      asked.push(i);
      return i === 0 ? true : Promise.resolve(i !== 1);
    }, "mixed");
    const ev = new Evaluator(new Registry());
    assertEquals(await ev.holdsForAll(c, jobs), false);
    assertEquals(asked, [0, 1]);
  });
});

Deno.test("a rejected condition rejects the state and is not memoised", async () => {
  await withJobs([{ i: 0 }], async (jobs) => {
    let calls = 0;
    const flaky = fn(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error("boom")) : Promise.resolve(true);
    }, "flaky");
    const r = new Registry();
    r.addOperation(op("x", { pre: [flaky] }));
    const ev = new Evaluator(r);
    await assertRejects(() => ev.operationState(r.operation("x"), alone(jobs[0])), Error, "boom");
    assertEquals(await ev.operationState(r.operation("x"), alone(jobs[0])), {
      eligible: true,
      complete: false,
    });
    assertEquals(calls, 2);
  });
});

Deno.test("shell conditions use the evaluator's shell option when given", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs) => {
    const calls: [string, string][] = [];
    const shell = (command: string, job: Job) => {
      calls.push([command, job.id]);
      return Promise.resolve(job.sp.i === 1);
    };
    const r = new Registry();
    r.addOperation(op("x", { post: [sh("test -s out")] }));
    const ev = new Evaluator(r, { shell });
    const states = [];
    for (const job of jobs) states.push(await ev.operationState(r.operation("x"), alone(job)));
    assertEquals(states, [
      { eligible: true, complete: false },
      { eligible: false, complete: true },
    ]);
    assertEquals(calls, [["test -s out", jobs[0].id], ["test -s out", jobs[1].id]]);
    await ev.operationState(r.operation("x"), alone(jobs[0]));
    assertEquals(calls.length, 2, "memoised");
  });
});

Deno.test("the default shell runs bash in the job directory", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], async (jobs) => {
    Deno.writeTextFileSync(jobs[1].fn("out"), "data");
    const r = new Registry();
    r.addOperation(op("x", { post: [sh("test -s out && test {job.sp.i} = 1")] }));
    const ev = new Evaluator(r);
    assertEquals(await ev.operationState(r.operation("x"), alone(jobs[0])), {
      eligible: true,
      complete: false,
    });
    assertEquals(await ev.operationState(r.operation("x"), alone(jobs[1])), {
      eligible: false,
      complete: true,
    });
  });
});

Deno.test("Evaluator: a job's listing is read once per command, or once while recent with recentJobs", async () => {
  await withJobs([{ i: 0 }, { i: 1 }], (jobs) => {
    const answers = (recentJobs?: number) => {
      for (const j of jobs) {
        try {
          Deno.removeSync(j.fn("a.txt"));
        } catch {
          // not there yet
        }
      }
      const ev = new Evaluator(new Registry(), { recentJobs });
      const first = ev.holds(isFile("b.txt"), jobs[0]); // lists job 0
      Deno.writeTextFileSync(jobs[0].fn("a.txt"), "");
      ev.holds(isFile("b.txt"), jobs[1]); // lists job 1: with a window of one, job 0's goes
      return [first, ev.holds(isFile("a.txt"), jobs[0])];
    };
    assertEquals(answers(), [false, false], "the listing of job 0 was kept: a.txt is not in it");
    assertEquals(answers(2), [false, false], "still within the window");
    assertEquals(answers(1), [false, true], "listed again: a.txt is there");
  });
});

Deno.test("Evaluator: derived conditions (after) are evaluated again, what they combine only once", async () => {
  await withJobs([{ i: 0 }], (jobs) => {
    let posts = 0;
    const r = new Registry();
    r.addOperation(op("prep", { post: [fn(() => (posts++, true))] }));
    const ev = new Evaluator(r);
    const done = after("prep");
    let evaluations = 0;
    const counted: Condition = {
      ...done,
      evaluate: (job, ctx) => (evaluations++, done.evaluate(job, ctx)),
    };
    assertEquals([ev.holds(counted, jobs[0]), ev.holds(counted, jobs[0])], [true, true]);
    assertEquals([evaluations, posts], [2, 1], "after twice, prep's postcondition once");
    const memoised: Condition = { ...counted, derived: false };
    evaluations = 0;
    assertEquals([ev.holds(memoised, jobs[0]), ev.holds(memoised, jobs[0])], [true, true]);
    assertEquals([evaluations, posts], [1, 1], "not derived: memoised");
  });
});
