/**
 * The directives an operation may request, as one table.
 *
 * {@link DIRECTIVES} is the single source of truth: validation reads each
 * entry's kind, range and message, aggregation reads its serial and parallel
 * rule, and formatting reads its order and default.
 *
 * Units after validation: `memory` in GB (1 GB = 1024 MB, as in signac-flow),
 * `walltime` in whole seconds.
 *
 * @module
 */

/**
 * A directive set after validation: every directive present, in canonical
 * units. `undefined` means "not requested" (memory, walltime) or "the tool's
 * own" (executable).
 *
 * @example
 * ```ts
 * import type { ResolvedDirectives } from "./schema.ts";
 * const d: ResolvedDirectives = {
 *   np: 4, ngpu: 1, nranks: 0, omp_num_threads: 4, processor_fraction: 1,
 *   walltime: 5400, memory: 4, fork: false, executable: undefined,
 * };
 * ```
 */
export interface ResolvedDirectives {
  /** Processors (cores); always ≥ max(1, nranks) × max(1, omp_num_threads). */
  readonly np: number;
  /** GPUs. */
  readonly ngpu: number;
  /** MPI ranks; 0 means "not an MPI operation". */
  readonly nranks: number;
  /** OpenMP threads; 0 means "do not set OMP_NUM_THREADS". */
  readonly omp_num_threads: number;
  /** Share of `np` (and `ngpu`) the operation really uses, in (0, 1]. */
  readonly processor_fraction: number;
  /** Wall time in whole seconds, or undefined when not requested. */
  readonly walltime: number | undefined;
  /** Memory in GB (1 GB = 1024 MB), or undefined when not requested. */
  readonly memory: number | undefined;
  /** Run the operation in a separate process. */
  readonly fork: boolean;
  /** Program that runs the operation, or undefined for the tool's own. */
  readonly executable: string | undefined;
}

/**
 * The values a user may write for each directive, before normalisation:
 * `memory` as GB or `"512M"`/`"4G"`/`"1T"`, `walltime` as hours or
 * `"HH:MM:SS"`/`"D-HH:MM:SS"`.
 *
 * @example
 * ```ts
 * import type { DirectiveValues } from "./schema.ts";
 * const memory: DirectiveValues["memory"] = "512M";
 * ```
 */
export interface DirectiveValues {
  /** An integer ≥ 1. */
  np: number;
  /** An integer ≥ 0. */
  ngpu: number;
  /** An integer ≥ 0. */
  nranks: number;
  /** An integer ≥ 0. */
  omp_num_threads: number;
  /** A number in (0, 1]. */
  processor_fraction: number;
  /** Hours (> 0), or `"HH:MM:SS"` / `"D-HH:MM:SS"`. */
  walltime: number | string;
  /** GB (> 0), or a string such as `"512M"`, `"4G"`, `"1.5g"`, `"1T"`. */
  memory: number | string;
  /** A boolean. */
  fork: boolean;
  /** A non-empty string. */
  executable: string;
}

/**
 * The name of a directive.
 *
 * @example
 * ```ts
 * import type { DirectiveName } from "./schema.ts";
 * const name: DirectiveName = "ngpu";
 * ```
 */
export type DirectiveName = keyof DirectiveValues;

/**
 * What a user may write for directive `N`: its value, or `null` for "unset"
 * (the default). `null` differs from a missing key when merging: a group
 * override `{ memory: null }` removes the operation's own memory request.
 *
 * @example
 * ```ts
 * import type { DirectiveInput } from "./schema.ts";
 * const walltime: DirectiveInput<"walltime"> = "01:30:00";
 * const none: DirectiveInput<"memory"> = null;
 * ```
 */
export type DirectiveInput<N extends DirectiveName> = DirectiveValues[N] | null;

/**
 * Directives as written on an operation or a group: each value may be given
 * directly or as a function of the job (`J` is the job type; this module does
 * not depend on the workspace). A function may return `undefined` for "not
 * given". Missing keys and `undefined` values mean "not given".
 *
 * @example
 * ```ts
 * import type { DirectiveSpec } from "./schema.ts";
 * interface Job { sp: { n: number } }
 * const spec: DirectiveSpec<Job> = { np: (job) => job.sp.n, walltime: "02:00:00" };
 * ```
 */
