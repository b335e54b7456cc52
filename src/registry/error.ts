/**
 * The error of a workflow definition that cannot work (a name clash, an
 * unknown operation, a cycle in `after`).
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/**
 * A workflow definition is inconsistent; the message names what and where.
 *
 * @example
 * ```ts
 * import { DefinitionError } from "./error.ts";
 * console.log(new DefinitionError("group 'ex' adds unknown operation 'op3'").exitCode); // 2
 * ```
 */
export class DefinitionError extends UsageError {}
