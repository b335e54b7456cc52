/**
 * Property-based tests of directive validation (validate.ts), units
 * (units.ts) and formatting (format.ts): any value is accepted into
 * canonical units or refused with a DirectiveError, never anything else;
 * wall times and memory sizes read back from their formatted text. Seeds are
 * fixed.
 *
 * @module
 */

import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { fc, SEED } from "../_fast_check.ts";
import {
  checkDirectiveNames,
  DIRECTIVE_NAMES,
  DirectiveError,
  formatDirectives,
  formatMemory,
  formatWalltime,
  isDirectiveName,
  parseMemory,
  parseWalltime,
  validateDirectives,
} from "../../src/directives/mod.ts";
import { objectFrom } from "../workspace/_arbitraries.ts";
import { anyName, anyValue, validMemory, validRaw, validWalltime } from "./_arbitraries.ts";

const CONTEXT = "operation 'op'";
const RUNS = { seed: SEED, numRuns: 5000 };

/** Builds a raw directive map from entries (own properties, `__proto__` included). */
function rawFrom(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return objectFrom(entries as [string, never][]) as Record<string, unknown>;
}

const anyRaw = fc.uniqueArray(fc.tuple(anyName, anyValue), { selector: (e) => e[0], maxLength: 5 })
  .map(rawFrom);

/** Values at the edges of what some directive accepts. */
const BOUNDARY: unknown[] = [
  -1,
  0,
  -0,
  1,
  0.5,
  1.0000001,
  2 ** 53,
  2 ** 53 - 1,
  -1n,
  0n,
  2n ** 53n,
  "",
  "0M",
  "0.0G",
  "00:00:00",
  "00:00:01",
  "0-00:00:00",
  "1-23:59:59",
  "1-24:00:00",
  true,
  "true",
  NaN,
  Infinity,
];

/** Valid directives with one value replaced by a value at an edge. */
const almostValid = fc.tuple(
  validRaw,
  fc.constantFrom(...DIRECTIVE_NAMES),
  fc.constantFrom(...BOUNDARY),
)
  .map(([raw, name, value]) => ({ ...raw, [name]: value }));

Deno.test("property: validateDirectives returns canonical directives or throws DirectiveError", () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(anyRaw, validRaw, almostValid), (raw) => {
      let d;
      try {
        d = validateDirectives(raw, CONTEXT);
      } catch (e) {
        assert(e instanceof DirectiveError, `not a DirectiveError: ${e}`);
        assert(e.message.startsWith(`${CONTEXT}: `), e.message);
        return;
      }
      accepted++;
      assert(Object.isFrozen(d));
      assert(Number.isSafeInteger(d.np) && d.np >= 1, `np ${d.np}`);
      for (const n of [d.ngpu, d.nranks, d.omp_num_threads]) {
        assert(Number.isSafeInteger(n) && n >= 0 && !Object.is(n, -0), `${n}`);
      }
      assert(d.np >= Math.max(1, d.nranks) * Math.max(1, d.omp_num_threads));
      assert(d.processor_fraction > 0 && d.processor_fraction <= 1);
      assert(d.walltime === undefined || (Number.isSafeInteger(d.walltime) && d.walltime >= 1));
      assert(d.memory === undefined || (Number.isFinite(d.memory) && d.memory > 0));
      assertEquals(typeof d.fork, "boolean");
      assert(
        d.executable === undefined || (typeof d.executable === "string" && d.executable !== ""),
      );
      // A validated set always formats, on one line.
      assert(!formatDirectives(d).includes("\n"));
    }),
    { seed: SEED, numRuns: 10000 },
  );
  assert(accepted > 1000, `only ${accepted} accepted`);
});

Deno.test("property: valid values give np = max(np, max(1, nranks) × max(1, omp_num_threads))", () => {
  fc.assert(
    fc.property(validRaw, (raw) => {
      const d = validateDirectives(raw, CONTEXT);
      const given = (k: string, dflt: number) => (raw[k] ?? dflt) as number;
      const cores = Math.max(1, given("nranks", 0)) * Math.max(1, given("omp_num_threads", 0));
      assertEquals(d.np, Math.max(given("np", 1), cores));
      assertEquals(d.ngpu, given("ngpu", 0));
      assertEquals(
        d.walltime,
        raw.walltime == null ? undefined : parseWalltime(raw.walltime as string),
      );
      assertEquals(d.memory, raw.memory == null ? undefined : parseMemory(raw.memory as string));
    }),
    RUNS,
  );
});

Deno.test("property: checkDirectiveNames throws DirectiveError exactly for a key that is not a directive", () => {
  fc.assert(
    fc.property(anyRaw, (raw) => {
      const bad = Object.keys(raw).find((k) => !isDirectiveName(k));
      try {
        checkDirectiveNames(raw, CONTEXT);
        assertEquals(bad, undefined);
      } catch (e) {
        assert(e instanceof DirectiveError, `${e}`);
        assert(bad !== undefined);
        assert(e.message.startsWith(`${CONTEXT}: unknown directive '${bad}'`), e.message);
      }
    }),
    RUNS,
  );
});

