/** Job names, the submissions record, and mapping the queue back to (group, aggregate). */
import { assert, assertEquals, assertMatch, assertThrows } from "../_assert.ts";
import { withTempDir } from "../_helpers.ts";
import {
  aggregatesKey,
  jobName,
  MAX_JOB_NAME,
  parseJobName,
  projectHash,
  readSubmissions,
  recordSubmission,
  shortJobName,
  type SubmissionRecord,
  submissionsPath,
  trackedStates,
  trackKey,
} from "../../src/scheduler/names.ts";
import { parseQueue } from "../../src/scheduler/client.ts";
import type { QueuedJob } from "../../src/scheduler/types.ts";

const ROOT = "/home/me/project";
const MD5_A_NL_B = "8cdeb44417f3c26826595d5820cf5700";
const JOB = "0123456789abcdef0123456789abcdef";

Deno.test("jobName: project hash, group and aggregate, read back", () => {
  assertEquals(projectHash(ROOT), "7eb7c5d1");
  const name = jobName(ROOT, "simulate", [JOB]);
  assertEquals(name, `flow-7eb7c5d1/simulate/${JOB}`);
  assertEquals(parseJobName(name), { projectHash: "7eb7c5d1", group: "simulate", key: JOB });
});

Deno.test("jobName: bundles are keyed by the sorted ids", () => {
  const a = jobName(ROOT, "ex", ["b", "a", "c"]);
  assertEquals(a, jobName(ROOT, "ex", ["c", "b", "a"]));
  assertMatch(a, /^flow-7eb7c5d1\/ex\/bundle-[0-9a-f]{32}$/);
  assertEquals(aggregatesKey(["b", "a"]), `bundle-${MD5_A_NL_B}`); // md5("a\nb")
  // One aggregate submitted as a bundle (--bundle with one job) is still a bundle.
  assertMatch(jobName(ROOT, "ex", ["a"], true), /\/bundle-[0-9a-f]{32}$/);
  assertThrows(() => jobName(ROOT, "ex", []), RangeError, "at least one");
});

