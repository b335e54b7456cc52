// Batch requests from directives: tasks × cores per task, for single operations, groups and
// bundles that mix MPI and non-MPI operations (docs/DIRECTIVES.md, "On a cluster").
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import {
  aggregateGroupDirectives,
  coresRequested,
  type GroupMode,
  type ResolvedDirectives,
  validateDirectives,
} from "../../src/directives/mod.ts";
import { UsageError } from "../../src/errors.ts";
import { batchRequest, type Pair, planSubmissions, taskLayout } from "../../src/scheduler/plan.ts";
import type { Aggregate } from "../../src/registry/aggregate.ts";
import type { Group } from "../../src/registry/group.ts";
import { resolved } from "../directives/_arbitraries.ts";

const v = (raw: Record<string, unknown>) => validateDirectives(raw, "test");

/** [what, operations' directives, how they run, ntasks, cpus per task, GPUs] */
type Case = [string, Record<string, unknown>[], GroupMode, number, number, number];

const CASES: Case[] = [
  // Single operations.
  ["plain np 4", [{ np: 4 }], "serial", 1, 4, 0],
  ["np 4 at processor_fraction 0.5", [{ np: 4, processor_fraction: 0.5 }], "serial", 1, 2, 0],
  ["MPI 4 ranks × 2 threads", [{ nranks: 4, omp_num_threads: 2 }], "serial", 4, 2, 0],
  ["MPI 4 ranks, np 2 raised to 4", [{ np: 2, nranks: 4 }], "serial", 4, 1, 0],
  // An explicit np above ranks × threads widens the ranks (was 2 × 2).
  [
    "np 16 over 2 ranks × 2 threads",
    [{ np: 16, nranks: 2, omp_num_threads: 2 }],
    "serial",
    2,
    8,
    0,
  ],
  ["np 5 over 2 ranks: rounded up", [{ np: 5, nranks: 2 }], "serial", 2, 3, 0],
  // processor_fraction never takes an MPI operation below its ranks × threads.
  [
    "MPI at processor_fraction 0.5",
    [{ nranks: 4, omp_num_threads: 2, processor_fraction: 0.5 }],
    "serial",
    4,
    2,
    0,
  ],
  [
    "np 16 over 2 ranks at processor_fraction 0.5",
    [{ np: 16, nranks: 2, omp_num_threads: 2, processor_fraction: 0.5 }],
    "serial",
    2,
    8,
    0,
  ],
  // ... nor the operations beside them: 1 rank and a non-MPI operation take 2 cores.
  [
    "parallel 1 rank at 0.25 + np 1 at 0.5",
    [{ nranks: 1, processor_fraction: 0.25 }, { processor_fraction: 0.5 }],
    "parallel",
    1,
    2,
    0,
  ],
  // Groups mixing MPI and non-MPI operations (were 2 × 1 and 4 × 2).
  ["parallel np 6 + 2 ranks", [{ np: 6 }, { nranks: 2 }], "parallel", 2, 4, 0],
  [
    "serial np 16 + 4 ranks × 2",
    [{ np: 16 }, { nranks: 4, omp_num_threads: 2 }],
    "serial",
    4,
    4,
    0,
  ],
  ["serial 4 ranks × 2 + np 4", [{ nranks: 4, omp_num_threads: 2 }, { np: 4 }], "serial", 4, 2, 0],
  // Parallel MPI operations: ranks add up, threads per rank do not (was 12 × 6).
  [
    "parallel 3 × (4 ranks × 2)",
    [1, 2, 3].map(() => ({ nranks: 4, omp_num_threads: 2 })),
    "parallel",
    12,
    2,
    0,
  ],
  // Ranks of different widths: every task as wide as the widest rank.
  [
    "parallel 4 × 2 + 2 × 8",
    [{ nranks: 4, omp_num_threads: 2 }, { nranks: 2, omp_num_threads: 8 }],
    "parallel",
    6,
    8,
    0,
  ],
  // processor_fraction of the first operation no longer shrinks the others (was 1 × 4, 2 GPUs).
  [
    "serial np 4 at 0.5, then np 8",
    [{ np: 4, processor_fraction: 0.5 }, { np: 8 }],
    "serial",
    1,
    8,
    0,
  ],
  [
    "serial 2 GPUs at 0.5, then 4 GPUs",
    [{ ngpu: 2, processor_fraction: 0.5 }, { ngpu: 4 }],
    "serial",
    1,
    1,
    4,
  ],
  // Equal fractions still share: four quarter-core operations side by side take one core.
  [
    "parallel 4 × quarter core",
    [1, 2, 3, 4].map(() => ({ processor_fraction: 0.25 })),
    "parallel",
    1,
    1,
    0,
  ],
  // DIRECTIVES.md's serial and parallel groups sim (np 2, 1 GPU) and ana (np 4).
  ["serial sim + ana", [{ np: 2, ngpu: 1 }, { np: 4 }], "serial", 1, 4, 1],
  ["parallel sim + ana", [{ np: 2, ngpu: 1 }, { np: 4 }], "parallel", 1, 6, 1],
];

