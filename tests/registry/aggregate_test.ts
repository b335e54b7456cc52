import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch, assertThrows } from "../_assert.ts";
import { withJobs } from "./_fixtures.ts";
import {
  type Aggregate,
  aggregateId,
  type Aggregator,
  groupBy,
  groupsOf,
  single,
} from "../../src/registry/aggregate.ts";
import type { Job } from "../../src/workspace/job.ts";
import { float } from "../../src/workspace/value.ts";

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

/** The ids of jobs, sorted. */
function sortedIds(jobs: readonly Job[]): string[] {
  return jobs.map((j) => j.id).sort();
}

/** Each aggregate as the list of its members' `key` state point values. */
function values(aggs: readonly Aggregate[], key = "x"): unknown[][] {
  return aggs.map((a) => a.jobs.map((j) => j.sp[key]));
}

/** Asserts every aggregate's id follows the scheme, from its members in order. */
function assertIds(aggs: readonly Aggregate[]): void {
  for (const a of aggs) {
    const ids = a.jobs.map((j) => j.id);
    assertEquals(a.id, ids.length === 1 ? ids[0] : "agg-" + md5(ids.join(",")));
  }
}

Deno.test("aggregateId: a job's own id, or agg- + md5 of the comma-joined ids", () => {
  const a = "0123456789abcdef0123456789abcdef";
  const b = "fedcba9876543210fedcba9876543210";
  const c = "00000000000000000000000000000000";
  const table: [string[], string][] = [
    [[a], a],
    [[b], b],
    [[a, b], "agg-" + md5(`${a},${b}`)],
    [[b, a], "agg-" + md5(`${b},${a}`)],
    [[a, b, c], "agg-" + md5(`${a},${b},${c}`)],
  ];
  for (const [ids, expected] of table) assertEquals(aggregateId(ids), expected);
  // Pinned value (hashlib.md5(b"a,b") in Python).
  assertEquals(aggregateId(["a", "b"]), "agg-b345e1dc09f20fdefdea469f09167892");
  // Order matters: the same members in another order are another aggregate.
  assertEquals(aggregateId([a, b]) === aggregateId([b, a]), false);
});

Deno.test("single: every job alone, with its own id", async () => {
  await withJobs([{ x: 1 }, { x: 2 }, { x: 3 }], (jobs) => {
    const aggs = single.aggregate(jobs);
    assertEquals(aggs.map((a) => a.id), jobs.map((j) => j.id));
    assertEquals(aggs.map((a) => a.jobs), jobs.map((j) => [j]));
    assertEquals(single.isSingle, true);
    assertEquals(single.description, "each job");
    assertEquals(single.aggregate([]), []);
  });
});

Deno.test("groupsOf(n): consecutive groups of n, the last one smaller", async () => {
  const sps = [1, 2, 3, 4, 5].map((x) => ({ x }));
  await withJobs(sps, (jobs) => {
    const table: [number, number[][]][] = [
      [1, [[1], [2], [3], [4], [5]]],
      [2, [[1, 2], [3, 4], [5]]],
      [3, [[1, 2, 3], [4, 5]]],
      [4, [[1, 2, 3, 4], [5]]],
      [5, [[1, 2, 3, 4, 5]]],
      [6, [[1, 2, 3, 4, 5]]],
      [100, [[1, 2, 3, 4, 5]]],
    ];
    for (const [n, expected] of table) {
      const aggs = groupsOf(n, { sortBy: "x" }).aggregate(jobs);
      assertEquals(values(aggs), expected, `groupsOf(${n})`);
      assertIds(aggs);
    }
    const ones = groupsOf(1).aggregate(jobs);
    assertEquals(ones.map((a) => a.id), sortedIds(jobs), "a group of one has the job's id");
    assertEquals(groupsOf(2).aggregate([]), []);
    assertEquals(groupsOf(2).isSingle, false);
  });
});

Deno.test("groupsOf without sortBy takes jobs in id order, whatever order they come in", async () => {
  const sps = [1, 2, 3, 4, 5, 6].map((x) => ({ x }));
  await withJobs(sps, (jobs) => {
    const byId = [...jobs].sort((a, b) => (a.id < b.id ? -1 : 1));
    const expected = [byId.slice(0, 4), byId.slice(4)];
    for (const order of [jobs, [...jobs].reverse(), [...byId].reverse(), byId]) {
      const aggs = groupsOf(4).aggregate(order);
      assertEquals(aggs.map((a) => a.jobs), expected);
      assertEquals(aggs[0].id, "agg-" + md5(byId.slice(0, 4).map((j) => j.id).join(",")));
    }
  });
});

