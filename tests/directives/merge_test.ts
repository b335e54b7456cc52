import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  aggregateGroupDirectives,
  DEFAULT_DIRECTIVES,
  DirectiveError,
  type DirectiveSpec,
  gpusRequested,
  type GroupMode,
  mergeOperationDirectives,
  type ResolvedDirectives,
  resolveDirectives,
  validateDirectives,
} from "../../src/directives/mod.ts";

const twice = (n: number) => n * 2;

// ---------------------------------------------------------------- the seed's example

Deno.test("seed: op1 requests 1 GPU alone and 2 GPUs through group ex", () => {
  // @ex(directives={"ngpu": 2}) above @Project.operation(directives={"ngpu": 1})
  const op1Own: DirectiveSpec<null> = { ngpu: 1 };
  const exOverrideForOp1: DirectiveSpec<null> = { ngpu: 2 };
  const op2Own: DirectiveSpec<null> = {};

  const alone = resolveDirectives(op1Own, null, "operation 'op1'");
  assertEquals(gpusRequested(aggregateGroupDirectives([alone], "serial")), 1);

  const op1InEx = resolveDirectives(
    mergeOperationDirectives(op1Own, exOverrideForOp1),
    null,
    "operation 'op1' in group 'ex'",
  );
  assertEquals(gpusRequested(aggregateGroupDirectives([op1InEx], "serial")), 2);

  const op2InEx = resolveDirectives(mergeOperationDirectives(op2Own, {}), null, "op2 in ex");
  for (const mode of ["serial", "parallel"] as const) {
    assertEquals(gpusRequested(aggregateGroupDirectives([op1InEx, op2InEx], mode)), 2, mode);
  }
  // the operation on its own is unchanged by being in the group
  assertEquals(resolveDirectives(op1Own, null, "operation 'op1'").ngpu, 1);
});

// ---------------------------------------------------------------- merge

Deno.test("merge: the override wins key by key (table)", () => {
  const cases: [DirectiveSpec<number>, DirectiveSpec<number>, DirectiveSpec<number>][] = [
    [{ ngpu: 1 }, { ngpu: 2 }, { ngpu: 2 }],
    // signac-flow would drop memory here (replacement); we keep it
    [{ ngpu: 1, memory: "4G" }, { ngpu: 2 }, { ngpu: 2, memory: "4G" }],
    [{ np: 4, walltime: 1 }, { walltime: "02:00:00", fork: true }, {
      np: 4,
      walltime: "02:00:00",
      fork: true,
    }],
    [{}, { np: 4 }, { np: 4 }],
    [{ np: 4 }, {}, { np: 4 }],
    [{ np: 4 }, { np: undefined }, { np: 4 }],
    [{ memory: "4G" }, { memory: null }, { memory: null }],
    [{ np: twice }, { ngpu: 1 }, { np: twice, ngpu: 1 }],
    [{ np: 2 }, { np: twice }, { np: twice }],
  ];
  for (const [own, override, expected] of cases) {
    assertEquals(mergeOperationDirectives(own, override), expected);
  }
});

Deno.test("merge, then resolve: the override's null resets to the default", () => {
  const merged = mergeOperationDirectives({ memory: "4G", ngpu: 1 }, { memory: null });
  assertEquals(resolveDirectives(merged, 0, "c"), { ...DEFAULT_DIRECTIVES, ngpu: 1 });
});

Deno.test("merge happens before resolution: np follows the overridden nranks", () => {
  const own: DirectiveSpec = { nranks: 4 };
  assertEquals(resolveDirectives(own, 0, "c").np, 4);
  assertEquals(resolveDirectives(mergeOperationDirectives(own, { nranks: 2 }), 0, "c").np, 2);
});

Deno.test("merge: override functions are resolved with the job", () => {
  const merged = mergeOperationDirectives<number>({ np: 2, fork: true }, { np: twice });
  assertEquals(resolveDirectives(merged, 5, "c"), { ...DEFAULT_DIRECTIVES, np: 10, fork: true });
});

const SPECS: DirectiveSpec<number>[] = [
  {},
  { ngpu: 1 },
  { ngpu: 2, memory: "4G" },
  { np: twice, walltime: 1.5 },
  { memory: null, fork: true },
  { np: undefined, executable: "python3" },
  { walltime: "01:00:00", ngpu: undefined, nranks: 4 },
];

function withoutUndefined(spec: DirectiveSpec<number>): DirectiveSpec<number> {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
}

Deno.test("merge law: an empty override is the identity", () => {
  for (const spec of SPECS) {
    const merged = mergeOperationDirectives(spec, {});
    assertEquals(merged, spec);
    assert(merged !== spec, "a copy, not the same object");
  }
});

Deno.test("merge law: over an empty own set, the override is what is given", () => {
  for (const spec of SPECS) {
    assertEquals(mergeOperationDirectives({}, spec), withoutUndefined(spec));
  }
});

Deno.test("merge law: associative", () => {
  for (const a of SPECS) {
    for (const b of SPECS) {
      for (const c of SPECS) {
        assertEquals(
          mergeOperationDirectives(mergeOperationDirectives(a, b), c),
          mergeOperationDirectives(a, mergeOperationDirectives(b, c)),
        );
      }
    }
  }
});

Deno.test("merge law: each key comes from the override when given there, else from own", () => {
  for (const own of SPECS) {
    for (const override of SPECS) {
      const merged = mergeOperationDirectives(own, override) as Record<string, unknown>;
      const o = own as Record<string, unknown>;
      const v = override as Record<string, unknown>;
      for (const key of new Set([...Object.keys(o), ...Object.keys(v)])) {
        assertEquals(merged[key], v[key] !== undefined ? v[key] : o[key], key);
      }
    }
  }
});