Deno.test("taskLayout and batchRequest: a table of operations, groups and bundles", () => {
  for (const [what, raws, mode, ntasks, cpusPerTask, gpus] of CASES) {
    const d = aggregateGroupDirectives(raws.map(v), mode);
    assertEquals(taskLayout(d), { ntasks, cpusPerTask }, what);
    const r = batchRequest(d);
    assertEquals([r.ntasks, r.cpusPerTask, r.gpus, r.nodes], [ntasks, cpusPerTask, gpus, 1], what);
  }
});

const ALL_MODES = fc.constantFrom("serial" as const, "parallel" as const);

Deno.test("property: a batch request never holds fewer cores than its operations start", () => {
  fc.assert(
    fc.property(fc.array(resolved, { minLength: 1, maxLength: 6 }), ALL_MODES, (ds, mode) => {
      const { ntasks, cpusPerTask } = taskLayout(aggregateGroupDirectives(ds, mode));
      const cores = ntasks * cpusPerTask;
      // An operation's share: np × processor_fraction without MPI (non-MPI operations side by
      // side may share cores), all of np (≥ ranks × threads) with MPI.
      const share = ds.map((d) => d.nranks === 0 ? d.np * d.processor_fraction : d.np);
      const needed = mode === "serial"
        ? Math.max(...ds.map((d, i) => d.nranks === 0 ? coresRequested(d) : Math.ceil(share[i])))
        : share.reduce((a, b) => a + b, 0);
      assert(cores >= needed * (1 - 1e-9), `${ntasks}×${cpusPerTask} < ${needed}`);
      // One task per rank running at once; every rank's threads fit in one task.
      const ranks = ds.map((d) => d.nranks);
      const mpi = ranks.some((n) => n > 0);
      assertEquals(
        ntasks,
        !mpi ? 1 : mode === "serial" ? Math.max(...ranks) : ranks.reduce((a, b) => a + b, 0),
      );
      for (const d of ds) if (d.nranks > 0) assert(cpusPerTask >= d.omp_num_threads);
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

function pairs(list: ResolvedDirectives[]): Pair[] {
  const group = { name: "mpi", members: [], singleton: true } as unknown as Group;
  return list.map((directives, i) => ({
    group,
    agg: { id: `job${i}`, jobs: [] } as unknown as Aggregate,
    directives,
  }));
}

Deno.test("planSubmissions: a parallel bundle of MPI operations sums ranks, not threads", () => {
  const mpi = v({ nranks: 4, omp_num_threads: 2 });
  const [job] = planSubmissions(pairs([mpi, mpi, mpi]), { bundle: 3, parallel: true });
  assertEquals([job.request.ntasks, job.request.cpusPerTask], [12, 2]);
  // The script exports the bundle's omp_num_threads: each operation's own here.
  assertEquals(job.directives.omp_num_threads, 2);
  const [serial] = planSubmissions(pairs([mpi, mpi, mpi]), { bundle: 3 });
  assertEquals([serial.request.ntasks, serial.request.cpusPerTask], [4, 2]);
  assertEquals(serial.directives.omp_num_threads, 2);
});

Deno.test("planSubmissions: a forced bundle of MPI and non-MPI pairs covers both", () => {
  const list = [v({ np: 6 }), v({ nranks: 2 })];
  assertThrows(() => planSubmissions(pairs(list), { bundle: 2, parallel: true }), UsageError);
  const [par] = planSubmissions(pairs(list), { bundle: 2, parallel: true, force: true });
  assertEquals([par.request.ntasks, par.request.cpusPerTask], [2, 4]);
  const [ser] = planSubmissions(pairs([v({ np: 16 }), v({ nranks: 4, omp_num_threads: 2 })]), {
    bundle: 2,
    force: true,
  });
  assertEquals([ser.request.ntasks, ser.request.cpusPerTask], [4, 4]);
});
