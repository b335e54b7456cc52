import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { UsageError } from "../../src/errors.ts";
import {
  checkDirectiveNames,
  DEFAULT_DIRECTIVES,
  DIRECTIVE_NAMES,
  DirectiveError,
  DIRECTIVES,
  type ResolvedDirectives,
  validateDirectives,
} from "../../src/directives/mod.ts";

const CTX = "operation 'op1' in group 'ex'";

Deno.test("the table lists every directive once, in canonical order, with its rules", () => {
  assertEquals(DIRECTIVE_NAMES, [
    "np",
    "ngpu",
    "nranks",
    "omp_num_threads",
    "processor_fraction",
    "walltime",
    "memory",
    "fork",
    "executable",
  ]);
  const rules = Object.fromEntries(
    DIRECTIVE_NAMES.map((n) => [n, `${DIRECTIVES[n].serial}/${DIRECTIVES[n].parallel}`]),
  );
  assertEquals(rules, {
    np: "max/sum",
    ngpu: "max/sum",
    nranks: "max/sum",
    omp_num_threads: "max/max", // threads are per rank
    processor_fraction: "max/max", // covers every operation's share
    walltime: "sum/max",
    memory: "max/sum",
    fork: "any/any",
    executable: "first/first",
  });
  for (const name of DIRECTIVE_NAMES) assertEquals(DIRECTIVES[name].name, name);
});

Deno.test("no directives given: every default", () => {
  const expected: ResolvedDirectives = {
    np: 1,
    ngpu: 0,
    nranks: 0,
    omp_num_threads: 0,
    processor_fraction: 1,
    walltime: undefined,
    memory: undefined,
    fork: false,
    executable: undefined,
  };
  assertEquals(validateDirectives({}, CTX), expected);
  assertEquals(DEFAULT_DIRECTIVES, expected);
  assert(Object.isFrozen(validateDirectives({}, CTX)));
});

// [given, the fields expected to differ from the defaults]
const VALID: [Record<string, unknown>, Partial<ResolvedDirectives>][] = [
  [{ np: 4 }, { np: 4 }],
  [{ np: 4n }, { np: 4 }],
  [{ np: 1 }, {}],
  [{ ngpu: 2 }, { ngpu: 2 }],
  [{ ngpu: -0 }, {}],
  [{ nranks: 4 }, { np: 4, nranks: 4 }],
  [{ omp_num_threads: 4 }, { np: 4, omp_num_threads: 4 }],
  [{ nranks: 2, omp_num_threads: 3 }, { np: 6, nranks: 2, omp_num_threads: 3 }],
  // our np rule: raised to the launch's cores, never lowered
  [{ np: 2, nranks: 4 }, { np: 4, nranks: 4 }],
  [{ np: 8, nranks: 2 }, { np: 8, nranks: 2 }],
  [{ np: 6, nranks: 2, omp_num_threads: 3 }, { np: 6, nranks: 2, omp_num_threads: 3 }],
  [{ processor_fraction: 0.5 }, { processor_fraction: 0.5 }],
  [{ processor_fraction: 1 }, {}],
  [{ memory: 4 }, { memory: 4 }],
  [{ memory: 0.25 }, { memory: 0.25 }],
  [{ memory: "512M" }, { memory: 0.5 }],
  [{ memory: "4G" }, { memory: 4 }],
  [{ memory: "1.5g" }, { memory: 1.5 }],
  [{ memory: "2048m" }, { memory: 2 }],
  [{ memory: "1T" }, { memory: 1024 }],
  [{ memory: "1024k" }, { memory: 1 / 1024 }],
  [{ memory: ".5G" }, { memory: 0.5 }],
  [{ memory: "1024T" }, { memory: 1024 * 1024 }], // the most
  [{ walltime: 8760 }, { walltime: 365 * 86400 }], // the longest
  [{ walltime: "365-00:00:00" }, { walltime: 365 * 86400 }],
  [{ walltime: 1.5 }, { walltime: 5400 }],
  [{ walltime: 1.1 }, { walltime: 3960 }],
  [{ walltime: 1 / 3600 }, { walltime: 1 }],
  [{ walltime: 0.0001 }, { walltime: 1 }],
  [{ walltime: "01:30:00" }, { walltime: 5400 }],
  [{ walltime: "48:00:00" }, { walltime: 172800 }],
  [{ walltime: "1-02:03:04" }, { walltime: 93784 }],
  [{ walltime: "0-00:00:01" }, { walltime: 1 }],
  [{ fork: true }, { fork: true }],
  [{ fork: false }, {}],
  [{ executable: "/usr/bin/python3" }, { executable: "/usr/bin/python3" }],
  // null and undefined both mean "not given"
  [{ np: null, memory: null, walltime: null, executable: null, fork: null }, {}],
  [{ np: undefined, memory: undefined }, {}],
];