Deno.test("jobName: no whitespace or quotes, and odd group names read back exactly", () => {
  for (const group of ["my group", 'say "hi"', "it's", "a/b", "naïve→ü", "tab\there", "50%"]) {
    const name = jobName(ROOT, group, ["agg/1 x"]);
    assert(!/[\s"'\\]/.test(name), name);
    assertEquals(name.split("/").length, 3, name);
    assertEquals(parseJobName(name), { projectHash: "7eb7c5d1", group, key: "agg/1 x" });
  }
});

Deno.test("jobName: at most 100 characters; longer ones become a hash", () => {
  const group = "g".repeat(120);
  const name = jobName(ROOT, group, [JOB]);
  assert(name.length <= MAX_JOB_NAME, name);
  assertMatch(name, /^flow-7eb7c5d1\/[0-9a-f]{32}$/);
  const parsed = parseJobName(name);
  assertEquals(parsed?.group, undefined);
  assertEquals(parsed?.projectHash, "7eb7c5d1");
  // Exactly 100 is kept as is.
  const fits = "g".repeat(MAX_JOB_NAME - `flow-7eb7c5d1//${JOB}`.length);
  assertEquals(jobName(ROOT, fits, [JOB]).length, MAX_JOB_NAME);
  assertEquals(parseJobName(jobName(ROOT, fits, [JOB]))?.group, fits);
});

Deno.test("parseJobName: foreign names are undefined; LSF element suffix ignored", () => {
  for (
    const name of [
      "",
      "job",
      "flow-xyz/ex/a",
      "flow-7eb7c5d1",
      "flow-7eb7c5d1/a/b/c",
      "flow-7eb7c5d1/ex/%zz",
    ]
  ) {
    assertEquals(parseJobName(name), undefined, name);
  }
  assertEquals(parseJobName("flow-7eb7c5d1/ex/a1[3]"), {
    projectHash: "7eb7c5d1",
    group: "ex",
    key: "a1",
  });
});

Deno.test("shortJobName: 15 characters, stable, distinct", () => {
  const a = shortJobName(ROOT, "ex", ["a"]);
  assertMatch(a, /^f[0-9a-f]{14}$/);
  assertEquals(a, shortJobName(ROOT, "ex", ["a"]));
  assert(a !== shortJobName(ROOT, "ex", ["b"]));
  assert(a !== shortJobName("/other", "ex", ["a"]));
});

function rec(overrides: Partial<SubmissionRecord>): SubmissionRecord {
  return {
    id: "1",
    name: "n",
    group: "ex",
    aggregates: ["a"],
    scheduler: "slurm",
    time: "2024-05-01T12:00:00.000Z",
    ...overrides,
  };
}

Deno.test("submissions record: append, read, no record, cut last line", () => {
  withTempDir((root) => {
    assertEquals(readSubmissions(root), []);
    const r1 = rec({ id: "1" });
    const r2 = rec({ id: "2", aggregates: ["a", "b"] });
    recordSubmission(root, r1);
    recordSubmission(root, r2);
    assertEquals(readSubmissions(root), [r1, r2]);
    // A write cut short: the partial line is skipped, and the next append is not glued to it.
    Deno.writeTextFileSync(submissionsPath(root), '{"id":"3","name":"n","gr', { append: true });
    assertEquals(readSubmissions(root), [r1, r2]);
    const r4 = rec({ id: "4" });
    recordSubmission(root, r4);
    assertEquals(readSubmissions(root), [r1, r2, r4]);
    // Lines that are JSON but not records are skipped too.
    Deno.writeTextFileSync(submissionsPath(root), '[1]\n{"id":5}\n', { append: true });
    assertEquals(readSubmissions(root), [r1, r2, r4]);
  });
});

Deno.test("trackedStates: by name alone (no record)", () => {
  withTempDir((root) => {
    const queue: QueuedJob[] = [
      { id: "10", name: jobName(root, "ex", ["a1"]), state: "running" },
      { id: "11", name: jobName(root, "ex", ["a2"]), state: "held" },
      { id: "12", name: jobName("/other/project", "ex", ["a3"]), state: "queued" },
      { id: "13", name: "someone-elses-job", state: "queued" },
      { id: "14", name: jobName(root, "ex", ["a4", "a5"]), state: "queued" }, // bundle: record only
    ];
    const states = trackedStates(root, queue);
    assertEquals([...states.entries()], [
      [trackKey("ex", "a1"), { state: "running", id: "10" }],
      [trackKey("ex", "a2"), { state: "held", id: "11" }],
    ]);
  });
});

Deno.test("trackedStates: bundles and arrays map to their members through the record", () => {
  withTempDir((root) => {
    const bundle = jobName(root, "ex", ["a1", "a2"]);
    const array = jobName(root, "sim", ["b0", "b1", "b2", "b3"], true);
    recordSubmission(root, rec({ id: "20", name: bundle, group: "ex", aggregates: ["a1", "a2"] }));
    recordSubmission(
      root,
      rec({ id: "21", name: array, group: "sim", aggregates: ["b0", "b1", "b2", "b3"] }),
    );
    // Real squeue lines (SLURM 22.05): running task 0, pending tasks 1-3 in one line.
    const queue = parseQueue(
      "slurm",
      `20|PD|Priority|${bundle}\n21_[1-3%1]|PD|JobArrayTaskLimit|${array}\n21_0|R|None|${array}\n`,
    );
    const states = trackedStates(root, queue);
    assertEquals(Object.fromEntries(states), {
      [trackKey("ex", "a1")]: { state: "queued", id: "20" },
      [trackKey("ex", "a2")]: { state: "queued", id: "20" },
      [trackKey("sim", "b0")]: { state: "running", id: "21_0" },
      [trackKey("sim", "b1")]: { state: "queued", id: "21_[1-3%1]" },
      [trackKey("sim", "b2")]: { state: "queued", id: "21_[1-3%1]" },
      [trackKey("sim", "b3")]: { state: "queued", id: "21_[1-3%1]" },
    });
  });
});

Deno.test("trackedStates: PBS and LSF array ids", () => {
  withTempDir((root) => {
    const array = jobName(root, "sim", ["b0", "b1"], true);
    recordSubmission(
      root,
      rec({
        id: "30[].pbs01",
        name: array,
        scheduler: "pbs",
        group: "sim",
        aggregates: ["b0", "b1"],
      }),
    );
    recordSubmission(
      root,
      rec({ id: "31", name: array, scheduler: "lsf", group: "lsim", aggregates: ["c0", "c1"] }),
    );
    const queue: QueuedJob[] = [
      { id: "30[].pbs01", name: array, state: "running" }, // the array itself: all tasks
      { id: "30[1].pbs01", name: array, state: "error" },
      { id: "31[1]", name: `${array}[1]`, state: "running" }, // LSF indices start at 1
      { id: "31[2]", name: `${array}[2]`, state: "held" },
    ];
    assertEquals(Object.fromEntries(trackedStates(root, queue)), {
      [trackKey("sim", "b0")]: { state: "running", id: "30[].pbs01" },
      [trackKey("sim", "b1")]: { state: "running", id: "30[].pbs01" },
      [trackKey("lsim", "c0")]: { state: "running", id: "31[1]" },
      [trackKey("lsim", "c1")]: { state: "held", id: "31[2]" },
    });
  });
});

Deno.test("trackedStates: the most active state wins; a reused foreign id is ignored", () => {
  withTempDir((root) => {
    const name = jobName(root, "ex", ["a1"]);
    recordSubmission(
      root,
      rec({ id: "40", name: jobName(root, "ex", ["zz", "yy"]), aggregates: ["zz", "yy"] }),
    );
    const queue: QueuedJob[] = [
      { id: "41", name, state: "inactive" },
      { id: "42", name, state: "queued" },
      { id: "43", name, state: "error" },
      { id: "40", name: "not-ours", state: "running" }, // id 40 reused after a reset
    ];
    assertEquals(Object.fromEntries(trackedStates(root, queue)), {
      [trackKey("ex", "a1")]: { state: "queued", id: "42" },
    });
  });
});

Deno.test("trackedStates: hashed (too long) names are tracked through the record", () => {
  withTempDir((root) => {
    const group = "g".repeat(150);
    const name = jobName(root, group, ["a1"]);
    assertEquals(trackedStates(root, [{ id: "50", name, state: "running" }]).size, 0);
    recordSubmission(root, rec({ id: "50", name, group, aggregates: ["a1"] }));
    assertEquals(Object.fromEntries(trackedStates(root, [{ id: "50", name, state: "running" }])), {
      [trackKey(group, "a1")]: { state: "running", id: "50" },
    });
  });
});