Deno.test("sortBy orders by value across ints, floats and big ints, ties by id", async () => {
  const sps = [
    { x: 3 },
    { x: 1.5 },
    { x: float(2) },
    { x: 10 },
    { x: 2n ** 70n },
    { x: -1 },
    { x: float(-0.5) },
  ];
  await withJobs(sps, (jobs) => {
    const asc = groupsOf(100, { sortBy: "x" }).aggregate(jobs);
    assertEquals(values(asc)[0].map(String), [
      "-1",
      "-0.5",
      "1.5",
      "2.0",
      "3",
      "10",
      `${2n ** 70n}`,
    ]);
    const desc = groupsOf(100, { sortBy: "x", sortDescending: true }).aggregate(jobs);
    assertEquals(values(desc)[0].map(String), [
      `${2n ** 70n}`,
      "10",
      "3",
      "2.0",
      "1.5",
      "-0.5",
      "-1",
    ]);
    assertEquals(values(groupsOf(3, { sortBy: "x" }).aggregate(jobs)).map((g) => g.length), [
      3,
      3,
      1,
    ]);
  });
});

Deno.test("sortBy: missing < null < booleans < numbers < strings < lists and objects", async () => {
  const sps = [
    { tag: "obj", v: { a: 1 } },
    { tag: "str-b", v: "b" },
    { tag: "list", v: [1] },
    { tag: "true", v: true },
    { tag: "str-B", v: "B" },
    { tag: "num", v: 0 },
    { tag: "null", v: null },
    { tag: "false", v: false },
    { tag: "missing" },
  ];
  await withJobs(sps, (jobs) => {
    const [all] = groupsOf(100, { sortBy: "v" }).aggregate(jobs);
    assertEquals(
      all.jobs.map((j) => j.sp.tag),
      ["missing", "null", "false", "true", "num", "str-B", "str-b", "list", "obj"],
    );
  });
});

Deno.test("sortBy with a dotted key reads nested state point values", async () => {
  const sps = [
    { id: "c", p: { q: 3 } },
    { id: "a", p: { q: 1 } },
    { id: "none", p: 7 },
    { id: "b", p: { q: 2 } },
  ];
  await withJobs(sps, (jobs) => {
    const [all] = groupsOf(10, { sortBy: "p.q" }).aggregate(jobs);
    assertEquals(all.jobs.map((j) => j.sp.id), ["none", "a", "b", "c"]);
    const pairs = groupsOf(2, { sortBy: "p.q", sortDescending: true }).aggregate(jobs);
    assertEquals(pairs.map((a) => a.jobs.map((j) => j.sp.id)), [["c", "b"], ["a", "none"]]);
    assertIds(pairs);
  });
});

Deno.test("sortBy breaks ties by job id", async () => {
  const sps = [1, 2, 3, 4].map((i) => ({ T: 1, i }));
  await withJobs(sps, (jobs) => {
    const [all] = groupsOf(10, { sortBy: "T" }).aggregate([...jobs].reverse());
    assertEquals(all.jobs.map((j) => j.id), sortedIds(jobs));
  });
});

Deno.test("select filters jobs before aggregating: as a filter object and as a function", async () => {
  const sps = [1, 2, 3, 4, 5, 6].map((x) => ({ x, even: x % 2 === 0 }));
  await withJobs(sps, async (jobs) => {
    await jobs[0].doc.set("skip", true); // x = 1
    await jobs[3].doc.set("skip", true); // x = 4
    const table: [Aggregator, number[][]][] = [
      [groupsOf(2, { sortBy: "x", select: { even: true } }), [[2, 4], [6]]],
      [groupsOf(2, { sortBy: "x", select: { x: { $gt: 2 } } }), [[3, 4], [5, 6]]],
      [groupsOf(10, { sortBy: "x", select: { $not: { "doc.skip": true } } }), [[2, 3, 5, 6]]],
      [groupsOf(10, { sortBy: "x", select: { "doc.skip": true } }), [[1, 4]]],
      [groupsOf(2, { sortBy: "x", select: (j) => Number(j.sp.x) % 3 === 0 }), [[3, 6]]],
      [groupsOf(2, { sortBy: "x", select: () => false }), []],
      [groupBy("even", { select: { x: { $lte: 3 } } }), [[1, 3], [2]]],
      [groupBy("even", { sortBy: "x", select: (j) => j.sp.x !== 3 }), [[1, 5], [2, 4, 6]]],
    ];
    for (const [aggregator, expected] of table) {
      const aggs = aggregator.aggregate(jobs);
      const got = aggs.map((a) => a.jobs.map((j) => Number(j.sp.x)).sort((p, q) => p - q));
      assertEquals(got, expected, aggregator.description);
      assertIds(aggs);
    }
  });
});