export type DirectiveSpec<J = unknown> = {
  readonly [N in DirectiveName]?:
    | DirectiveInput<N>
    | ((job: J) => DirectiveInput<N> | undefined);
};

/**
 * How the directives of several operations combine into one request:
 * `max` and `sum` over the values that are set (undefined only when none
 * is), `any` for booleans, `first` takes the first operation's value.
 *
 * @example
 * ```ts
 * import type { Aggregation } from "./schema.ts";
 * const rule: Aggregation = "sum";
 * ```
 */
export type Aggregation = "max" | "sum" | "any" | "first";

/**
 * The aggregation rules that make sense for a value type.
 *
 * @example
 * ```ts
 * import type { AggregationFor } from "./schema.ts";
 * const rule: AggregationFor<boolean> = "any";
 * ```
 */
export type AggregationFor<T> = [NonNullable<T>] extends [number] ? "max" | "sum" | "first"
  : [NonNullable<T>] extends [boolean] ? "any" | "first"
  : "first";

/**
 * How a directive's value is checked and normalised.
 *
 * - `integer`: a safe integer ≥ `min`;
 * - `fraction`: a number in (0, 1];
 * - `walltime`: hours > 0 or `"HH:MM:SS"` / `"D-HH:MM:SS"`, to seconds;
 * - `memory`: GB > 0 or `"<number><K|M|G|T>"`, to GB;
 * - `boolean`: `true` or `false`;
 * - `command`: a non-empty string.
 *
 * @example
 * ```ts
 * import type { DirectiveKind } from "./schema.ts";
 * const kind: DirectiveKind = { type: "integer", min: 1 };
 * ```
 */
export type DirectiveKind =
  | { readonly type: "integer"; readonly min: number }
  | { readonly type: "fraction" }
  | { readonly type: "walltime" }
  | { readonly type: "memory" }
  | { readonly type: "boolean" }
  | { readonly type: "command" };

/**
 * One row of the directive table.
 *
 * @example
 * ```ts
 * import { DIRECTIVES, type DirectiveInfo } from "./schema.ts";
 * const np: DirectiveInfo<"np"> = DIRECTIVES.np;
 * console.log(np.serial, np.parallel); // max sum
 * ```
 */
export interface DirectiveInfo<N extends DirectiveName = DirectiveName> {
  /** The directive's name. */
  readonly name: N;
  /** How values are checked and normalised. */
  readonly kind: DirectiveKind;
  /** The value when the directive is not given (or given as `null`). */
  readonly default: ResolvedDirectives[N];
  /** What a valid value is, as used in error messages ("must be …"). */
  readonly expected: string;
  /** One line of documentation. */
  readonly doc: string;
  /** Rule for a group whose operations run one after the other. */
  readonly serial: AggregationFor<ResolvedDirectives[N]>;
  /** Rule for a group whose operations run at the same time. */
  readonly parallel: AggregationFor<ResolvedDirectives[N]>;
}

/**
 * The directive table, keyed by name, in canonical order (the order of
 * {@link DIRECTIVE_NAMES} and of formatted output).
 *
 * @example
 * ```ts
 * import { DIRECTIVES } from "./schema.ts";
 * console.log(DIRECTIVES.walltime.serial, DIRECTIVES.walltime.parallel); // sum max
 * ```
 */
