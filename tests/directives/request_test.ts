import { assertEquals } from "../_assert.ts";
import {
  aggregateGroupDirectives,
  coresRequested,
  DEFAULT_DIRECTIVES,
  gpusRequested,
  validateDirectives,
} from "../../src/directives/mod.ts";

Deno.test("cores requested: np × processor_fraction, rounded up, at least 1 (table)", () => {
  const cases: [number, number, number][] = [
    // [np, processor_fraction, cores]
    [1, 1, 1],
    [4, 1, 4],
    [3, 0.5, 2],
    [5, 0.5, 3], // signac-flow's round() would give 2
    [1, 0.1, 1],
    [1, 0.5, 1],
    [100, 0.07, 7], // 100 * 0.07 is 7.000000000000001 in floating point
    [25, 0.28, 7], // 7.000000000000001 too
    [10, 0.33, 4],
    [4, 0.25, 1],
    [7, 0.999, 7],
  ];
  for (const [np, processor_fraction, cores] of cases) {
    const d = { ...DEFAULT_DIRECTIVES, np, processor_fraction };
    assertEquals(coresRequested(d), cores, `np=${np} fraction=${processor_fraction}`);
  }
});

Deno.test("GPUs requested: ngpu × processor_fraction, rounded up; 0 only for 0 (table)", () => {
  const cases: [number, number, number][] = [
    [0, 1, 0],
    [0, 0.5, 0],
    [1, 0.5, 1],
    [1, 0.01, 1],
    [2, 1, 2],
    [3, 0.5, 2],
    [4, 0.25, 1],
  ];
  for (const [ngpu, processor_fraction, gpus] of cases) {
    const d = { ...DEFAULT_DIRECTIVES, ngpu, processor_fraction };
    assertEquals(gpusRequested(d), gpus, `ngpu=${ngpu} fraction=${processor_fraction}`);
  }
});

Deno.test("a parallel bundle of quarter-core operations requests one core, not four", () => {
  const quarter = validateDirectives({ processor_fraction: 0.25 }, "op");
  const bundle = aggregateGroupDirectives([quarter, quarter, quarter, quarter], "parallel");
  assertEquals(bundle.np, 4);
  assertEquals(coresRequested(bundle), 1);
  assertEquals(coresRequested(aggregateGroupDirectives([quarter, quarter], "serial")), 1);
});

Deno.test("a group asks for every operation's own cores and GPUs, whatever the first fraction", () => {
  const cases: [Record<string, unknown>[], "serial" | "parallel", number, number][] = [
    // [operations, mode, cores, GPUs]
    [[{ np: 4, processor_fraction: 0.5 }, { np: 8 }], "serial", 8, 0], // was 4
    [[{ np: 8 }, { np: 4, processor_fraction: 0.5 }], "serial", 8, 0],
    [[{ ngpu: 2, processor_fraction: 0.5 }, { ngpu: 4 }], "serial", 1, 4], // was 2
    [[{ np: 4, processor_fraction: 0.25 }, { np: 4 }], "parallel", 8, 0], // was 2; 5 exactly
    [[{ np: 2, processor_fraction: 0.5 }, { np: 2, processor_fraction: 0.5 }], "parallel", 2, 0],
  ];
  for (const [raws, mode, cores, gpus] of cases) {
    const g = aggregateGroupDirectives(raws.map((r) => validateDirectives(r, "op")), mode);
    assertEquals([coresRequested(g), gpusRequested(g)], [cores, gpus], JSON.stringify(raws));
  }
});
