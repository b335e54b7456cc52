/**
 * The error raised for a malformed directive.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/**
 * A directive is unknown, has the wrong type, or is out of range. The message
 * starts with the context it was found in, e.g.
 * `operation 'op1' in group 'ex': unknown directive 'ngpus' (did you mean 'ngpu'?)`.
 * It is a {@link UsageError}, so the command line exits with code 2.
 *
 * @example
 * ```ts
 * import { DirectiveError } from "./error.ts";
 * const err = new DirectiveError("operation 'op1': directive 'np' must be an integer ≥ 1, got 0");
 * console.log(err.exitCode); // 2
 * ```
 */
export class DirectiveError extends UsageError {}
