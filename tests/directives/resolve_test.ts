import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  DEFAULT_DIRECTIVES,
  DirectiveError,
  type DirectiveSpec,
  evaluateDirectives,
  resolveDirectives,
} from "../../src/directives/mod.ts";

interface Job {
  id: string;
  sp: { n: number; hours?: number };
}

const JOB: Job = { id: "42b7b4f2", sp: { n: 3, hours: 2 } };
const CTX = "operation 'simulate'";

Deno.test("functions of the job are called with the job; values are kept (table)", () => {
  const cases: [DirectiveSpec<Job>, Record<string, unknown>][] = [
    [{}, {}],
    [{ np: 4 }, { np: 4 }],
    [{ np: (job) => job.sp.n }, { np: 3 }],
    [{ walltime: (job) => job.sp.hours, fork: true }, { walltime: 2, fork: true }],
    [{ memory: (job) => `${job.sp.n}G` }, { memory: "3G" }],
    [{ executable: (job) => `/envs/${job.id}/python` }, { executable: "/envs/42b7b4f2/python" }],
    [{ ngpu: () => undefined }, { ngpu: undefined }],
    [{ ngpu: () => null }, { ngpu: null }],
    // evaluation does not validate: a bad value passes through unchanged
    [{ np: () => 2.7 }, { np: 2.7 }],
  ];
  for (const [spec, expected] of cases) {
    assertEquals(evaluateDirectives(spec, JOB, CTX), expected);
  }
});

Deno.test("resolution = evaluation + validation (table)", () => {
  const cases: [DirectiveSpec<Job>, Partial<typeof DEFAULT_DIRECTIVES>][] = [
    [{}, {}],
    [{ np: (job) => job.sp.n * 2 }, { np: 6 }],
    [{ walltime: (job) => job.sp.hours }, { walltime: 7200 }],
    [{ nranks: (job) => job.sp.n, omp_num_threads: 2 }, { np: 6, nranks: 3, omp_num_threads: 2 }],
    [{ memory: (job) => (job.sp.n > 2 ? "8G" : "512M") }, { memory: 8 }],
    [{ ngpu: () => undefined, memory: () => null }, {}],
  ];
  for (const [spec, diff] of cases) {
    assertEquals(resolveDirectives(spec, JOB, CTX), { ...DEFAULT_DIRECTIVES, ...diff });
  }
});

Deno.test("each function is called exactly once, with the job", () => {
  const seen: Job[] = [];
  const spec: DirectiveSpec<Job> = {
    np: (job) => {
      seen.push(job);
      return 2;
    },
  };
  resolveDirectives(spec, JOB, CTX);
  assertEquals(seen.length, 1);
  assert(seen[0] === JOB);
});

Deno.test("a function's bad result is reported like a bad value, with context", () => {
  const err = assertThrows(
    () => resolveDirectives<Job>({ np: (job) => job.sp.n - 0.3 }, JOB, CTX),
    DirectiveError,
  );
  assertEquals(err.message, `${CTX}: directive 'np' must be an integer ≥ 1, got 2.7`);
});

Deno.test("a throwing function becomes a DirectiveError keeping the cause", () => {
  const boom = new TypeError("job.doc.size is undefined");
  const err = assertThrows(
    () =>
      resolveDirectives<Job>(
        {
          memory: () => {
            throw boom;
          },
        },
        JOB,
        CTX,
      ),
    DirectiveError,
  );
  assertEquals(
    err.message,
    `${CTX}: directive 'memory' could not be computed: job.doc.size is undefined`,
  );
  assert(err.cause === boom);
});

Deno.test("unknown names are refused before any function runs", () => {
  let calls = 0;
  const spec = { np: () => ++calls, ngpus: 1 } as DirectiveSpec<Job>;
  const err = assertThrows(() => resolveDirectives(spec, JOB, CTX), DirectiveError);
  assertEquals(err.message, `${CTX}: unknown directive 'ngpus' (did you mean 'ngpu'?)`);
  assertEquals(calls, 0);
});

Deno.test("resolution does not change the spec", () => {
  const spec: DirectiveSpec<Job> = { np: (job) => job.sp.n, memory: "4G" };
  const before = { ...spec };
  resolveDirectives(spec, JOB, CTX);
  assertEquals(spec, before);
});