Deno.test("merge does not change its arguments", () => {
  const own = { ngpu: 1, memory: "4G" };
  const override = { ngpu: 2, fork: true };
  mergeOperationDirectives(own, override);
  assertEquals(own, { ngpu: 1, memory: "4G" });
  assertEquals(override, { ngpu: 2, fork: true });
});

// ---------------------------------------------------------------- aggregation

const v = (raw: Record<string, unknown>) => validateDirectives(raw, "test");
const A = v({ np: 2, ngpu: 1, walltime: 1, memory: "4G" });
const B = v({
  np: 4,
  omp_num_threads: 4,
  walltime: 0.5,
  memory: "512M",
  fork: true,
  executable: "python3",
});
const C = v({ nranks: 3, processor_fraction: 0.5 });

Deno.test("aggregation of a group (table)", () => {
  const cases: [ResolvedDirectives[], GroupMode, Partial<ResolvedDirectives>][] = [
    [[A, B, C], "serial", {
      np: 4,
      ngpu: 1,
      nranks: 3,
      omp_num_threads: 4,
      walltime: 5400,
      memory: 4,
      fork: true,
    }],
    [[A, B, C], "parallel", {
      np: 9,
      ngpu: 1,
      nranks: 3,
      omp_num_threads: 4,
      walltime: 3600,
      memory: 4.5,
      fork: true,
    }],
    // executable: the first operation's, even when unset; processor_fraction: the largest
    [[C, B], "serial", {
      np: 4,
      nranks: 3,
      omp_num_threads: 4,
      walltime: 1800,
      memory: 0.5,
      fork: true,
    }],
    [[B, C], "parallel", {
      np: 7,
      nranks: 3,
      omp_num_threads: 4,
      walltime: 1800,
      memory: 0.5,
      fork: true,
      executable: "python3",
    }],
    // unset only when all are unset; equal fractions are kept
    [[C, C], "serial", { np: 3, nranks: 3, processor_fraction: 0.5 }],
    [[C, C], "parallel", { np: 6, nranks: 6, processor_fraction: 0.5 }],
    // threads are per rank: side by side they are not added up
    [[B, B], "parallel", {
      np: 8,
      omp_num_threads: 4,
      walltime: 1800,
      memory: 1,
      fork: true,
      executable: "python3",
    }],
    [[DEFAULT_DIRECTIVES, DEFAULT_DIRECTIVES], "parallel", { np: 2 }],
    [[DEFAULT_DIRECTIVES, DEFAULT_DIRECTIVES], "serial", {}],
  ];
  for (const [list, mode, diff] of cases) {
    const got = aggregateGroupDirectives(list, mode);
    assertEquals(got, { ...DEFAULT_DIRECTIVES, ...diff }, `${mode} of ${list.length}`);
    assert(Object.isFrozen(got));
  }
});

const SAMPLES: ResolvedDirectives[] = [
  A,
  B,
  C,
  DEFAULT_DIRECTIVES,
  v({ np: 16, ngpu: 4, walltime: "1-00:00:00", memory: "1T" }),
  v({ nranks: 2, omp_num_threads: 2, walltime: "00:00:30", executable: "/bin/sh" }),
];
const WITH_WALLTIME = SAMPLES.filter((d) => d.walltime !== undefined);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

Deno.test("aggregation law: one operation is its own group, in both modes", () => {
  for (const d of SAMPLES) {
    for (const mode of ["serial", "parallel"] as const) {
      assertEquals(aggregateGroupDirectives([d], mode), d);
    }
  }
});

Deno.test("aggregation law: serial walltime is the sum of the operations'", () => {
  assertEquals(WITH_WALLTIME.length, 4);
  assertEquals(
    aggregateGroupDirectives(WITH_WALLTIME, "serial").walltime,
    sum(WITH_WALLTIME.map((d) => d.walltime as number)),
  );
  assertEquals(
    aggregateGroupDirectives(WITH_WALLTIME, "serial").walltime,
    3600 + 1800 + 86400 + 30,
  );
});

Deno.test("aggregation law: parallel np is the sum, serial np the max", () => {
  for (let n = 1; n <= SAMPLES.length; n++) {
    const list = SAMPLES.slice(0, n);
    assertEquals(aggregateGroupDirectives(list, "parallel").np, sum(list.map((d) => d.np)));
    assertEquals(aggregateGroupDirectives(list, "serial").np, Math.max(...list.map((d) => d.np)));
  }
  assertEquals(aggregateGroupDirectives(SAMPLES, "parallel").np, 2 + 4 + 3 + 1 + 16 + 4);
});

Deno.test("aggregation law: parallel walltime is the max; the order of max/sum fields is free", () => {
  assertEquals(aggregateGroupDirectives(WITH_WALLTIME, "parallel").walltime, 86400);
  const reversed = [...SAMPLES].reverse();
  for (const mode of ["serial", "parallel"] as const) {
    const x = aggregateGroupDirectives(SAMPLES, mode);
    const y = aggregateGroupDirectives(reversed, mode);
    for (const key of ["np", "ngpu", "nranks", "omp_num_threads", "walltime", "fork"] as const) {
      assertEquals(x[key], y[key], `${mode} ${key}`);
    }
  }
});

Deno.test("aggregation of no operations is an error", () => {
  for (const mode of ["serial", "parallel"] as const) {
    assertThrows(() => aggregateGroupDirectives([], mode), DirectiveError, "without operations");
  }
});