Deno.test("valid values are normalised (table)", () => {
  for (const [given, diff] of VALID) {
    const label = JSON.stringify(given, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
    assertEquals(validateDirectives(given, CTX), { ...DEFAULT_DIRECTIVES, ...diff }, label);
  }
  assert(Object.is(validateDirectives({ ngpu: -0 }, CTX).ngpu, 0), "-0 becomes 0");
});

// [given, the exact message after the context]
const INVALID: [Record<string, unknown>, string][] = [
  [{ np: 2.7 }, "directive 'np' must be an integer ≥ 1, got 2.7"],
  [{ np: 0 }, "directive 'np' must be an integer ≥ 1, got 0"],
  [{ np: -3 }, "directive 'np' must be an integer ≥ 1, got -3"],
  [{ np: "4" }, "directive 'np' must be an integer ≥ 1, got the string \"4\""],
  [{ np: true }, "directive 'np' must be an integer ≥ 1, got the boolean true"],
  [{ np: NaN }, "directive 'np' must be an integer ≥ 1, got NaN"],
  [{ np: Infinity }, "directive 'np' must be an integer ≥ 1, got Infinity"],
  [{ np: 2 ** 53 }, "directive 'np' must be an integer ≥ 1, got 9007199254740992"],
  [{ np: 2n ** 60n }, "directive 'np' must be an integer ≥ 1, got 1152921504606846976"],
  [{ np: () => 4 }, "directive 'np' must be an integer ≥ 1, got a function"],
  [
    { np: Promise.resolve(4) },
    "directive 'np' must be an integer ≥ 1, got a Promise (directive functions must not be async)",
  ],
  [{ np: new Date(0) }, "directive 'np' must be an integer ≥ 1, got an object of class Date"],
  [{ np: {} }, "directive 'np' must be an integer ≥ 1, got an object"],
  [{ ngpu: -1 }, "directive 'ngpu' must be an integer ≥ 0, got -1"],
  [{ ngpu: 0.5 }, "directive 'ngpu' must be an integer ≥ 0, got 0.5"],
  [{ nranks: 1.5 }, "directive 'nranks' must be an integer ≥ 0, got 1.5"],
  [{ omp_num_threads: [4] }, "directive 'omp_num_threads' must be an integer ≥ 0, got an array"],
  [{ processor_fraction: 0 }, "directive 'processor_fraction' must be a number in (0, 1], got 0"],
  [
    { processor_fraction: 1.5 },
    "directive 'processor_fraction' must be a number in (0, 1], got 1.5",
  ],
  [
    { processor_fraction: "0.5" },
    "directive 'processor_fraction' must be a number in (0, 1], got the string \"0.5\"",
  ],
  [
    { processor_fraction: NaN },
    "directive 'processor_fraction' must be a number in (0, 1], got NaN",
  ],
  [{ fork: "yes" }, "directive 'fork' must be a boolean, got the string \"yes\""],
  [{ fork: 1 }, "directive 'fork' must be a boolean, got 1"],
  [{ executable: "" }, "directive 'executable' must be a non-empty string, got the string \"\""],
  [{ executable: 3 }, "directive 'executable' must be a non-empty string, got 3"],
];

const MEMORY_EXPECTED = 'a number of GB > 0 or a size such as "512M", "4G" or "1T", at most 1024T';
for (const bad of [0, -1, NaN, Infinity, 1e300, 1048577]) {
  INVALID.push([{ memory: bad }, `directive 'memory' must be ${MEMORY_EXPECTED}, got ${bad}`]);
}
for (const bad of ["4GB", "4", "0G", "4 G", "G", "1e3G", "-1G", "4P", "", "1025T"]) {
  INVALID.push([
    { memory: bad },
    `directive 'memory' must be ${MEMORY_EXPECTED}, got the string ${JSON.stringify(bad)}`,
  ]);
}
INVALID.push([
  { memory: true },
  `directive 'memory' must be ${MEMORY_EXPECTED}, got the boolean true`,
]);

const WALLTIME_EXPECTED =
  'a number of hours > 0 or a duration "HH:MM:SS" or "D-HH:MM:SS", at most 365 days';
for (const bad of [0, -1, NaN, Infinity, 1e20, 8760.001]) {
  INVALID.push([
    { walltime: bad },
    `directive 'walltime' must be ${WALLTIME_EXPECTED}, got ${bad}`,
  ]);
}
for (
  const bad of [
    "00:00:00",
    "0-00:00:00",
    "90:00",
    "1:60:00",
    "1:00:60",
    "1:0:00",
    "1-24:00:00",
    "1.5",
    "01:30:00 ",
    "1-",
    "-01:00:00",
    "99999999:00:00",
    "365-00:00:01",
  ]
) {
  INVALID.push([
    { walltime: bad },
    `directive 'walltime' must be ${WALLTIME_EXPECTED}, got the string ${JSON.stringify(bad)}`,
  ]);
}

Deno.test("invalid values are DirectiveErrors with exact messages (table)", () => {
  for (const [given, message] of INVALID) {
    const err = assertThrows(() => validateDirectives(given, CTX), DirectiveError);
    assertEquals(err.message, `${CTX}: ${message}`);
  }
});

// [unknown name, expected suggestion or undefined]
const UNKNOWN: [string, string | undefined][] = [
  ["ngpus", "ngpu"],
  ["gpus", "ngpu"],
  ["gpu", "ngpu"],
  ["NP", "np"],
  ["nps", "np"],
  ["walltim", "walltime"],
  ["wall_time", "walltime"],
  ["time", "walltime"],
  ["mem", "memory"],
  ["memory_gb", "memory"],
  ["omp_threads", "omp_num_threads"],
  ["OMP_NUM_THREADS", "omp_num_threads"],
  ["ranks", "nranks"],
  ["forks", "fork"],
  ["executables", "executable"],
  ["processor_fractions", "processor_fraction"],
  ["queue", undefined],
  ["color", undefined],
  ["nodes", undefined],
  ["processors", undefined],
  ["x", undefined],
];

Deno.test("unknown names: exact message, suggestion only when close (table)", () => {
  for (const [name, suggestion] of UNKNOWN) {
    const hint = suggestion === undefined ? "" : ` (did you mean '${suggestion}'?)`;
    const expected = `${CTX}: unknown directive '${name}'${hint}`;
    const e1 = assertThrows(() => validateDirectives({ np: 2, [name]: 1 }, CTX), DirectiveError);
    assertEquals(e1.message, expected, name);
    const e2 = assertThrows(() => checkDirectiveNames({ [name]: 1 }, CTX), DirectiveError);
    assertEquals(e2.message, expected, name);
  }
});

Deno.test("the brief's example message, and no prefix without context", () => {
  const err = assertThrows(() => validateDirectives({ ngpus: 2 }, ""), DirectiveError);
  assertEquals(err.message, "unknown directive 'ngpus' (did you mean 'ngpu'?)");
  const err2 = assertThrows(() => validateDirectives({ np: 2.7 }, ""), DirectiveError);
  assertEquals(err2.message, "directive 'np' must be an integer ≥ 1, got 2.7");
});

Deno.test("DirectiveError is a UsageError with exit code 2", () => {
  const err = assertThrows(() => validateDirectives({ np: 0 }, CTX), UsageError);
  assert(err instanceof DirectiveError);
  assertEquals((err as DirectiveError).exitCode, 2);
  assertEquals(err.name, "DirectiveError");
});

Deno.test("unknown names are reported before invalid values", () => {
  const err = assertThrows(() => validateDirectives({ np: 0, ngpus: 1 }, CTX), DirectiveError);
  assertEquals(err.message, `${CTX}: unknown directive 'ngpus' (did you mean 'ngpu'?)`);
});

Deno.test("directives that are not an object are refused", () => {
  const cases: [unknown, string][] = [
    [null, "null"],
    [[], "an array"],
    ["np=4", 'the string "np=4"'],
  ];
  for (const [given, described] of cases) {
    const err = assertThrows(
      () => validateDirectives(given as Record<string, unknown>, CTX),
      DirectiveError,
    );
    assertEquals(err.message, `${CTX}: directives must be an object, got ${described}`);
  }
});

Deno.test("checkDirectiveNames looks at names only and calls nothing", () => {
  let calls = 0;
  checkDirectiveNames({ np: () => calls++, walltime: "not a time", memory: -1 }, CTX);
  assertEquals(calls, 0);
});
