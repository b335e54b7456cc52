/**
 * Property-based tests of the merger and of group aggregation (merge.ts,
 * resolve.ts, request.ts): a group's override merges over an operation's
 * directives key by key, and a group requests what docs/DIRECTIVES.md says
 * (serially the max of np, ngpu and memory and the sum of walltime; in
 * parallel the sums and the max walltime). Seeds are fixed.
 *
 * @module
 */

import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { type Arbitrary, fc, SEED } from "../_fast_check.ts";
import {
  aggregateGroupDirectives,
  coresRequested,
  DEFAULT_DIRECTIVES,
  DIRECTIVE_NAMES,
  DirectiveError,
  type DirectiveSpec,
  evaluateDirectives,
  gpusRequested,
  mergeOperationDirectives,
  type ResolvedDirectives,
  resolveDirectives,
} from "../../src/directives/mod.ts";
import { resolved, validRaw } from "./_arbitraries.ts";

const RUNS = { seed: SEED, numRuns: 5000 };

/** A directive spec as written: some keys given, some null, some explicitly undefined. */
const spec: Arbitrary<DirectiveSpec<null>> = fc.tuple(
  validRaw,
  fc.subarray([...DIRECTIVE_NAMES]),
).map(([raw, undef]) => {
  const out: Record<string, unknown> = { ...raw };
  for (const k of undef) if (!(k in out)) out[k] = undefined;
  return out as DirectiveSpec<null>;
});

Deno.test("property: merging with an empty override gives an equal copy", () => {
  fc.assert(
    fc.property(spec, (own) => {
      const merged = mergeOperationDirectives(own, {});
      assertEquals(merged, own);
      assert(merged !== own);
    }),
    RUNS,
  );
});

Deno.test("property: merging is key by key: the override's given keys win, the others stay", () => {
  fc.assert(
    fc.property(spec, spec, (own, over) => {
      const ownCopy = { ...own };
      const overCopy = { ...over };
      const merged = mergeOperationDirectives(own, over) as Record<string, unknown>;
      for (const k of DIRECTIVE_NAMES) {
        const o = (over as Record<string, unknown>)[k];
        const expected = o !== undefined ? o : (own as Record<string, unknown>)[k];
        assertEquals(merged[k], expected, k);
        assertEquals(k in merged, k in own || o !== undefined, k);
      }
      // Neither argument is changed.
      assertEquals(own, ownCopy);
      assertEquals(over, overCopy);
    }),
    RUNS,
  );
});

Deno.test("property: merging is associative", () => {
  fc.assert(
    fc.property(spec, spec, spec, (a, b, c) => {
      assertEquals(
        mergeOperationDirectives(mergeOperationDirectives(a, b), c),
        mergeOperationDirectives(a, mergeOperationDirectives(b, c)),
      );
    }),
    RUNS,
  );
});

Deno.test("property: null in an override resets the key to its default; np follows the merged ranks", () => {
  fc.assert(
    fc.property(spec, spec, fc.constantFrom(...DIRECTIVE_NAMES), (own, over, reset) => {
      const merged = mergeOperationDirectives(own, { ...over, [reset]: null });
      const d = resolveDirectives(merged, null, "operation 'op' in group 'g'");
      if (reset !== "np") assertEquals(d[reset], DEFAULT_DIRECTIVES[reset]);
      const m = merged as Record<string, number | null | undefined>;
      const cores = Math.max(1, m.nranks ?? 0) * Math.max(1, m.omp_num_threads ?? 0);
      assertEquals(d.np, Math.max(m.np ?? 1, cores));
    }),
    RUNS,
  );
});

const list = fc.array(resolved, { minLength: 1, maxLength: 6 });

