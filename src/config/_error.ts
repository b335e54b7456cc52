/**
 * The error of a malformed workflow file, with the file and the position of
 * the offending node.
 *
 * @module
 */

import { oneLine, UsageError } from "../errors.ts";

/**
 * A 1-based line and column in a text file.
 *
 * @example
 * ```ts
 * import type { SourcePosition } from "./_error.ts";
 * const where: SourcePosition = { line: 3, column: 14 };
 * ```
 */
export interface SourcePosition {
  /** Line, from 1. */
  readonly line: number;
  /** Column, from 1. */
  readonly column: number;
}

/**
 * A workflow file (flow.yaml) is malformed or defines a workflow that cannot
 * work. The one-line message starts with `PATH:LINE:COL: ` (1-based, the
 * position of the offending node), or with `PATH: ` for a problem of the
 * whole definition that no single node shows; control characters in it are
 * escaped (`\n`), so that it stays one line. It is a {@link UsageError}, so
 * the command line exits with code 2.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./_error.ts";
 * const e = new ConfigError("flow.yaml", { line: 7, column: 5 }, "unknown key 'comand'");
 * console.log(e.message, e.exitCode); // flow.yaml:7:5: unknown key 'comand' 2
 * ```
 */
export class ConfigError extends UsageError {
  /** The file, as given to the parser. */
  readonly file: string;
  /** Where in the file, when a node shows the problem. */
  readonly position: SourcePosition | undefined;
  /** The message without the `PATH:LINE:COL: ` prefix. */
  readonly detail: string;

  /** Creates the error; the message is `file:line:column: detail` (or `file: detail`). */
  constructor(
    file: string,
    position: SourcePosition | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    // Keys and file names quoted in the message may hold line breaks: escape them.
    const where = oneLine(file);
    const what = oneLine(detail);
    super(
      position ? `${where}:${position.line}:${position.column}: ${what}` : `${where}: ${what}`,
      options,
    );
    this.file = file;
    this.position = position;
    this.detail = what;
  }
}
