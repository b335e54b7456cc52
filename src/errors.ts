/**
 * Named error classes shared by every part of the engine.
 *
 * Each carries a message meant for the user; the command line prints it as
 * one line on stderr and exits with {@link FlowError.exitCode}.
 *
 * @module
 */

/**
 * Base class of every error the engine raises on purpose.
 *
 * @example
 * ```ts
 * import { FlowError } from "./errors.ts";
 * try {
 *   throw new FlowError("something is wrong");
 * } catch (e) {
 *   if (e instanceof FlowError) console.error(e.message, e.exitCode);
 * }
 * ```
 */
export class FlowError extends Error {
  /** Exit code the command line uses for this error: 2 for usage/data errors. */
  readonly exitCode: number = 2;
  /** Creates the error with a message meant for the user. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The user asked for something malformed or impossible (bad arguments, bad
 * JSON, an unknown job id).
 *
 * @example
 * ```ts
 * import { UsageError } from "./errors.ts";
 * const err = new UsageError("unknown job id 'abc'");
 * console.log(err.exitCode); // 2
 * ```
 */
export class UsageError extends FlowError {}

/**
 * Data on disk is malformed or inconsistent (a corrupt state point, a
 * document that is not JSON, a project that does not exist).
 *
 * @example
 * ```ts
 * import { DataError } from "./errors.ts";
 * const err = new DataError("workspace/abc: state point file is missing");
 * console.log(err.exitCode); // 2
 * ```
 */
export class DataError extends FlowError {}

/**
 * Something the user asked to run ran and failed.
 *
 * @example
 * ```ts
 * import { OperationError } from "./errors.ts";
 * const err = new OperationError("operation 'prep' failed on job 1234abcd: exit code 3");
 * console.log(err.exitCode); // 1
 * ```
 */
export class OperationError extends FlowError {
  /** Exit code 1: an operation ran and failed. */
  override readonly exitCode: number = 1;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/g;
const ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * The text with line breaks and other control characters escaped as JSON
 * escapes them (`\n`, `\u0000`), so that a message quoting user data (a
 * filter key, a YAML key, a file name) stays one line.
 *
 * @example
 * ```ts
 * import { oneLine } from "./errors.ts";
 * console.log(oneLine("unknown key 'a\nb'")); // unknown key 'a\nb' (on one line)
 * ```
 */
export function oneLine(text: string): string {
  return text.replace(
    CONTROL,
    (c) => ESCAPES[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}
