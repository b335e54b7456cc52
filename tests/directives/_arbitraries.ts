/**
 * fast-check arbitraries for directives: valid directive values as users
 * write them, and garbage.
 *
 * @module
 */

import { type Arbitrary, fc } from "../_fast_check.ts";
import {
  DIRECTIVE_NAMES,
  type ResolvedDirectives,
  validateDirectives,
} from "../../src/directives/mod.ts";

const two = (n: number) => String(n).padStart(2, "0");

/** Valid wall times: hours as numbers, `HH:MM:SS` and `D-HH:MM:SS`. */
export const validWalltime: Arbitrary<number | string> = fc.oneof(
  fc.double({ min: 1e-4, max: 1000, noNaN: true }),
  fc.integer({ min: 1, max: 200 }),
  fc.tuple(
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({
      min: 1,
      max: 59,
    }),
  ).map(([h, m, s]) => `${two(h)}:${two(m)}:${two(s)}`),
  fc.tuple(
    fc.integer({ min: 0, max: 30 }),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({
      min: 0,
      max: 59,
    }),
    fc.integer({ min: 1, max: 59 }),
  ).map(([d, h, m, s]) => `${d}-${two(h)}:${two(m)}:${two(s)}`),
);

/** Valid memory sizes: GB as numbers, or a number with a unit letter. */
export const validMemory: Arbitrary<number | string> = fc.oneof(
  fc.double({ min: 1e-3, max: 4096, noNaN: true }),
  fc.tuple(
    fc.integer({ min: 1, max: 1024 }), // 1024T is the most a directive may ask
    fc.constantFrom("K", "M", "G", "T", "k", "m", "g", "t"),
  )
    .map(([n, u]) => `${n}${u}`),
  fc.tuple(
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 1, max: 99 }),
    fc.constantFrom("G", "m"),
  )
    .map(([a, b, u]) => `${a}.${b}${u}`),
);

/** Directive values as a user writes them, each one given, null ("default"), or absent. */
export const validRaw: Arbitrary<Record<string, unknown>> = fc.record(
  {
    np: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(null)),
    ngpu: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(null)),
    nranks: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(null)),
    omp_num_threads: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(null)),
    processor_fraction: fc.oneof(
      fc.double({ min: 1e-3, max: 1, noNaN: true }),
      fc.constantFrom(0.25, 0.5, 1),
      fc.constant(null),
    ),
    walltime: fc.oneof(validWalltime, fc.constant(null)),
    memory: fc.oneof(validMemory, fc.constant(null)),
    fork: fc.oneof(fc.boolean(), fc.constant(null)),
    executable: fc.oneof(fc.constantFrom("python3", "/usr/bin/env python", "x"), fc.constant(null)),
  },
  { requiredKeys: [] },
);

/** Resolved directive sets, from {@link validRaw}. */
export const resolved: Arbitrary<ResolvedDirectives> = validRaw.map((raw) =>
  validateDirectives(raw, "operation 'op'")
);

/** Anything at all as a directive value, including what JSON cannot hold. */
export const anyValue: Arbitrary<unknown> = fc.oneof(
  fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, maxDepth: 2 }),
  fc.double(),
  fc.string(),
  validWalltime,
  validMemory,
  fc.constantFrom<unknown>(
    -0,
    2 ** 53,
    2n ** 53n,
    2n ** 70n,
    -1n,
    "1:2:3",
    "01:00:00",
    "1-24:00:00",
    "00:00:00",
    "90:00",
    "1:60:00",
    "4GB",
    "0M",
    "1e3M",
    "",
    " ",
    "\n",
    () => 1,
    Symbol("x"),
    Promise.resolve(1),
    new Date(0),
  ),
);

/** Directive names, typos of them, and other keys. */
export const anyName: Arbitrary<string> = fc.oneof(
  fc.constantFrom(...DIRECTIVE_NAMES),
  fc.constantFrom("ngpus", "walltim", "mem", "cpus", "__proto__", "constructor", "", "NP"),
  fc.string({ maxLength: 8 }),
);
