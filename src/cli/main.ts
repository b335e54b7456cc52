/**
 * The `flow` command line: builds the commander program and turns every
 * error into one line on stderr and an exit code (2 usage/data, 1 failure).
 *
 * @module
 */

import { Command, CommanderError } from "./deps.ts";
import { FlowError } from "../errors.ts";
import { err } from "./_io.ts";
import type { GlobalOptions } from "./_project.ts";
import { registerCheck } from "./commands/check.ts";
import { registerFind } from "./commands/find.ts";
import { registerInit } from "./commands/init.ts";
import { registerJob } from "./commands/job.ts";

/** The version printed by `flow --version` (kept equal to deno.json's by a test). */
export const VERSION = "0.1.0";

/** Builds the program (exported for tests and completions). */
export function buildProgram(): Command {
  const program = new Command("flow");
  const globals = () => program.opts<GlobalOptions>();
  program
    .description("a workflow manager for signac-style data spaces on workstations and HPC clusters")
    .version(VERSION, "-V, --version")
    .option("--project <dir>", "the project folder (default: search upward from here)")
    .exitOverride()
    .configureOutput({
      // Commander's own errors (unknown command or option, missing argument) become one line too.
      outputError: (s) => err(`flow: ${s.trim().replace(/\s*\n\s*/g, " ")} (see 'flow --help')`),
    })
    .addHelpText(
      "after",
      `
Examples:
  flow init my-study && cd my-study
  flow job create --grid grid.yaml
  flow find T 1.5
  flow job show 42b7`,
    );
  registerInit(program);
  registerJob(program, globals);
  registerFind(program, globals);
  registerCheck(program, globals);
  const inherit = (c: Command) => {
    c.exitOverride();
    c.configureOutput(program.configureOutput());
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/**
 * Runs the command line with `args` and returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["--version"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end with exit code 0; commander has printed its own message otherwise.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof FlowError) {
      err(`flow: error: ${e.message.split("\n")[0]}`);
      return e.exitCode;
    }
    if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
      err(`flow: error: permission denied: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof Error && Object.values(Deno.errors).some((cls) => e instanceof cls)) {
      // File-system errors on paths the user named (a folder that is a file, a full disk, ...).
      err(`flow: error: ${e.message}`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    err(
      `flow: internal error: ${message} (set FLOW_DEBUG=1 for the stack trace; please report it)`,
    );
    if (Deno.env.get("FLOW_DEBUG")) err(e instanceof Error ? String(e.stack) : String(e));
    return 1;
  }
}