function set(values: (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}
const max = (values: (number | undefined)[]) =>
  set(values).length === 0 ? undefined : Math.max(...set(values));
const sum = (values: (number | undefined)[]) =>
  set(values).length === 0 ? undefined : set(values).reduce((a, b) => a + b, 0);

Deno.test("property: a serial group asks for the max of np, ngpu, memory and the sum of walltime", () => {
  fc.assert(
    fc.property(list, (ds) => {
      const g = aggregateGroupDirectives(ds, "serial");
      const of = <K extends keyof ResolvedDirectives>(k: K) => ds.map((d) => d[k]);
      assertEquals(g.np, max(of("np")));
      assertEquals(g.ngpu, max(of("ngpu")));
      assertEquals(g.nranks, max(of("nranks")));
      assertEquals(g.omp_num_threads, max(of("omp_num_threads")));
      assertEquals(g.memory, max(of("memory")));
      assertEquals(g.walltime, sum(of("walltime")));
      assertEquals(g.fork, ds.some((d) => d.fork));
      assertEquals(g.processor_fraction, max(of("processor_fraction")));
      assertEquals(g.executable, ds[0].executable);
    }),
    RUNS,
  );
});

Deno.test("property: a parallel group asks for the sums of np, ngpu, memory and the max walltime", () => {
  fc.assert(
    fc.property(list, (ds) => {
      const g = aggregateGroupDirectives(ds, "parallel");
      const of = <K extends keyof ResolvedDirectives>(k: K) => ds.map((d) => d[k]);
      assertEquals(g.np, sum(of("np")));
      assertEquals(g.ngpu, sum(of("ngpu")));
      assertEquals(g.nranks, sum(of("nranks")));
      // Threads are per rank: the widest, not the sum.
      assertEquals(g.omp_num_threads, max(of("omp_num_threads")));
      assertEquals(g.memory, sum(of("memory")));
      assertEquals(g.walltime, max(of("walltime")));
      assertEquals(g.fork, ds.some((d) => d.fork));
      assertEquals(g.processor_fraction, max(of("processor_fraction")));
      // A parallel group never asks for fewer processors or GPUs than a serial one.
      const s = aggregateGroupDirectives(ds, "serial");
      assert(g.np >= s.np && g.ngpu >= s.ngpu);
    }),
    RUNS,
  );
});

Deno.test("property: a group of one asks for what its operation asks; no operations is an error", () => {
  fc.assert(
    fc.property(resolved, fc.constantFrom("serial" as const, "parallel" as const), (d, mode) => {
      assertEquals(aggregateGroupDirectives([d], mode), d);
      assertThrows(() => aggregateGroupDirectives([], mode), DirectiveError);
    }),
    RUNS,
  );
});

Deno.test("property: the order of a group's operations changes only executable ('first')", () => {
  fc.assert(
    fc.property(list, fc.constantFrom("serial" as const, "parallel" as const), (ds, mode) => {
      const a = aggregateGroupDirectives(ds, mode);
      const b = aggregateGroupDirectives([...ds].reverse(), mode);
      // A sum of memory sizes (floats) may differ in the last bit with the order.
      if (a.memory !== undefined) assert(Math.abs(a.memory - b.memory!) <= 1e-12 * a.memory);
      const rest = (d: ResolvedDirectives) => ({ ...d, memory: 0, executable: "" });
      assertEquals(rest(a), rest(b));
    }),
    RUNS,
  );
});

Deno.test("property: a group's cores and GPUs cover each operation's own (serial) or their sum (parallel)", () => {
  fc.assert(
    fc.property(list, fc.constantFrom("serial" as const, "parallel" as const), (ds, mode) => {
      const g = aggregateGroupDirectives(ds, mode);
      const combine = (xs: number[]) =>
        mode === "serial" ? Math.max(...xs) : xs.reduce((a, b) => a + b, 0);
      const cores = combine(ds.map((d) => d.np * d.processor_fraction));
      const gpus = combine(ds.map((d) => d.ngpu * d.processor_fraction));
      assert(coresRequested(g) >= cores * (1 - 1e-9), `${coresRequested(g)} < ${cores}`);
      assert(gpusRequested(g) >= gpus * (1 - 1e-9), `${gpusRequested(g)} < ${gpus}`);
      if (mode === "serial") {
        for (const d of ds) {
          assert(coresRequested(g) >= coresRequested(d) && gpusRequested(g) >= gpusRequested(d));
        }
      }
    }),
    RUNS,
  );
});

Deno.test("property: requested cores and GPUs cover np and ngpu × processor_fraction, within np and ngpu", () => {
  fc.assert(
    fc.property(list, fc.constantFrom("serial" as const, "parallel" as const), (ds, mode) => {
      for (const d of [...ds, aggregateGroupDirectives(ds, mode)]) {
        const cores = coresRequested(d);
        const gpus = gpusRequested(d);
        assert(Number.isSafeInteger(cores) && cores >= 1 && cores <= d.np, `${cores}`);
        assert(cores >= d.np * d.processor_fraction * (1 - 1e-9), `${cores}`);
        assert(Number.isSafeInteger(gpus) && gpus <= d.ngpu, `${gpus}`);
        assertEquals(gpus === 0, d.ngpu === 0);
        assert(gpus >= d.ngpu * d.processor_fraction * (1 - 1e-9), `${gpus}`);
        if (d.processor_fraction === 1) assertEquals([cores, gpus], [d.np, d.ngpu]);
      }
    }),
    RUNS,
  );
});

/** Anything a directive function may throw, including values that cannot be printed. */
const thrown = fc.oneof(
  fc.anything({ withNullPrototype: true, withBigInt: true, maxDepth: 1 }),
  fc.string().map((m) => new Error(m)),
  fc.constantFrom<unknown>(
    undefined,
    null,
    Symbol("s"),
    Object.create(null),
    { toString: () => ({}) },
    new RangeError("r"),
  ),
);

Deno.test("property: a directive function that throws anything gives a DirectiveError with the cause", () => {
  fc.assert(
    fc.property(thrown, fc.constantFrom(...DIRECTIVE_NAMES), (value, name) => {
      const fn = () => {
        throw value;
      };
      const spec = { [name]: fn } as DirectiveSpec<null>;
      for (
        const call of [
          () => evaluateDirectives(spec, null, "operation 'op'"),
          () => resolveDirectives(spec, null, "operation 'op'"),
        ]
      ) {
        const e = assertThrows(call, DirectiveError, `operation 'op': directive '${name}'`);
        assert(e.cause === value);
      }
    }),
    RUNS,
  );
});

// Regressions the properties above found.

Deno.test("regression: a directive function throwing an object that cannot be printed", () => {
  const value = Object.create(null);
  const e = assertThrows(
    () =>
      resolveDirectives(
        {
          np: () => {
            throw value;
          },
        },
        null,
        "operation 'op'",
      ),
    DirectiveError,
  );
  assertEquals(
    e.message,
    "operation 'op': directive 'np' could not be computed: a value that cannot be printed",
  );
  assert(e.cause === value);
});
