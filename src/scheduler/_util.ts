/**
 * Small helpers private to `src/scheduler/`: quoting and rounding.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/**
 * `Math.ceil` that forgives floating-point noise (`0.1 * 3 * 1024` is 307.2…, `1.1 * 1024`
 * rounds to 1127, and 4.000000000001 GB is 4096 MB, not 4097).
 *
 * @example
 * ```ts
 * import { ceilTolerant } from "./_util.ts";
 * console.log(ceilTolerant(1.0000000000001), ceilTolerant(2.5)); // 1 3
 * ```
 */
export function ceilTolerant(x: number): number {
  const nearest = Math.round(x);
  if (Math.abs(x - nearest) <= 1e-9 * Math.max(1, Math.abs(x))) return nearest + 0;
  return Math.ceil(x) + 0;
}

/**
 * Quotes a word for bash: unchanged when it is made of safe characters only,
 * otherwise in single quotes (a `'` inside becomes `'\''`).
 *
 * @example
 * ```ts
 * import { shellQuote } from "./_util.ts";
 * console.log(shellQuote("/p/x"), shellQuote("it's")); // /p/x 'it'\''s'
 * ```
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:%@+=,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Quotes a value of a `#SBATCH`/`#PBS`/`#BSUB` line: unchanged when it is made
 * of safe characters only, otherwise in double quotes with `\` and `"`
 * escaped by a backslash (sbatch's directive parser honours both, and an
 * unquoted `#` would start a comment there). `force`: quote anyway.
 *
 * @throws {UsageError} for a value with a line break (no directive can hold one: a project
 *   path, --account, --partition or --after with one is the user's to change).
 * @example
 * ```ts
 * import { directiveQuote } from "./_util.ts";
 * console.log(directiveQuote("/p/a b.out")); // "/p/a b.out"
 * ```
 */
export function directiveQuote(value: string, force = false): string {
  if (/[\n\r]/.test(value)) {
    throw new UsageError(
      `a scheduler directive cannot hold a line break: ${JSON.stringify(value)}`,
    );
  }
  if (!force && /^[A-Za-z0-9_./:%@+=,\[\]-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}
