import { assert, assertEquals } from "../_assert.ts";
import { alone, op, withJobs, writeDoc } from "./_fixtures.ts";
import {
  after,
  type Condition,
  type ConditionContext,
  docEquals,
  docFalse,
  docTrue,
  fn,
  isFile,
  never,
  not,
  sh,
  toCondition,
  truthy,
} from "../../src/registry/condition.ts";
import { Evaluator } from "../../src/registry/eligibility.ts";
import { Registry } from "../../src/registry/registry.ts";
import type { Job } from "../../src/workspace/job.ts";
import { float, type JsonValue, PyFloat } from "../../src/workspace/value.ts";

/** A context that must not be consulted. */
const NO_CONTEXT: ConditionContext = {
  postconditionsHold: () => {
    throw new Error("postconditionsHold was not expected");
  },
  shell: () => {
    throw new Error("shell was not expected");
  },
};

Deno.test("isFile holds for regular files only, and answers synchronously", async () => {
  await withJobs([{ a: 1 }], (jobs) => {
    const job = jobs[0];
    Deno.writeTextFileSync(job.fn("out.dat"), "x");
    Deno.writeTextFileSync(job.fn("empty.dat"), "");
    Deno.mkdirSync(job.fn("folder"));
    Deno.mkdirSync(job.fn("sub"));
    Deno.writeTextFileSync(job.fn("sub/inner.dat"), "x");
    Deno.symlinkSync(job.fn("out.dat"), job.fn("link-to-file"));
    Deno.symlinkSync(job.fn("folder"), job.fn("link-to-folder"));
    Deno.symlinkSync(job.fn("nowhere"), job.fn("dangling"));
    const table: [string, boolean][] = [
      ["out.dat", true],
      ["empty.dat", true],
      ["signac_statepoint.json", true],
      ["sub/inner.dat", true],
      ["link-to-file", true], // followed, as Python's os.path.isfile does
      ["missing.dat", false],
      ["folder", false],
      ["sub", false],
      ["link-to-folder", false],
      ["dangling", false],
      ["OUT.DAT", false],
    ];
    for (const [name, expected] of table) {
      const r = isFile(name).evaluate(job, NO_CONTEXT);
      assertEquals(r, expected, `isFile(${name})`);
    }
  });
});

Deno.test("truthy follows Python's truthiness", () => {
  const table: [JsonValue | undefined, boolean][] = [
    [undefined, false],
    [null, false],
    [false, false],
    [0, false],
    [-0, false],
    [0n, false],
    [float(0), false],
    [new PyFloat(-0), false],
    ["", false],
    [[], false],
    [{}, false],
    [true, true],
    [1, true],
    [-1, true],
    [0.5, true],
    [float(1), true],
    [NaN, true],
    [2n ** 70n, true],
    ["0", true],
    ["false", true],
    [" ", true],
    [[0], true],
    [[null], true],
    [{ "": null }, true],
  ];
  for (const [value, expected] of table) {
    assertEquals(truthy(value), expected, `truthy(${String(value)})`);
  }
});

Deno.test("docTrue and docFalse read the job document with Python truthiness", async () => {
  // Raw document text, so that 0.0 is a float as Python writes it.
  const table: [string, boolean][] = [
    [`{}`, false],
    [`{"other": true}`, false],
    [`{"v": false}`, false],
    [`{"v": null}`, false],
    [`{"v": 0}`, false],
    [`{"v": 0.0}`, false],
    [`{"v": -0.0}`, false],
    [`{"v": ""}`, false],
    [`{"v": []}`, false],
    [`{"v": {}}`, false],
    [`{"v": true}`, true],
    [`{"v": 1}`, true],
    [`{"v": 1.0}`, true],
    [`{"v": -2.5}`, true],
    [`{"v": 1180591620717411303424}`, true],
    [`{"v": "no"}`, true],
    [`{"v": "0"}`, true],
    [`{"v": [false]}`, true],
    [`{"v": {"a": 0}}`, true],
  ];
  await withJobs([{ a: 1 }], (jobs) => {
    const job = jobs[0];
    for (const [text, expected] of table) {
      writeDoc(job, text);
      assertEquals(docTrue("v").evaluate(job, NO_CONTEXT), expected, `docTrue on ${text}`);
      assertEquals(docFalse("v").evaluate(job, NO_CONTEXT), !expected, `docFalse on ${text}`);
    }
  });
});

Deno.test("docTrue sees a value written through the document API", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const job = jobs[0];
    assertEquals(docTrue("done").evaluate(job, NO_CONTEXT), false); // no document file at all
    await job.doc.set("done", float(0));
    assertEquals(docTrue("done").evaluate(job, NO_CONTEXT), false);
    await job.doc.set("done", "yes");
    assertEquals(docTrue("done").evaluate(job, NO_CONTEXT), true);
    await job.doc.delete("done");
    assertEquals(docFalse("done").evaluate(job, NO_CONTEXT), true);
  });
});