export const DIRECTIVES: { readonly [N in DirectiveName]: DirectiveInfo<N> } = deepFreeze({
  np: {
    name: "np",
    kind: { type: "integer", min: 1 },
    default: 1,
    expected: "an integer ≥ 1",
    doc: "Processors (cores); raised to max(1, nranks) × max(1, omp_num_threads) if lower.",
    serial: "max",
    parallel: "sum",
  },
  ngpu: {
    name: "ngpu",
    kind: { type: "integer", min: 0 },
    default: 0,
    expected: "an integer ≥ 0",
    doc: "GPUs.",
    serial: "max",
    parallel: "sum",
  },
  nranks: {
    name: "nranks",
    kind: { type: "integer", min: 0 },
    default: 0,
    expected: "an integer ≥ 0",
    doc: "MPI ranks (0: not run through MPI).",
    serial: "max",
    parallel: "sum",
  },
  omp_num_threads: {
    name: "omp_num_threads",
    kind: { type: "integer", min: 0 },
    default: 0,
    expected: "an integer ≥ 0",
    doc: "OpenMP threads, exported as OMP_NUM_THREADS (0: not set).",
    // Threads are per rank: operations running side by side do not add theirs up. The
    // combined value is the widest rank's threads (what one batch task must hold).
    serial: "max",
    parallel: "max",
  },
  processor_fraction: {
    name: "processor_fraction",
    kind: { type: "fraction" },
    default: 1,
    expected: "a number in (0, 1]",
    doc: "Share of the requested processors the operation really uses.",
    // The largest share: combined np × processor_fraction then covers every operation's own
    // np × processor_fraction (serial) or their sum (parallel); equal shares stay as they are.
    serial: "max",
    parallel: "max",
  },
  walltime: {
    name: "walltime",
    kind: { type: "walltime" },
    default: undefined,
    expected: 'a number of hours > 0 or a duration "HH:MM:SS" or "D-HH:MM:SS", at most 365 days',
    doc: "Wall time, normalised to whole seconds (rounded up).",
    serial: "sum",
    parallel: "max",
  },
  memory: {
    name: "memory",
    kind: { type: "memory" },
    default: undefined,
    expected: 'a number of GB > 0 or a size such as "512M", "4G" or "1T", at most 1024T',
    doc: "Memory, normalised to GB (1 GB = 1024 MB).",
    serial: "max",
    parallel: "sum",
  },
  fork: {
    name: "fork",
    kind: { type: "boolean" },
    default: false,
    expected: "a boolean",
    doc: "Run the operation in a separate process.",
    serial: "any",
    parallel: "any",
  },
  executable: {
    name: "executable",
    kind: { type: "command" },
    default: undefined,
    expected: "a non-empty string",
    doc: "Program that runs the operation (default: the tool's own).",
    serial: "first",
    parallel: "first",
  },
});

/**
 * Directive names in canonical order.
 *
 * @example
 * ```ts
 * import { DIRECTIVE_NAMES } from "./schema.ts";
 * console.log(DIRECTIVE_NAMES[0]); // "np"
 * ```
 */
export const DIRECTIVE_NAMES: readonly DirectiveName[] = Object.freeze(
  Object.keys(DIRECTIVES) as DirectiveName[],
);

/**
 * Every directive at its default: what an operation without directives
 * requests.
 *
 * @example
 * ```ts
 * import { DEFAULT_DIRECTIVES } from "./schema.ts";
 * console.log(DEFAULT_DIRECTIVES.np, DEFAULT_DIRECTIVES.walltime); // 1 undefined
 * ```
 */
export const DEFAULT_DIRECTIVES: ResolvedDirectives = Object.freeze({
  np: DIRECTIVES.np.default,
  ngpu: DIRECTIVES.ngpu.default,
  nranks: DIRECTIVES.nranks.default,
  omp_num_threads: DIRECTIVES.omp_num_threads.default,
  processor_fraction: DIRECTIVES.processor_fraction.default,
  walltime: DIRECTIVES.walltime.default,
  memory: DIRECTIVES.memory.default,
  fork: DIRECTIVES.fork.default,
  executable: DIRECTIVES.executable.default,
});

/**
 * Whether `name` is a known directive.
 *
 * @example
 * ```ts
 * import { isDirectiveName } from "./schema.ts";
 * console.log(isDirectiveName("ngpu"), isDirectiveName("ngpus")); // true false
 * ```
 */
export function isDirectiveName(name: string): name is DirectiveName {
  return Object.hasOwn(DIRECTIVES, name);
}

function deepFreeze<T extends object>(table: T): T {
  for (const row of Object.values(table)) {
    if (row !== null && typeof row === "object") deepFreeze(row);
  }
  return Object.freeze(table);
}
