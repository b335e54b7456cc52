import { assertEquals, assertThrows } from "../_assert.ts";
import {
  DEFAULT_DIRECTIVES,
  formatDirectives,
  formatMemory,
  formatWalltime,
  parseMemory,
  parseWalltime,
  type ResolvedDirectives,
  validateDirectives,
} from "../../src/directives/mod.ts";

Deno.test("formatWalltime in both styles (table)", () => {
  const cases: [number, string, string][] = [
    // [seconds, hours style, days style]
    [0, "00:00:00", "00:00:00"],
    [1, "00:00:01", "00:00:01"],
    [59, "00:00:59", "00:00:59"],
    [60, "00:01:00", "00:01:00"],
    [3600, "01:00:00", "01:00:00"],
    [5400, "01:30:00", "01:30:00"],
    [86399, "23:59:59", "23:59:59"],
    [86400, "24:00:00", "1-00:00:00"],
    [93784, "26:03:04", "1-02:03:04"],
    [360000, "100:00:00", "4-04:00:00"],
    [1.2, "00:00:02", "00:00:02"], // fractions round up
    [3600.0000000001, "01:00:00", "01:00:00"], // float noise forgiven
  ];
  for (const [seconds, hours, days] of cases) {
    assertEquals(formatWalltime(seconds), hours, `${seconds}`);
    assertEquals(formatWalltime(seconds, "hours"), hours, `${seconds}`);
    assertEquals(formatWalltime(seconds, "days"), days, `${seconds}`);
  }
});

Deno.test("formatWalltime refuses negative and non-finite durations", () => {
  for (const bad of [-1, NaN, Infinity]) {
    assertThrows(() => formatWalltime(bad), RangeError, "walltime");
  }
});

Deno.test("walltime law: formatted walltimes read back to the same seconds", () => {
  for (const seconds of [1, 59, 61, 3599, 5400, 86399, 86400, 93784, 360000, 31536000]) {
    for (const style of ["hours", "days"] as const) {
      assertEquals(parseWalltime(formatWalltime(seconds, style)), seconds, `${seconds} ${style}`);
    }
  }
});

Deno.test("formatMemory picks the largest whole unit (table)", () => {
  const cases: [number, string][] = [
    [4, "4G"],
    [1, "1G"],
    [0.5, "512M"],
    [1.5, "1536M"],
    [1024, "1T"],
    [2048, "2T"],
    [1536, "1536G"],
    [1 / 1024, "1M"],
    [1 / 1048576, "1K"],
    [0.3, "0.3G"],
    [1e-9, "1K"], // below a kilobyte: rounded up
  ];
  for (const [gb, text] of cases) assertEquals(formatMemory(gb), text, `${gb}`);
});

Deno.test("formatMemory refuses sizes that are not > 0", () => {
  for (const bad of [0, -1, NaN, Infinity]) {
    assertThrows(() => formatMemory(bad), RangeError, "memory");
  }
});

Deno.test("memory law: formatted sizes read back to the same GB", () => {
  for (const gb of [4, 0.5, 1.5, 1024, 2048, 1536, 1 / 1024, 0.3, 0.125, 3.75, 1000]) {
    assertEquals(parseMemory(formatMemory(gb)), gb, `${gb}`);
  }
});

Deno.test("formatDirectives: np always, the rest when not default (table)", () => {
  const d = (diff: Partial<ResolvedDirectives>): ResolvedDirectives => ({
    ...DEFAULT_DIRECTIVES,
    ...diff,
  });
  const cases: [ResolvedDirectives, string][] = [
    [DEFAULT_DIRECTIVES, "np=1"],
    [d({ np: 4, ngpu: 2, walltime: 5400, memory: 4 }), "np=4 ngpu=2 walltime=01:30:00 memory=4G"],
    [
      validateDirectives({ walltime: "01:30:00", memory: "4G", ngpu: 2, np: 4 }, "c"),
      "np=4 ngpu=2 walltime=01:30:00 memory=4G",
    ],
    [
      d({
        np: 8,
        ngpu: 1,
        nranks: 2,
        omp_num_threads: 4,
        processor_fraction: 0.5,
        walltime: 93784,
        memory: 0.5,
        fork: true,
        executable: "/opt/py/bin/python3",
      }),
      "np=8 ngpu=1 nranks=2 omp_num_threads=4 processor_fraction=0.5 walltime=26:03:04 " +
      "memory=512M fork=true executable=/opt/py/bin/python3",
    ],
    [d({ executable: "python -u" }), 'np=1 executable="python -u"'],
    [d({ executable: 'say "hi"' }), 'np=1 executable="say \\"hi\\""'],
  ];
  for (const [directives, text] of cases) assertEquals(formatDirectives(directives), text);
});