Deno.test("docEquals compares by value: 1 equals 1.0 and 1n, deeply in lists and objects", async () => {
  const table: [string, JsonValue, boolean][] = [
    [`{"v": 1}`, 1, true],
    [`{"v": 1.0}`, 1, true],
    [`{"v": 1}`, float(1), true],
    [`{"v": 1.0}`, float(1), true],
    [`{"v": 1}`, 1n, true],
    [`{"v": 1.0}`, 1n, true],
    [`{"v": 1.5}`, 1.5, true],
    [`{"v": 2}`, 1, false],
    [`{"v": 1180591620717411303424}`, 2n ** 70n, true],
    [`{"v": 1180591620717411303425}`, 2n ** 70n, false],
    [`{"v": "converged"}`, "converged", true],
    [`{"v": "converged"}`, "Converged", false],
    [`{"v": "1"}`, 1, false],
    [`{"v": 1}`, "1", false],
    [`{"v": true}`, true, true],
    [`{"v": true}`, 1, false], // booleans are not numbers (as in our filter language)
    [`{"v": 0}`, false, false],
    [`{"v": null}`, null, true],
    [`{}`, null, false], // absent never equals
    [`{"other": 1}`, 1, false],
    [`{"v": [1, 2.0, "x"]}`, [1, 2, "x"], true],
    [`{"v": [1, 2]}`, [2, 1], false],
    [`{"v": [1, 2]}`, [1, 2, 3], false],
    [`{"v": {"a": 1, "b": [1.0]}}`, { b: [1], a: 1 }, true],
    [`{"v": {"a": 1}}`, { a: 1, b: 2 }, false],
    [`{"v": {"a": 1}}`, { b: 1 }, false],
    [`{"v": {"a": 1}}`, [1], false],
    [`{"v": []}`, {}, false],
  ];
  await withJobs([{ a: 1 }], (jobs) => {
    const job = jobs[0];
    for (const [text, value, expected] of table) {
      writeDoc(job, text);
      assertEquals(
        docEquals("v", value).evaluate(job, NO_CONTEXT),
        expected,
        `docEquals("v", ${String(value)}) on ${text}`,
      );
    }
  });
});

Deno.test("not negates synchronous and asynchronous conditions and keeps `after`", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const job = jobs[0];
    Deno.writeTextFileSync(job.fn("lock"), "");
    assertEquals(not(isFile("lock")).evaluate(job, NO_CONTEXT), false);
    assertEquals(not(isFile("nolock")).evaluate(job, NO_CONTEXT), true);
    assertEquals(not(not(isFile("lock"))).evaluate(job, NO_CONTEXT), true);
    const asyncTrue = fn(() => Promise.resolve(true), "yes");
    const r = not(asyncTrue).evaluate(job, NO_CONTEXT);
    assert(r instanceof Promise);
    assertEquals(await r, false);
    assertEquals(await not(fn(() => Promise.resolve(false))).evaluate(job, NO_CONTEXT), true);
    assertEquals(not(after("a", "b")).after, ["a", "b"]);
  });
});

Deno.test("never never holds and cannot be changed", async () => {
  await withJobs([{ a: 1 }], (jobs) => {
    assertEquals(never.evaluate(jobs[0], NO_CONTEXT), false);
    assert(Object.isFrozen(never));
    assertEquals(never.after, []);
  });
});

Deno.test("after asks whether every named operation's postconditions hold, up to the first that do not", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const job = jobs[0];
    const asked: string[] = [];
    const ctx = (answers: Record<string, boolean | Promise<boolean>>): ConditionContext => ({
      postconditionsHold(name, j) {
        assertEquals(j, job);
        asked.push(name);
        return answers[name];
      },
      shell: NO_CONTEXT.shell,
    });
    const table: [Record<string, boolean>, boolean, string[]][] = [
      [{ a: true, b: true }, true, ["a", "b"]],
      [{ a: true, b: false }, false, ["a", "b"]],
      [{ a: false, b: true }, false, ["a"]],
      [{ a: false, b: false }, false, ["a"]],
    ];
    for (const [answers, expected, questions] of table) {
      asked.length = 0;
      const r = after("a", "b").evaluate(job, ctx(answers));
      assertEquals(r, expected, JSON.stringify(answers));
      assertEquals(asked, questions);
    }
    const pending = after("a", "b").evaluate(job, ctx({ a: true, b: Promise.resolve(true) }));
    assert(pending instanceof Promise);
    assertEquals(await pending, true);
    const pendingFalse = after("a", "b").evaluate(
      job,
      ctx({ a: Promise.resolve(false), b: true }),
    );
    assertEquals(await pendingFalse, false);
    assertEquals(after("prep", "simulate").after, ["prep", "simulate"]);
  });
});