Deno.test("groupBy: one aggregate per value, 1 and 1.0 together, missing together, ordered by value", async () => {
  const sps = [
    { n: 0, T: 2 },
    { n: 1, T: 1 },
    { n: 2, T: float(1) },
    { n: 3, T: "1" },
    { n: 4 },
    { n: 5, T: null },
    { n: 6, T: 2 },
    { n: 7 },
    { n: 8, T: 0.5 },
    { n: 9, T: [1] },
    { n: 10, T: true },
  ];
  await withJobs(sps, (jobs) => {
    const aggs = groupBy("T").aggregate(jobs);
    const members = aggs.map((a) => a.jobs.map((j) => Number(j.sp.n)).sort((p, q) => p - q));
    assertEquals(members, [[4, 7], [5], [10], [8], [1, 2], [0, 6], [3], [9]]);
    assertIds(aggs);
    for (const a of aggs) {
      assertEquals(a.jobs.map((j) => j.id), sortedIds(a.jobs), "members in id order");
    }
    assertEquals(groupBy("T").isSingle, false);
    assertEquals(groupBy("T").aggregate([]), []);
  });
});

Deno.test("groupBy with a dotted key; a non-object on the way counts as missing", async () => {
  const sps = [
    { i: 0, p: { q: "b" } },
    { i: 1, p: { q: "a" } },
    { i: 2, p: { q: "b", r: 1 } },
    { i: 3, p: 5 },
    { i: 4, p: { r: 1 } },
    { i: 5 },
    { i: 6, p: { q: { deep: 1 } } },
    { i: 7, p: { q: 1.5 } },
  ];
  await withJobs(sps, (jobs) => {
    const aggs = groupBy("p.q").aggregate(jobs);
    const members = aggs.map((a) => a.jobs.map((j) => Number(j.sp.i)).sort((x, y) => x - y));
    // Missing first, then numbers, strings, objects.
    assertEquals(members, [[3, 4, 5], [7], [1], [0, 2], [6]]);
    assertIds(aggs);
  });
});

Deno.test("groupBy orders the members of an aggregate by sortBy when given", async () => {
  const sps = [{ g: 1, x: 3 }, { g: 1, x: 1 }, { g: 2, x: 5 }, { g: 1, x: 2 }];
  await withJobs(sps, (jobs) => {
    assertEquals(values(groupBy("g", { sortBy: "x" }).aggregate(jobs)), [[1, 2, 3], [5]]);
    assertEquals(
      values(groupBy("g", { sortBy: "x", sortDescending: true }).aggregate(jobs)),
      [[3, 2, 1], [5]],
    );
  });
});

Deno.test("aggregators describe themselves", () => {
  const table: [Aggregator, string][] = [
    [single, "each job"],
    [groupsOf(2), "groupsOf(2)"],
    [groupsOf(10, { sortBy: "T" }), "groupsOf(10, sortBy: T)"],
    [groupsOf(3, { sortBy: "p.q", sortDescending: true }), "groupsOf(3, sortBy: p.q desc)"],
    [groupsOf(3, { select: { a: 1 } }), 'groupsOf(3, select: {"a": 1})'],
    [groupBy("T"), "groupBy(T)"],
    [groupBy("a.b", { sortBy: "x" }), "groupBy(a.b, sortBy: x)"],
  ];
  for (const [aggregator, description] of table) {
    assertEquals(aggregator.description, description);
  }
  // Different select functions describe differently (a group must not mix them); one function alike.
  const f = (j: { id: string }) => j.id > "8";
  const g = (j: { id: string }) => j.id < "8";
  assertMatch(
    groupsOf(3, { sortBy: "T", select: f }).description,
    /^groupsOf\(3, sortBy: T, select: f#\d+\)$/,
  );
  assertEquals(groupsOf(2, { select: f }).description, groupsOf(2, { select: f }).description);
  assert(groupsOf(2, { select: f }).description !== groupsOf(2, { select: g }).description);
});

Deno.test("groupsOf refuses a size that is not a whole number ≥ 1", () => {
  const table: [number, string][] = [
    [0, "groupsOf needs a whole number ≥ 1, got 0"],
    [-1, "groupsOf needs a whole number ≥ 1, got -1"],
    [1.5, "groupsOf needs a whole number ≥ 1, got 1.5"],
    [NaN, "groupsOf needs a whole number ≥ 1, got NaN"],
    [Infinity, "groupsOf needs a whole number ≥ 1, got Infinity"],
  ];
  for (const [n, message] of table) {
    const e = assertThrows(() => groupsOf(n), RangeError);
    assertEquals(e.message, message);
  }
});
