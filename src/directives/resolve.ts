/**
 * Resolution: turning a {@link DirectiveSpec} (values or functions of the
 * job) into checked {@link ResolvedDirectives} for one job. Calling the
 * functions ({@link evaluateDirectives}) and checking the results
 * (`validateDirectives`) are separate steps.
 *
 * @module
 */

import { DirectiveError } from "./error.ts";
import type { DirectiveSpec, ResolvedDirectives } from "./schema.ts";
import { checkDirectiveNames, validateDirectives } from "./validate.ts";

/**
 * Calls every function-valued directive of `spec` with `job` and returns the
 * plain values, unchecked. Other values are copied as they are.
 *
 * @param context prefixed to messages, e.g. `operation 'op1' in group 'ex'`
 * @throws {DirectiveError} wrapping (as `cause`) anything a function throws.
 * @example
 * ```ts
 * import { evaluateDirectives } from "./resolve.ts";
 * const raw = evaluateDirectives({ np: (n: number) => n * 2, fork: true }, 3, "operation 'a'");
 * console.log(raw); // { np: 6, fork: true }
 * ```
 */
export function evaluateDirectives<J>(
  spec: DirectiveSpec<J>,
  job: J,
  context: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(spec)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    try {
      out[name] = (value as (job: J) => unknown)(job);
    } catch (e) {
      const why = describeThrown(e);
      const where = context === "" ? "" : `${context}: `;
      throw new DirectiveError(`${where}directive '${name}' could not be computed: ${why}`, {
        cause: e,
      });
    }
  }
  return out;
}

/** What a directive function threw, for a message; never throws itself. */
function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    // An object without a usable toString (a null prototype, a toString that throws).
    return "a value that cannot be printed";
  }
}

/**
 * Resolves `spec` for `job`: checks the names (before calling any function),
 * calls the functions, then validates and normalises the values.
 *
 * @param context prefixed to messages, e.g. `operation 'op1' in group 'ex'`
 * @throws {DirectiveError} for an unknown name, a throwing function, or an
 *   invalid value.
 * @example
 * ```ts
 * import { resolveDirectives } from "./resolve.ts";
 * interface Job { sp: { size: number } }
 * const d = resolveDirectives<Job>(
 *   { np: (job) => job.sp.size, walltime: 0.5 },
 *   { sp: { size: 8 } },
 *   "operation 'simulate'",
 * );
 * console.log(d.np, d.walltime); // 8 1800
 * ```
 */
export function resolveDirectives<J>(
  spec: DirectiveSpec<J>,
  job: J,
  context: string,
): ResolvedDirectives {
  checkDirectiveNames(spec, context);
  return validateDirectives(evaluateDirectives(spec, job, context), context);
}