Deno.test("after is true once the named operations are complete (through an evaluator)", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const job = jobs[0];
    const r = new Registry();
    r.addOperation(op("prep", { post: [isFile("in.txt"), docTrue("prepared")] }));
    r.addOperation(op("run", { pre: [after("prep")], post: [isFile("out.txt")] }));
    r.validate();
    const holds = () => new Evaluator(r).holds(after("prep"), job);
    assertEquals(holds(), false);
    Deno.writeTextFileSync(job.fn("in.txt"), "");
    assertEquals(holds(), false); // in.txt, but not yet the document key
    await job.doc.set("prepared", true);
    assertEquals(holds(), true);
    Deno.removeSync(job.fn("in.txt"));
    assertEquals(holds(), false);
  });
});

Deno.test("sh hands the raw command and the job to the context's shell", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const calls: [string, Job][] = [];
    const ctx: ConditionContext = {
      postconditionsHold: NO_CONTEXT.postconditionsHold,
      shell(command, job) {
        calls.push([command, job]);
        return Promise.resolve(command.includes("ok"));
      },
    };
    assertEquals(await sh("test -s {job.sp.a} # ok").evaluate(jobs[0], ctx), true);
    assertEquals(await sh("false").evaluate(jobs[0], ctx), false);
    assertEquals(calls, [["test -s {job.sp.a} # ok", jobs[0]], ["false", jobs[0]]]);
  });
});

Deno.test("sh runs bash in the job directory: true on exit 0, placeholders quoted", async () => {
  const marker = `/tmp/pwned-${crypto.randomUUID()}`;
  await withJobs([{ name: `x; touch ${marker}`, n: 2 }, { name: "plain", n: 3 }], async (jobs) => {
    const [hostile, plain] = jobs;
    Deno.writeTextFileSync(plain.fn("present.txt"), "");
    const table: [string, Job, boolean][] = [
      ["true", plain, true],
      ["false", plain, false],
      ["exit 3", plain, false],
      ["test -f signac_statepoint.json", plain, true], // cwd is the job directory
      ['test "$(basename "$PWD")" = {job.id}', plain, true],
      ["test -f present.txt", plain, true],
      ["test -f present.txt", hostile, false],
      ["test {job.sp.n} -eq 3", plain, true],
      ["test {job.sp.n} -eq 3", hostile, false],
      ["test {job.sp.name} = plain", plain, true],
      [`test {job.sp.name} = 'x; touch ${marker}'`, hostile, true],
      ["test -d {project.path}/workspace/{job.id}", hostile, true],
    ];
    for (const [command, job, expected] of table) {
      // A fresh evaluator per row: the memo would otherwise answer for equal commands.
      const got = await new Evaluator(new Registry()).holds(sh(command), job);
      assertEquals(got, expected, `${command} on ${job.sp.name}`);
    }
    assertEquals(await exists(marker), false, "the state point value ran as code");
  });
});

Deno.test("sh with a placeholder the job lacks rejects with the job's id", async () => {
  await withJobs([{ a: 1 }], async (jobs) => {
    const evaluator = new Evaluator(new Registry());
    let caught: unknown;
    try {
      await evaluator.holds(sh("test {job.sp.missing} = 1"), jobs[0]);
    } catch (e) {
      caught = e;
    }
    assert(caught instanceof Error);
    assertEquals(
      caught.message,
      `job ${jobs[0].id} has no sp.missing for '{job.sp.missing}'`,
    );
  });
});

Deno.test("fn wraps a synchronous or asynchronous predicate of the job", async () => {
  await withJobs([{ T: 2 }, { T: 0.5 }], async (jobs) => {
    const seen: string[] = [];
    const hot = fn((job) => {
      seen.push(job.id);
      return Number(job.sp.T) > 1;
    }, "hot");
    assertEquals(hot.evaluate(jobs[0], NO_CONTEXT), true);
    assertEquals(hot.evaluate(jobs[1], NO_CONTEXT), false);
    assertEquals(seen, [jobs[0].id, jobs[1].id]);
    const slow = fn((job) => Promise.resolve(job.sp.T === 2));
    const r = slow.evaluate(jobs[0], NO_CONTEXT);
    assert(r instanceof Promise);
    assertEquals(await r, true);
    assertEquals(await slow.evaluate(jobs[1], NO_CONTEXT), false);
  });
});

