// Private helpers of the command line: output, warnings and confirmation.

import { oneLine } from "../errors.ts";
import type { JobProblem } from "../workspace/project.ts";

const encoder = new TextEncoder();

/**
 * Standard output was closed by its reader (`flow find | head -1`): the
 * command stops writing, and the command line exits quietly with code 0, as
 * the reader took all it wanted.
 */
export class StdoutClosedError extends Error {
  constructor() {
    super("standard output was closed by its reader");
    this.name = "StdoutClosedError";
  }
}

/**
 * Writes bytes to stdout, all of them.
 *
 * @throws {StdoutClosedError} when the reader has gone (a broken pipe)
 */
export function outBytes(bytes: Uint8Array): void {
  try {
    let written = 0;
    while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) throw new StdoutClosedError();
    throw e;
  }
}

/**
 * Writes text to stdout in one call (fast for 100,000 lines).
 *
 * @throws {StdoutClosedError} when the reader has gone (a broken pipe)
 */
export function out(text: string): void {
  if (text.length === 0) return;
  outBytes(encoder.encode(text.endsWith("\n") ? text : text + "\n"));
}

/** Writes one line to stderr; nothing when stderr's reader has gone (there is no one to tell). */
export function err(line: string): void {
  const bytes = encoder.encode(line + "\n");
  try {
    let written = 0;
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
  } catch (e) {
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
  }
}

/** One warning line for job directories that were skipped. */
export function warnProblems(problems: JobProblem[]): void {
  if (problems.length === 0) return;
  const first = problems[0];
  const more = problems.length > 1 ? ` and ${problems.length - 1} more` : "";
  err(
    `warning: skipped ${problems.length} broken job director${problems.length > 1 ? "ies" : "y"} ` +
      `(${oneLine(first.id)}: ${oneLine(first.reason)}${more}); run 'flow check' for details`,
  );
}

/** Asks a yes/no question on the terminal; false when stdin is not a terminal. */
export function confirm(question: string): boolean {
  if (!Deno.stdin.isTerminal()) return false;
  // `prompt` exists on the main thread only (this module is also loaded in sandbox Workers).
  const ask = (globalThis as { prompt?: (message: string) => string | null }).prompt;
  const answer = ask ? ask(`${question} [y/N]`) : null;
  return answer !== null && /^y(es)?$/i.test(answer.trim());
}