Deno.test("property: parseWalltime and parseMemory never throw; they give positive values or undefined", () => {
  const input = fc.oneof(fc.string(), fc.double(), validWalltime, validMemory);
  fc.assert(
    fc.property(input, (v) => {
      const w = parseWalltime(v);
      assert(w === undefined || (Number.isSafeInteger(w) && w >= 1), `${v} → ${w}`);
      const m = parseMemory(v);
      assert(m === undefined || (Number.isFinite(m) && m > 0), `${v} → ${m}`);
    }),
    { seed: SEED, numRuns: 10000 },
  );
});

Deno.test("property: HH:MM:SS and D-HH:MM:SS read as the seconds they name", () => {
  const two = (n: number) => String(n).padStart(2, "0");
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      (days, hours, minutes, seconds) => {
        const total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
        const valid = minutes <= 59 && seconds <= 59 && total > 0;
        const hms = `${two(days * 24 + hours)}:${two(minutes)}:${two(seconds)}`;
        assertEquals(parseWalltime(hms), valid ? total : undefined, hms);
        const dhms = `${days}-${two(hours)}:${two(minutes)}:${two(seconds)}`;
        assertEquals(parseWalltime(dhms), valid ? total : undefined, dhms);
        // Two fields are ambiguous (MM:SS or HH:MM) and refused.
        assertEquals(parseWalltime(`${two(minutes)}:${two(seconds)}`), undefined);
      },
    ),
    RUNS,
  );
});

Deno.test("property: formatted wall times read back to the same seconds, in both styles", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: 1, max: 2 ** 40 })),
      fc.constantFrom("hours" as const, "days" as const),
      (seconds, style) => {
        assertEquals(parseWalltime(formatWalltime(seconds, style)), seconds);
      },
    ),
    RUNS,
  );
  // Every wall time a user may write has one canonical text, which reads back to itself.
  fc.assert(
    fc.property(validWalltime, (w) => {
      const seconds = parseWalltime(w);
      assert(seconds !== undefined, `${w}`);
      const text = formatWalltime(seconds);
      assertEquals(formatWalltime(parseWalltime(text)!), text);
    }),
    RUNS,
  );
});

Deno.test("property: more hours never give fewer seconds, and at least hours × 3600", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
      fc.double({
        min: 1e-9,
        max: 1e9,
        noNaN: true,
      }),
      (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const [s, t] = [parseWalltime(lo)!, parseWalltime(hi)!];
        assert(s <= t, `${lo} h → ${s} s, ${hi} h → ${t} s`);
        // Rounded up to whole seconds, forgiving float noise of a relative 1e-9.
        assert(s >= lo * 3600 * (1 - 1e-9), `${lo} h → ${s} s`);
      },
    ),
    RUNS,
  );
});

Deno.test("property: a formatted memory size reads back, never below the size", () => {
  fc.assert(
    fc.property(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), (gb) => {
      const text = formatMemory(gb);
      const back = parseMemory(text);
      assert(back !== undefined, `${gb} → ${text}`);
      assert(back >= gb * (1 - 1e-9), `${gb} → ${text} → ${back}`);
      // Sizes from 1e-6 GB on read back to themselves (up to the unit's float noise).
      if (gb >= 1e-6) assert(Math.abs(back - gb) <= 1e-9 * gb, `${gb} → ${text} → ${back}`);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(validMemory, (m) => {
      const gb = parseMemory(m)!;
      const back = parseMemory(formatMemory(gb))!;
      assert(Math.abs(back - gb) <= 1e-9 * gb, `${m} → ${formatMemory(gb)} → ${back}`);
      // Whole sizes in a unit read back exactly.
      if (typeof m === "string" && /^\d+[kmgt]$/i.test(m)) assertEquals(back, gb);
    }),
    RUNS,
  );
});

// Regressions the properties above found.

Deno.test("regression: formatMemory writes the digits of huge sizes, never an exponent", () => {
  // 1.024e24 GB is 1e21 T: JavaScript writes "1e+21", which parseMemory refuses.
  assertEquals(formatMemory(1.024e24), "1000000000000000000000T");
  assertEquals(parseMemory(formatMemory(1.024e24)), 1.024e24);
  assertEquals(parseMemory(formatMemory(Number.MAX_VALUE)), Number.MAX_VALUE);
});

Deno.test("regression: nranks × omp_num_threads beyond 2^53 is refused, not an inexact np", () => {
  const e = assertThrows(
    () => validateDirectives({ nranks: Number.MAX_SAFE_INTEGER, omp_num_threads: 2 }, CONTEXT),
    DirectiveError,
  );
  assertEquals(
    e.message,
    "operation 'op': directives 'nranks' × 'omp_num_threads' must be at most " +
      "9007199254740991, got 9007199254740991 × 2",
  );
});