Deno.test("conditions describe themselves", () => {
  function converged() {
    return true;
  }
  const table: [Condition, string][] = [
    [isFile("out.dat"), "isfile(out.dat)"],
    [after("prep"), "after(prep)"],
    [after("prep", "simulate"), "after(prep, simulate)"],
    [docTrue("done"), "doc.done is true"],
    [docFalse("failed"), "doc.failed is false"],
    [docEquals("state", "converged"), 'doc.state == "converged"'],
    [docEquals("n", 3), "doc.n == 3"],
    [docEquals("n", 2n ** 70n), "doc.n == 1180591620717411303424"],
    [docEquals("v", [1, "a"]), 'doc.v == [1,"a"]'],
    [docEquals("v", null), "doc.v == null"],
    [docEquals("v", { n: 2n ** 70n, s: ["x"] }), 'doc.v == {"n":1180591620717411303424,"s":["x"]}'],
    [not(isFile("lock")), "not(isfile(lock))"],
    [not(not(docTrue("x"))), "not(not(doc.x is true))"],
    [never, "never"],
    [sh("test -s out.dat"), "sh(test -s out.dat)"],
    [fn(() => true, "hot"), "hot"],
    [fn(converged), "converged"],
    [fn(() => true), "function"],
    [toCondition(converged), "converged"],
  ];
  for (const [condition, description] of table) {
    assertEquals(condition.description, description);
  }
});

Deno.test("toCondition passes conditions through and wraps functions", async () => {
  const c = isFile("a");
  assertEquals(toCondition(c), c);
  await withJobs([{ a: 1 }], (jobs) => {
    const wrapped = toCondition((job) => job.sp.a === 1);
    assertEquals(wrapped.evaluate(jobs[0], NO_CONTEXT), true);
    assertEquals(wrapped.after, []);
  });
});

Deno.test("distinct conditions have distinct keys; equal ones share a key", () => {
  const f = () => true;
  const distinct: Condition[] = [
    isFile("a"),
    isFile("b"),
    isFile("a/b"),
    docTrue("a"),
    docFalse("a"),
    not(docTrue("a")),
    not(not(docTrue("a"))),
    not(isFile("a")),
    after("a"),
    after("b"),
    after("a", "b"),
    after("b", "a"),
    docEquals("a", 1),
    docEquals("a", "1"),
    docEquals("a", true),
    docEquals("a", "true"),
    docEquals("a", null),
    docEquals("a", "null"),
    docEquals("a", [1, 2]),
    docEquals("a", ["1,2"]),
    docEquals("a", [[1], 2]),
    docEquals("a", { x: 1 }),
    docEquals("a", { y: 2 }),
    docEquals("a", "[object Object]"),
    docEquals("b", 1),
    sh("a"),
    sh("test -f a"),
    never,
    fn(f),
    fn(f), // every wrapping is its own condition
    toCondition(f),
  ];
  const keys = distinct.map((c) => c.key);
  const dupes = keys.filter((k, i) => keys.indexOf(k) !== i);
  assertEquals(dupes, []);

  const same: [Condition, Condition][] = [
    [isFile("a"), isFile("a")],
    [docTrue("a"), docTrue("a")],
    [after("a", "b"), after("a", "b")],
    [not(isFile("a")), not(isFile("a"))],
    [docEquals("a", { x: 1, y: [2] }), docEquals("a", { y: [2], x: 1 })],
    [sh("true"), sh("true")],
  ];
  for (const [a, b] of same) assertEquals(a.key, b.key, a.description);
});

Deno.test("docEquals with different object values does not share an evaluator's memo", async () => {
  await withJobs([{ a: 1 }], (jobs) => {
    writeDoc(jobs[0], `{"v": {"b": 2}}`);
    const evaluator = new Evaluator(new Registry());
    assertEquals(evaluator.holds(docEquals("v", { a: 1 }), jobs[0]), false);
    assertEquals(evaluator.holds(docEquals("v", { b: 2 }), jobs[0]), true);
    assertEquals(evaluator.holds(docEquals("v", [1, 2]), jobs[0]), false);
  });
});

Deno.test("an aggregate's state uses each member's own document", async () => {
  await withJobs([{ a: 1 }, { a: 2 }], async (jobs) => {
    await jobs[0].doc.set("done", true);
    const evaluator = new Evaluator(new Registry());
    assertEquals(evaluator.holds(docTrue("done"), jobs[0]), true);
    assertEquals(evaluator.holds(docTrue("done"), jobs[1]), false);
    assertEquals(evaluator.holdsForAll(docTrue("done"), alone(jobs[0]).jobs), true);
    assertEquals(evaluator.holdsForAll(docTrue("done"), jobs), false);
  });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
